/**
 * MULTI / EXEC / DISCARD / WATCH / UNWATCH on one connection, at the edge.
 * Queued commands are checked as they arrive (a bad one aborts EXEC, as in
 * Redis); EXEC sends the whole transaction as one write, applied as one log
 * entry. WATCH reads each key's version through the log's read path; EXEC
 * carries them and the state machine aborts the transaction if any changed,
 * so every replica decides the same.
 */
import type { KeyQuery, TxCommand } from '../kv/commands.js';
import { entryBytesError, type CommandLimits } from '../protocol/args.js';
import type { ClientRequest, ParseResult } from '../protocol/commands.js';
import { errorReply, type Reply } from '../protocol/reply.js';

const KEY_QUERIES: ReadonlySet<string> = new Set(['get', 'mget', 'exists', 'strlen', 'type', 'ttl']);

export type TransactionStep =
  /** Answer this at once. */
  | { readonly kind: 'reply'; readonly reply: Reply }
  /** Send this request on (EXEC's transaction, WATCH's version read). */
  | { readonly kind: 'send'; readonly request: ClientRequest; readonly watch?: readonly Buffer[] }
  /** Not a transaction command, and no transaction open: handle it as usual. */
  | { readonly kind: 'pass' };

const QUEUED: Reply = { type: 'simple', value: 'QUEUED' };
const OK: Reply = { type: 'simple', value: 'OK' };

export class Transaction {
  private queued: TxCommand[] | null = null;
  private queuedArgs: Buffer[] = [];
  private dirty = false;
  private watches = new Map<string, readonly [Buffer, number]>();

  get open(): boolean {
    return this.queued !== null;
  }

  /** One request of the connection: the command's name, its arguments, and how it parsed. */
  step(name: string, args: readonly Buffer[], parsed: ParseResult, limits: CommandLimits): TransactionStep {
    switch (name) {
      case 'multi':
        if (this.queued) return { kind: 'reply', reply: errorReply('ERR MULTI calls can not be nested') };
        this.queued = [];
        this.queuedArgs = [];
        this.dirty = false;
        return { kind: 'reply', reply: OK };
      case 'exec':
        return this.exec(limits);
      case 'discard':
        if (!this.queued) return { kind: 'reply', reply: errorReply('ERR DISCARD without MULTI') };
        this.reset();
        return { kind: 'reply', reply: OK };
      case 'watch':
        if (this.queued) return { kind: 'reply', reply: errorReply('ERR WATCH inside MULTI is not allowed') };
        return parsed.ok ? { kind: 'send', request: { kind: 'read', query: { op: 'versions', keys: args.slice(1) } }, watch: args.slice(1) } : { kind: 'reply', reply: errorReply(parsed.error) };
      case 'unwatch':
        if (!this.queued) this.watches.clear();
        return { kind: 'reply', reply: this.queued ? QUEUED : OK };
    }
    if (!this.queued) return { kind: 'pass' };
    return this.enqueue(args, parsed);
  }

  /** WATCH's versions arrived: remember them for EXEC. */
  watched(keys: readonly Buffer[], versions: readonly number[]): void {
    keys.forEach((key, i) => {
      const id = key.toString('latin1');
      if (!this.watches.has(id)) this.watches.set(id, [key, versions[i] ?? 0]);
    });
  }

  private enqueue(args: readonly Buffer[], parsed: ParseResult): TransactionStep {
    const command = parsed.ok ? transactionCommand(parsed.request) : null;
    if (!parsed.ok || command === null) {
      this.dirty = true;
      const message = parsed.ok ? `ERR ${args[0]!.toString('latin1').toUpperCase()} is not supported inside MULTI here (only commands on named keys)` : parsed.error;
      return { kind: 'reply', reply: errorReply(message) };
    }
    this.queued!.push(command);
    this.queuedArgs.push(...args);
    return { kind: 'reply', reply: QUEUED };
  }

  private exec(limits: CommandLimits): TransactionStep {
    if (!this.queued) return { kind: 'reply', reply: errorReply('ERR EXEC without MULTI') };
    const commands = this.queued;
    const dirty = this.dirty;
    const size = entryBytesError(this.queuedArgs, limits);
    const watches = [...this.watches.values()];
    this.reset();
    if (dirty) return { kind: 'reply', reply: errorReply('EXECABORT Transaction discarded because of previous errors.') };
    if (size !== null) return { kind: 'reply', reply: errorReply(`EXECABORT ${size.replace(/^ERR /, '')}`) };
    return { kind: 'send', request: { kind: 'write', command: { op: 'multi', commands, watches } } };
  }

  private reset(): void {
    this.queued = null;
    this.queuedArgs = [];
    this.dirty = false;
    this.watches.clear();
  }
}

/** What a transaction may hold: single writes (not sessions or another transaction) and reads of named keys. */
function transactionCommand(request: ClientRequest | { kind: 'edge' }): TxCommand | null {
  if (request.kind === 'write') {
    const command = request.command;
    if (command.op === 'session-open' || command.op === 'multi' || command.session) return null;
    return command;
  }
  if (request.kind === 'read' && KEY_QUERIES.has(request.query.op)) return request.query as KeyQuery;
  return null;
}
