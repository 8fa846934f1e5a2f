/**
 * Applying commands to the key-value state, as a pure plan: given the
 * current records of the keys the commands read, compute the writes for one
 * batch and each command's result. Later commands in a batch see the effects
 * of earlier ones through the overlay.
 */
import type { LogIndex } from '../raft/types.js';
import type { KvWrite } from '../storage/interfaces.js';
import type { KvCommand, KvResult, KvWriteCommand, TxCommand } from './commands.js';
import { keysOf, readKeys } from './read-ops.js';
import { encodeRecord, type KvRecord } from './record.js';
import type { SessionTable } from './sessions.js';
import { applyWrite, type KeyEvent, type Overlay } from './write-ops.js';

/** Map key for raw bytes: latin1 maps each byte to one char, losslessly. */
export function keyId(key: Uint8Array): string {
  return Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1');
}

/** What a batch must read before it is planned: named keys, or every key (FLUSHALL). */
export interface ReadSet {
  readonly keys: Uint8Array[];
  readonly all: boolean;
}

export function keysToRead(commands: readonly IndexedCommand[]): ReadSet {
  const reads: ReadSet = { keys: [], all: false };
  for (const { command } of commands) if (command.op !== 'session-open') addReads(command, reads);
  return reads;
}

function addReads(command: TxCommand, reads: { keys: Uint8Array[]; all: boolean }): void {
  switch (command.op) {
    case 'set':
      // A plain SET overwrites whatever is there: nothing to read on the hot path.
      if (command.cond || command.get || command.keepTtl || command.reply) reads.keys.push(command.key);
      return;
    case 'mset':
      if (command.nx) reads.keys.push(...command.pairs.map(([key]) => key));
      return;
    case 'rename':
      reads.keys.push(command.key, command.to);
      return;
    case 'flushall':
      reads.all = true;
      return;
    case 'multi':
      reads.keys.push(...command.watches.map(([key]) => key));
      for (const inner of command.commands) addReads(inner, reads);
      return;
    case 'cas':
    case 'getdel':
    case 'getex':
    case 'incrby':
    case 'incrbyfloat':
    case 'append':
    case 'expire':
    case 'persist':
      reads.keys.push(command.key);
      return;
    case 'del':
    case 'expire-keys':
      reads.keys.push(...command.keys);
      return;
    default:
      reads.keys.push(...keysOf(command));
  }
}

export interface ApplyPlan {
  readonly writes: KvWrite[];
  readonly results: KvResult[];
  /** Keyspace events, in apply order (for keyspace notifications). */
  readonly events: KeyEvent[];
}

export interface IndexedCommand {
  readonly index: LogIndex;
  readonly command: KvCommand;
}

/**
 * Plans one batch. Session bookkeeping happens here too, in log order: a
 * write whose (session, seq) was already applied gets its recorded result
 * and changes nothing.
 */
export function planApply(
  commands: readonly IndexedCommand[],
  current: ReadonlyMap<string, KvRecord | undefined>,
  sessions: SessionTable,
): ApplyPlan {
  const overlay = new BatchOverlay(current);
  const results: KvResult[] = [];
  const events: KeyEvent[] = [];
  for (const { index, command } of commands) {
    if (command.op === 'session-open') {
      results.push(sessions.open(index));
      continue;
    }
    const admission = command.session ? sessions.admit(command.session, index) : ({ apply: true } as const);
    if (!admission.apply) {
      results.push(admission.result);
      continue;
    }
    const result = applyCommand(command, { overlay, index, now: command.now ?? 0, events });
    if (command.session) sessions.record(command.session, index, result);
    results.push(result);
  }
  return { writes: overlay.writes, results, events };
}

function applyCommand(command: KvWriteCommand, ctx: { overlay: BatchOverlay; index: number; now: number; events: KeyEvent[] }): KvResult {
  if (command.op !== 'multi') return applyWrite(command, ctx);
  // WATCH: every watched key still has the version it had when watched (0: absent), decided here so every replica agrees.
  for (const [key, version] of command.watches) {
    const result = readKeys({ op: 'versions', keys: [key] }, (k) => ctx.overlay.get(k), ctx.now);
    const now = result.type === 'values' ? Number(Buffer.from(result.values[0]!).toString()) : -1;
    if (now !== version) return { type: 'results', results: null };
  }
  const results = command.commands.map((inner) =>
    isRead(inner) ? readKeys(inner, (k) => ctx.overlay.get(k), ctx.now) : applyWrite(inner, ctx),
  );
  return { type: 'results', results };
}

const READ_OPS = new Set(['get', 'mget', 'exists', 'strlen', 'type', 'ttl', 'versions']);

function isRead(command: TxCommand): command is Extract<TxCommand, { op: 'get' | 'mget' | 'exists' | 'strlen' | 'type' | 'ttl' | 'versions' }> {
  return READ_OPS.has(command.op);
}

/** The records as the batch has left them, and the writes that get them there. */
class BatchOverlay implements Overlay {
  private readonly records: Map<string, KvRecord | undefined>;
  readonly writes: KvWrite[] = [];

  constructor(current: ReadonlyMap<string, KvRecord | undefined>) {
    this.records = new Map(current);
  }

  get(key: Uint8Array): KvRecord | undefined {
    return this.records.get(keyId(key));
  }

  put(key: Uint8Array, record: KvRecord): void {
    this.records.set(keyId(key), record);
    this.writes.push({ type: 'put', key, value: encodeRecord(record) });
  }

  del(key: Uint8Array): void {
    this.records.set(keyId(key), undefined);
    this.writes.push({ type: 'del', key });
  }

  keys(): Uint8Array[] {
    const keys: Uint8Array[] = [];
    for (const [id, record] of this.records) if (record !== undefined) keys.push(Buffer.from(id, 'latin1'));
    return keys;
  }
}
