/**
 * RaftkvClient: typed KV calls against a raftkv cluster. It sends to the node it
 * believes leads, follows `-MOVED 0 host:port` at once, and on TRYAGAIN, BUSY,
 * a broken connection or a timeout moves on (to the next node, or for BUSY the
 * same one) after a short capped backoff, until the call's deadline.
 *
 * Writes: a write sent without an answer (timeout, reset) has an unknown
 * outcome. Idempotent writes (SET, DEL) are retried anyway; CAS is not, and
 * fails with `outcomeUnknown: true`. If a retried write still fails, its error
 * carries `outcomeUnknown` too.
 */
import { ClientError, isClientError } from './errors.js';
import type { Arg } from './encode.js';
import { RespConnection, type ConnectionSecurity } from './connection.js';
import type { Reply } from './reply.js';
import { Backoff, judgeReply, serverError, sleep, type Verdict } from './retry.js';

export interface ClientOptions {
  /** Client addresses ("host:port") of the cluster's nodes; at least one. */
  readonly nodes: readonly string[];
  /** One attempt's timeout. */
  readonly requestTimeoutMs?: number;
  /** A whole call's budget, retries included. */
  readonly deadlineMs?: number;
  readonly connectTimeoutMs?: number;
  readonly backoffMinMs?: number;
  readonly backoffMaxMs?: number;
  /** Consecutive redirects tolerated before MOVED_LOOP. */
  readonly redirectsMax?: number;
  /**
   * Make writes exactly-once through a server session (default true): each
   * write carries the session id and a sequence number, so a write retried
   * after a timeout or a leader crash is applied at most once, CAS included.
   */
  readonly session?: boolean;
  /** Credentials and TLS for nodes that require them (clientAuth, clientTls). */
  readonly security?: ConnectionSecurity;
}

/** How a call may be retried after an attempt of unknown outcome. */
type CallKind = 'read' | 'idempotent-write' | 'write';

type Attempt = { readonly kind: 'reply'; readonly reply: Reply } | { readonly kind: 'failed'; readonly error: ClientError; readonly sent: boolean };

interface PooledConnection {
  readonly opening: Promise<RespConnection>;
  /** Set once connected. */
  open: RespConnection | null;
}

interface CallState {
  readonly deadline: number;
  readonly backoff: Backoff;
  redirects: number;
  outcomeUnknown: boolean;
  lastError: ClientError | null;
}

export class RaftkvClient {
  private readonly nodes: string[];
  private target: string;
  private readonly connections = new Map<string, PooledConnection>();
  private closed = false;
  private readonly options: Required<Omit<ClientOptions, 'nodes' | 'security'>>;
  private readonly security: ConnectionSecurity;
  private session: Promise<number> | null = null;
  private nextSeq = 1;
  /** Sequence numbers sent and not yet answered: the lowest one acknowledges all below it. */
  private readonly unanswered = new Set<number>();

  constructor(options: ClientOptions) {
    if (options.nodes.length === 0) throw new ClientError('CONNECTION', 'no node addresses given');
    this.nodes = [...options.nodes];
    this.target = this.nodes[0] as string;
    this.security = options.security ?? {};
    this.options = {
      requestTimeoutMs: options.requestTimeoutMs ?? 5_000,
      deadlineMs: options.deadlineMs ?? 10_000,
      connectTimeoutMs: options.connectTimeoutMs ?? 1_000,
      // Short: while a new leader is elected a long pause between tries adds itself to the outage (a 500 ms
      // cap cost kill -9 failover about 250 ms). Starting at 5 ms, the tries after a leader crash come at
      // about 5, 15, 35, 75 and 155 ms, when an election after a closed connection takes some 20-120 ms.
      backoffMinMs: options.backoffMinMs ?? 5,
      backoffMaxMs: options.backoffMaxMs ?? 100,
      redirectsMax: options.redirectsMax ?? 5,
      session: options.session ?? true,
    };
  }

  /** The node the next request goes to: the leader, as far as the client knows. */
  get leaderAddress(): string {
    return this.target;
  }

  async get(key: Arg): Promise<Buffer | null> {
    return expectBulk(await this.call(['GET', key], 'read'));
  }

  async set(key: Arg, value: Arg): Promise<void> {
    expectSimple(await this.write(['SET', key, value], 'idempotent-write'), 'OK');
  }

  async del(...keys: Arg[]): Promise<number> {
    return expectInteger(await this.write(['DEL', ...keys], 'idempotent-write'));
  }

  /** Sets `key` to `value` only if it holds `expected`; true when it swapped. */
  async cas(key: Arg, expected: Arg, value: Arg): Promise<boolean> {
    return expectInteger(await this.write(['CAS', key, expected, value], 'write')) === 1;
  }

