/**
 * The Client actor serves parsed client requests. Writes become proposals and
 * are answered once applied; reads go through ReadIndex and are answered from
 * the state machine once it has applied the read index; requests this node
 * cannot serve are redirected to the leader (-MOVED) or refused (-TRYAGAIN).
 *
 * It is deterministic: request ids come from a counter and deadlines are
 * counted in ticks, so replaying its inputs reproduces its replies.
 */
import type { MessageBus } from '../bus/bus.js';
import type { ConnectionId, NodeStatusEvent, RaftOutcomes, AppliedResult } from '../bus/events.js';
import type { MemberConfig } from '../config/types.js';
import { encodeCommand } from '../kv/codec.js';
import type { KvQuery } from '../kv/commands.js';
import type { ClientRequest } from '../protocol/commands.js';
import { errorReply, OK, queryReply, resultReply, type Reply } from '../protocol/reply.js';
import type { LogIndex, NodeId, Term } from '../raft/types.js';
import { assertNever } from '../util/assert.js';

export interface ClientActorOptions {
  readonly nodeId: NodeId;
  readonly members: readonly MemberConfig[];
  readonly pendingRequestsMax: number;
  readonly requestTimeoutTicks: number;
  readonly appliedIndex: LogIndex;
}

interface PendingRequest {
  readonly conn: ConnectionId;
  readonly seq: number;
  readonly query: KvQuery | null;
  index?: LogIndex;
  term?: Term;
}

export class ClientActor {
  private nextId = 1;
  private ticks = 0;
  private readonly pending = new Map<number, PendingRequest>();
  private readonly writesByIndex = new Map<LogIndex, number>();
  /** Confirmed reads waiting for the state machine to reach their index, in index order. */
  private readonly readsAwaitingApply: Array<{ id: number; index: LogIndex }> = [];
  /** Request deadlines in arrival order, which is also deadline order. */
  private readonly deadlines: Array<{ id: number; tick: number }> = [];
  private deadlineHead = 0;
  /**
   * Per connection: writes not yet answered, and reads held behind them. A
   * read pipelined after a write on the same connection sees that write, as
   * Redis users expect (ReadIndex alone would allow either answer, since the
   * two are concurrent).
   */
  private readonly connections = new Map<ConnectionId, { writes: number; heldReads: number[] }>();
  /** Connections that asked for possibly stale reads (READONLY). */
  private readonly staleReaders = new Set<ConnectionId>();
  private applied: LogIndex;
  private status: NodeStatusEvent = { role: 'follower', term: 0, leader: null, commitIndex: 0, firstIndex: 1, lastIndex: 0 };
  /** The last snapshot taken or installed here: its index and how long taking it took (0 for an install). */
  private snapshot = { index: 0, durationMs: 0 };

  constructor(
    private readonly bus: MessageBus,
    private readonly options: ClientActorOptions,
  ) {
    this.applied = options.appliedIndex;
    bus.on('client.request', (e) => this.handleRequest(e.conn, e.seq, e.request));
    bus.on('raft.outcomes', (e) => this.handleOutcomes(e));
    bus.on('raft.status', (e) => (this.status = e));
    bus.on('storage.snapshotted', (e) => (this.snapshot = { index: e.index, durationMs: e.durationMs }));
    bus.on('storage.snapshotInstalled', (e) => (this.snapshot = { index: Math.max(this.snapshot.index, e.snapshot.index), durationMs: 0 }));
    bus.on('storage.applied', (e) => this.handleApplied(e.index, e.results));
    bus.on('storage.queryResult', (e) => this.finish(e.id, queryReply(e.result)));
    bus.on('timer.tick', () => this.expireRequests());
    bus.on('client.abort', (e) => this.abortAll(e.reason));
    bus.on('client.closed', (e) => this.staleReaders.delete(e.conn));
  }

  pendingCount(): number {
    return this.pending.size;
  }

  appliedIndex(): LogIndex {
    return this.applied;
  }