  /** The session id writes go under, opening a session on first use (null without sessions). */
  async sessionId(): Promise<number | null> {
    if (!this.options.session) return null;
    // Opening is a write of its own; if its outcome is unknown, an orphan session simply expires.
    this.session ??= this.call(['SESSION'], 'idempotent-write').then(expectInteger);
    try {
      return await this.session;
    } catch (error) {
      this.session = null;
      throw error;
    }
  }

  /**
   * A write, inside the session when there is one: then every retry carries the
   * same sequence number and the server applies it at most once, so even CAS
   * may be retried. A session the server no longer knows means the write was
   * not applied: it is sent again under a new session.
   */
  private async write(args: readonly Arg[], kind: CallKind): Promise<Reply> {
    for (let attempt = 0; ; attempt++) {
      const id = await this.sessionId();
      if (id === null) return this.call(args, kind);
      const seq = this.nextSeq++;
      this.unanswered.add(seq);
      const lowest = Math.min(...this.unanswered);
      try {
        return await this.call(['SEQ', String(id), String(seq), String(lowest), ...args], 'idempotent-write');
      } catch (error) {
        const expired = isClientError(error) && error.serverMessage?.startsWith('SESSION_EXPIRED') === true;
        if (!expired || attempt > 0) throw error;
        this.session = null;
      } finally {
        this.unanswered.delete(seq);
      }
    }
  }

  async exists(...keys: Arg[]): Promise<number> {
    return expectInteger(await this.call(['EXISTS', ...keys], 'read'));
  }

  async keys(pattern: Arg): Promise<Buffer[]> {
    return expectBulkArray(await this.call(['KEYS', pattern], 'read'));
  }

  async list(prefix: Arg = ''): Promise<Buffer[]> {
    const args: Arg[] = prefix.length === 0 ? ['LIST'] : ['LIST', prefix];
    return expectBulkArray(await this.call(args, 'read'));
  }

  async ping(): Promise<string> {
    const reply = await this.call(['PING'], 'read');
    if (reply.type !== 'simple') throw unexpected(reply);
    return reply.value;
  }

  /** INFO of one node (the current target unless `address` is given), as fields. */
  async info(address?: string): Promise<Record<string, string>> {
    const reply = address === undefined ? await this.call(STATUS_INFO, 'read') : await this.sendOnce(address, STATUS_INFO);
    const text = expectBulk(reply);
    return parseInfo(text === null ? '' : text.toString('utf8'));
  }

  /**
   * Finds the leader's client address: asks every node's INFO for its role, and
   * failing that, lets a redirect-following read lead the way.
   */
  async findLeader(): Promise<string> {
    for (const address of this.nodes) {
      const fields = await this.info(address).catch(() => null);
      if (fields?.['role'] === 'leader') {
        this.target = address;
        return address;
      }
    }
    await this.call(['EXISTS', '__raftkv_find_leader__'], 'read');
    return this.target;
  }

  /** Sends any command with the redirect and retry policy of a read or a write. */
  async command(args: readonly Arg[], kind: CallKind = 'write'): Promise<Reply> {
    return this.call(args, kind);
  }

  async close(): Promise<void> {
    this.closed = true;
    const pooled = [...this.connections.values()];
    this.connections.clear();
    await Promise.all(pooled.map((p) => p.opening.then((c) => c.close(), () => undefined)));
  }

  private async call(args: readonly Arg[], kind: CallKind): Promise<Reply> {
    const state: CallState = {
      deadline: performance.now() + this.options.deadlineMs,
      backoff: new Backoff(this.options.backoffMinMs, this.options.backoffMaxMs),
      redirects: 0,
      outcomeUnknown: false,
      lastError: null,
    };
    for (;;) {
      const address = this.target;
      const attempt = await this.attempt(address, args, state);
      const verdict = this.judge(attempt, address, kind, state);
      if (verdict.kind === 'done') return this.finish(verdict.reply, address, state);
      if (verdict.kind === 'moved') {
        this.follow(verdict.address, state);
        continue;
      }
      state.redirects = 0;
      state.lastError = verdict.error;
      if (verdict.kind === 'next') this.target = this.nextNode(address);
      const remaining = state.deadline - performance.now();
      if (remaining <= 0) throw this.giveUp(state);
      await sleep(Math.min(state.backoff.take(), remaining));
      if (performance.now() >= state.deadline) throw this.giveUp(state);
    }
  }

  private judge(attempt: Attempt, address: string, kind: CallKind, state: CallState): Verdict {
    if (attempt.kind === 'reply') return judgeReply(attempt.reply, address);
    // Another node would refuse the same credentials: no point moving on.
    if (attempt.error.code === 'CLOSED' || attempt.error.code === 'PROTOCOL' || attempt.error.code === 'AUTH') throw attempt.error;
    if (attempt.sent && kind !== 'read') {
      state.outcomeUnknown = true;
      if (kind === 'write') throw attempt.error.withUnknownOutcome();
    }
    // An attempt cut short by the call's deadline says less than what came before it.
    const clipped = attempt.error.code === 'TIMEOUT' && performance.now() >= state.deadline;
    return { kind: 'next', error: clipped && state.lastError !== null ? state.lastError : attempt.error };
  }

  private follow(address: string, state: CallState): void {
    state.redirects += 1;
    if (state.redirects > this.options.redirectsMax) {
      throw new ClientError('MOVED_LOOP', `redirected ${state.redirects} times in a row (last to ${address}) without reaching a leader`, {
        address,
        outcomeUnknown: state.outcomeUnknown,
      });
    }
    if (!this.nodes.includes(address)) this.nodes.push(address);
    this.target = address;
  }

  private finish(reply: Reply, address: string, state: CallState): Reply {
    if (reply.type !== 'error') return reply;
    const error = serverError(reply.message, address);
    throw state.outcomeUnknown ? error.withUnknownOutcome() : error;
  }

  private giveUp(state: CallState): ClientError {
    const last = state.lastError ?? new ClientError('TIMEOUT', 'deadline passed');
    const error = new ClientError(last.code, `gave up after ${this.options.deadlineMs} ms: ${last.message}`, {
      address: last.address,
      serverMessage: last.serverMessage,
      cause: last,
    });
    return state.outcomeUnknown ? error.withUnknownOutcome() : error;
  }

  /** One request to one node; failures come back as values, with whether the request left. */
  private async attempt(address: string, args: readonly Arg[], state: CallState): Promise<Attempt> {
    let connection: RespConnection;
    try {
      connection = await this.connection(address);
    } catch (error) {
      return { kind: 'failed', error: asClientError(error, address), sent: false };
    }
    const timeoutMs = Math.max(1, Math.min(this.options.requestTimeoutMs, state.deadline - performance.now()));
    try {
      return { kind: 'reply', reply: await connection.send(args, { timeoutMs }) };
    } catch (error) {
      return { kind: 'failed', error: asClientError(error, address), sent: true };
    }
  }

  /** A single request to one named node, no redirects or retries (INFO, status). */
  private async sendOnce(address: string, args: readonly Arg[]): Promise<Reply> {
    const connection = await this.connection(address);
    const reply = await connection.send(args, { timeoutMs: this.options.requestTimeoutMs });
    if (reply.type === 'error') throw serverError(reply.message, address);
    return reply;
  }

  private connection(address: string): Promise<RespConnection> {
    if (this.closed) return Promise.reject(new ClientError('CLOSED', 'client closed'));
    const existing = this.connections.get(address);
    // A connection that failed may not have emitted 'close' yet; never hand it out.
    if (existing !== undefined && (existing.open === null || existing.open.isOpen)) return existing.opening;
    const opening = RespConnection.connect(address, {
      ...this.security,
      connectTimeoutMs: this.options.connectTimeoutMs,
      requestTimeoutMs: this.options.requestTimeoutMs,
    });
    const entry: PooledConnection = { opening, open: null };
    this.connections.set(address, entry);
    opening.then(
      (c) => {
        entry.open = c;
        c.onClosed(() => this.forget(address, entry));
      },
      () => this.forget(address, entry),
    );
    return opening;
  }

  private forget(address: string, entry: PooledConnection): void {
    if (this.connections.get(address) === entry) this.connections.delete(address);
  }

  private nextNode(address: string): string {
    const i = this.nodes.indexOf(address);
    return this.nodes[(i + 1) % this.nodes.length] as string;
  }
}

/** Parses INFO's "field:value" lines; '#' section headers and blank lines are skipped. */
export function parseInfo(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    const colon = line.indexOf(':');
    if (line === '' || line.startsWith('#') || colon < 0) continue;
    fields[line.slice(0, colon)] = line.slice(colon + 1);
  }
  return fields;
}

function asClientError(error: unknown, address: string): ClientError {
  if (error instanceof ClientError) return error;
  return new ClientError('CONNECTION', `${address}: ${String(error)}`, { address, cause: error });
}

function unexpected(reply: Reply): ClientError {
  return new ClientError('PROTOCOL', `unexpected reply of type ${reply.type}`);
}

function expectBulk(reply: Reply): Buffer | null {
  if (reply.type !== 'bulk') throw unexpected(reply);
  return reply.value;
}

function expectSimple(reply: Reply, value: string): void {
  if (reply.type !== 'simple' || reply.value !== value) throw unexpected(reply);
}

function expectInteger(reply: Reply): number {
  if (reply.type !== 'integer') throw unexpected(reply);
  return reply.value;
}

function expectBulkArray(reply: Reply): Buffer[] {
  if (reply.type !== 'array' || reply.value === null) throw unexpected(reply);
  return reply.value.map((item) => {
    if (item.type !== 'bulk' || item.value === null) throw unexpected(item);
    return item.value;
  });
}

/**
 * Every INFO section but keyspace: counting the keys reads every key of the
 * store (a node with a million keys took seconds), and no status needs it.
 */
export const STATUS_INFO = ['INFO', 'server', 'clients', 'persistence', 'stats', 'replication', 'cluster', 'raftkv'] as const;