  private handleRequest(conn: ConnectionId, seq: number, request: ClientRequest): void {
    switch (request.kind) {
      case 'write': {
        const id = this.admit(conn, seq, null);
        if (id === null) break;
        this.connection(conn).writes++;
        this.bus.publish({ type: 'raft.propose', proposals: [{ id, data: encodeCommand(request.command) }] });
        break;
      }
      case 'read': {
        const id = this.admit(conn, seq, request.query);
        if (id === null) break;
        if (this.staleReaders.has(conn)) {
          // READONLY: this node's state as it is, with no ReadIndex round.
          this.query(id);
          break;
        }
        const state = this.connections.get(conn);
        if (state && state.writes > 0) state.heldReads.push(id);
        else this.bus.publish({ type: 'raft.read', id });
        break;
      }
      case 'ping':
        this.reply(conn, seq, request.message ? { type: 'bulk', value: request.message } : { type: 'simple', value: 'PONG' });
        break;
      case 'echo':
        this.reply(conn, seq, { type: 'bulk', value: request.message });
        break;
      case 'info':
        this.reply(conn, seq, { type: 'bulk', value: Buffer.from(this.infoText()) });
        break;
      case 'quit':
      case 'ok':
        this.reply(conn, seq, OK);
        break;
      case 'noop-array':
        this.reply(conn, seq, { type: 'array', items: [] });
        break;
      case 'config-get':
        this.reply(conn, seq, { type: 'array', items: redisSettings(request.names) });
        break;
      case 'debug-flightdump':
        // The TCP edge answers it (it writes a file); a request that reaches the bus has no edge behind it.
        this.reply(conn, seq, errorReply('ERR DEBUG FLIGHTDUMP is served by the node\'s TCP edge'));
        break;
      case 'stale-reads':
        if (request.enabled) this.staleReaders.add(conn);
        else this.staleReaders.delete(conn);
        this.reply(conn, seq, OK);
        break;
      default:
        assertNever(request, 'client request');
    }
  }

  /** Registers a request, or refuses it when too many are pending (bounded memory). */
  private admit(conn: ConnectionId, seq: number, query: KvQuery | null): number | null {
    if (this.pending.size >= this.options.pendingRequestsMax) {
      this.reply(conn, seq, errorReply(`BUSY ${this.pending.size} requests pending, over pendingRequestsMax (${this.options.pendingRequestsMax}); retry later`));
      return null;
    }
    const id = this.nextId++;
    this.pending.set(id, { conn, seq, query });
    this.deadlines.push({ id, tick: this.ticks + this.options.requestTimeoutTicks });
    return id;
  }

  private handleOutcomes(outcomes: RaftOutcomes): void {
    for (const { id, index, term } of outcomes.accepted) {
      const request = this.pending.get(id);
      if (!request) continue;
      request.index = index;
      request.term = term;
      this.writesByIndex.set(index, id);
    }
    for (const { id, leader } of outcomes.refused) this.finish(id, this.redirect(leader));
    for (const read of outcomes.readsReady) {
      if (!this.pending.has(read.id)) continue;
      if (read.index <= this.applied) this.query(read.id);
      else this.readsAwaitingApply.push(read);
    }
  }

  private handleApplied(index: LogIndex, results: readonly AppliedResult[]): void {
    this.applied = index;
    for (const applied of results) {
      const id = this.writesByIndex.get(applied.index);
      if (id === undefined) continue;
      this.writesByIndex.delete(applied.index);
      const request = this.pending.get(id);
      if (!request) continue;
      if (request.term === applied.term && applied.result) this.finish(id, resultReply(applied.result));
      // Another leader's entry took this index: ours was never committed.
      else this.finish(id, errorReply('ERR write lost: leadership changed before it was committed; it was not applied, retry it'));
    }
    let released = 0;
    while (released < this.readsAwaitingApply.length && this.readsAwaitingApply[released]!.index <= index) {
      this.query(this.readsAwaitingApply[released]!.id);
      released++;
    }
    this.readsAwaitingApply.splice(0, released);
  }

  private query(id: number): void {
    const request = this.pending.get(id);
    if (request?.query) this.bus.publish({ type: 'storage.query', id, query: request.query });
  }

  private expireRequests(): void {
    this.ticks++;
    while (this.deadlineHead < this.deadlines.length && this.deadlines[this.deadlineHead]!.tick <= this.ticks) {
      const { id } = this.deadlines[this.deadlineHead++]!;
      const request = this.pending.get(id);
      if (!request) continue;
      const outcome = request.query ? 'the read was not served' : 'the write may or may not have been applied';
      this.finish(id, errorReply(`TIMEOUT no answer within the request timeout; ${outcome}`));
    }
    if (this.deadlineHead > 1024 && this.deadlineHead * 2 > this.deadlines.length) {
      this.deadlines.splice(0, this.deadlineHead);
      this.deadlineHead = 0;
    }
  }

  private abortAll(reason: string): void {
    for (const id of [...this.pending.keys()]) this.finish(id, errorReply(`ERR ${reason}`));
  }

  private finish(id: number, reply: Reply): void {
    const request = this.pending.get(id);
    if (!request) return;
    this.pending.delete(id);
    if (request.index !== undefined && this.writesByIndex.get(request.index) === id) {
      this.writesByIndex.delete(request.index);
    }
    if (request.query === null) this.writeFinished(request.conn);
    this.reply(request.conn, request.seq, reply);
  }

  private connection(conn: ConnectionId): { writes: number; heldReads: number[] } {
    let state = this.connections.get(conn);
    if (!state) this.connections.set(conn, (state = { writes: 0, heldReads: [] }));
    return state;
  }

  private writeFinished(conn: ConnectionId): void {
    const state = this.connections.get(conn)!;
    if (--state.writes > 0) return;
    this.connections.delete(conn);
    for (const id of state.heldReads) if (this.pending.has(id)) this.bus.publish({ type: 'raft.read', id });
  }

  private reply(conn: ConnectionId, seq: number, reply: Reply): void {
    this.bus.publish({ type: 'client.reply', conn, seq, reply });
  }

  /** Redis Cluster's redirect form, so cluster-aware clients follow it. */
  private redirect(leader: NodeId | null): Reply {
    const member = leader === null || leader === this.options.nodeId ? undefined : this.member(leader);
    if (!member) return errorReply('TRYAGAIN no leader');
    return errorReply(`MOVED 0 ${member.client}`);
  }

  private member(id: NodeId): MemberConfig | undefined {
    return this.options.members.find((m) => m.id === id);
  }

  private infoText(): string {
    const s = this.status;
    const leader = s.leader === null ? '' : s.leader;
    const fields: Array<[string, string | number]> = [
      ['node_id', this.options.nodeId],
      ['loading', 0], // client libraries (ioredis) wait for loading:0
      ['role', s.role],
      ['term', s.term],
      ['leader', leader],
      ['leader_addr', s.leader === null ? '' : (this.member(s.leader)?.client ?? '')],
      ['commit_index', s.commitIndex],
      ['applied_index', this.applied],
      ['last_log_index', s.lastIndex],
      ['first_log_index', s.firstIndex],
      ['snapshot_index', this.snapshot.index],
      ['snapshot_duration_ms', this.snapshot.durationMs],
      ['pending_requests', this.pending.size],
      ['members', this.options.members.map((m) => m.id).join(',')],
    ];
    return ['# raftkv', ...fields.map(([k, v]) => `${k}:${v}`), ''].join('\r\n');
  }
}

/**
 * Answers for the Redis settings client tools ask about. raftkv writes every
 * change to its Raft log before acknowledging it, which is what `appendonly`
 * describes; it takes no RDB snapshots (`save` empty).
 */
const REDIS_SETTINGS: ReadonlyMap<string, string> = new Map([
  ['save', ''],
  ['appendonly', 'yes'],
  ['appendfsync', 'always'],
  ['databases', '1'],
]);

function redisSettings(names: readonly Uint8Array[]): Uint8Array[] {
  const items: Uint8Array[] = [];
  for (const name of names) {
    const key = Buffer.from(name).toString('latin1').toLowerCase();
    const value = REDIS_SETTINGS.get(key);
    if (value !== undefined) items.push(Buffer.from(key), Buffer.from(value));
  }
  return items;
}
