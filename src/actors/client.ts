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
import { ConnectionOrder } from './connection-order.js';
import { TurnQueues } from './turn-queues.js';
import { WriteAdmission } from './write-admission.js';
import type { KvQuery, KvQueryResult } from '../kv/commands.js';
import { firstKey } from '../kv/keys.js';
import { keySlot } from '../protocol/slot.js';
import type { ClientRequest, EdgeFacts } from '../protocol/commands.js';
import { formatInfo, wantsKeyspace, type InfoFacts } from '../protocol/info.js';
import { bulkText, errorReply, OK, queryReply, resultReply, type Reply } from '../protocol/reply.js';
import type { LeaderTransferOutcome } from '../raft/ready.js';
import type { LogIndex, NodeId, Term } from '../raft/types.js';
import { assertNever } from '../util/assert.js';
import type { ClusterConfig } from '../raft/membership/config.js';
import { MemberDirectory } from '../node/member-directory.js';

export interface ClientActorOptions {
  readonly nodeId: NodeId;
  /** The members the config files name (addresses a configuration recorded without them). */
  readonly members: readonly MemberConfig[];
  /** The configuration in force at start; `raft.membership` events follow it. */
  readonly config: ClusterConfig | null;
  readonly pendingRequestsMax: number;
  readonly pendingWriteBytesMax: number;
  /** Writes proposed and not yet answered, and their bytes (see WriteAdmission). */
  readonly writesInFlightMax: number;
  readonly writeBytesInFlightMax: number;
  readonly requestTimeoutTicks: number;
  readonly appliedIndex: LogIndex;
}

interface PendingRequest {
  readonly conn: ConnectionId;
  readonly seq: number;
  readonly query: KvQuery | null;
  /** A write's encoded command, until it is proposed. */
  command: Uint8Array | null;
  /** Its encoded command's length (0 for the rest), counted against pendingWriteBytesMax while it is pending. */
  readonly bytes: number;
  /** READONLY: read this node's state as it is, with no ReadIndex round. */
  readonly stale: boolean;
  /** The Redis Cluster slot of its first key, for -MOVED. */
  readonly slot: number;
  /** Proposed, or sent for reading: its connection's later requests of the other kind wait for it. */
  started: boolean;
  /** Takes part in its connection's order (reads and writes; not INFO). */
  ordered: boolean;
  /** A membership change (CLUSTER MEMBER ...): it has no result of its own. */
  membership?: true;
  /** INFO waiting for the key count: the sections and the edge's facts. */
  info?: { sections: string[]; edge: EdgeFacts | undefined };
  index?: LogIndex;
  term?: Term;
  /** A read whose connection closed: it is finished without reading the store or replying. */
  abandoned?: boolean;
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
  /** Each connection's requests take effect in the order it sent them (see ConnectionOrder). */
  private readonly order = new ConnectionOrder<ConnectionId>();
  /** Writes wait here for room in the log, connections taking turns (see WriteAdmission). */
  private readonly admission: WriteAdmission<ConnectionId>;
  /** Requests pending per connection, for the share of pendingRequestsMax kept for connections holding few. */
  private readonly pendingPerConnection = new Map<ConnectionId, number>();
  /** Bytes of the pending writes' commands. */
  private pendingWriteBytes = 0;
  /** Every pending request is being answered with an error (shutdown): no write is proposed meanwhile. */
  private aborting = false;
  /** CLUSTER TRANSFER-LEADER requests awaiting the core's outcome (it always answers, within an election timeout). */
  private readonly leaderTransfers = new Map<number, { conn: ConnectionId; seq: number }>();
  private applied: LogIndex;
  private status: NodeStatusEvent = { role: 'follower', term: 0, leader: null, commitIndex: 0, firstIndex: 1, lastIndex: 0 };
  /** The last snapshot taken or installed here: its index and how long taking it took (0 for an install). */
  private snapshot = { index: 0, durationMs: 0 };
  /** Who the members are and where they listen, for -MOVED and INFO. */
  private readonly directory: MemberDirectory;
  /** Store reads issued and not answered; at most STORE_READS_IN_FLIGHT_MAX, the rest wait in queryQueue. */
  private readonly queriesInFlight = new Set<number>();
  /** Reads waiting for the store, per connection; connections take turns (see TurnQueues). */
  private readonly queryQueue = new TurnQueues<ConnectionId, number>();
  /** Reads finished without reading the store because their connection had closed (INFO stats). */
  private readsDropped = 0;

  constructor(
    private readonly bus: MessageBus,
    private readonly options: ClientActorOptions,
  ) {
    this.applied = options.appliedIndex;
    this.admission = new WriteAdmission({ writesMax: options.writesInFlightMax, bytesMax: options.writeBytesInFlightMax });
    this.directory = new MemberDirectory(options.members, options.config);
    bus.on('raft.membership', (e) => this.directory.update(e.config));
    bus.on('client.request', (e) => this.handleRequest(e.conn, e.seq, e.request));
    bus.on('raft.outcomes', (e) => this.handleOutcomes(e));
    bus.on('raft.status', (e) => (this.status = e));
    bus.on('storage.snapshotted', (e) => (this.snapshot = { index: e.index, durationMs: e.durationMs }));
    bus.on('storage.snapshotInstalled', (e) => (this.snapshot = { index: Math.max(this.snapshot.index, e.snapshot.index), durationMs: 0 }));
    bus.on('storage.applied', (e) => this.handleApplied(e.index, e.results));
    bus.on('storage.queryResult', (e) => {
      const mine = this.queriesInFlight.delete(e.id);
      this.finish(e.id, this.answer(e.id, e.result));
      if (mine) this.startQueuedQueries();
    });
    bus.on('timer.tick', () => this.expireRequests());
    bus.on('client.abort', (e) => this.abortAll(e.reason));
    bus.on('client.closed', (e) => this.connectionClosed(e.conn));
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
        const id = this.admit(conn, seq, null, encodeCommand(request.command, request.now), false, slotOf(firstKey(request.command)));
        if (id !== null && this.order.arrive(conn, id, 'write')) this.start(id);
        break;
      }
      case 'read': {
        const id = this.admit(conn, seq, request.query, null, request.stale === true, slotOf(firstKey(request.query)));
        if (id !== null && this.order.arrive(conn, id, 'read')) this.start(id);
        break;
      }
      case 'info':
        this.info(conn, seq, request.sections, request.edge);
        break;
      case 'transfer-leader': {
        const id = this.nextId++;
        this.leaderTransfers.set(id, { conn, seq });
        this.bus.publish({ type: 'raft.transferLeader', id, target: request.target });
        break;
      }
      case 'membership': {
        // Answered once its entry is applied (or refused at once); the request timeout bounds the wait.
        const id = this.admit(conn, seq, null, null);
        if (id === null) break;
        const pending = this.pending.get(id)!;
        pending.ordered = false;
        pending.membership = true;
        this.bus.publish({ type: 'raft.changeMembership', id, change: request.change });
        break;
      }
      default:
        assertNever(request, 'client request');
    }
  }

  /**
   * Registers a request, or refuses it when too many requests or write bytes
   * are pending (bounded memory). A sixteenth more is kept for connections
   * holding fewer than FEW_PENDING requests, so clients flooding the node
   * with pipelined requests cannot lock out one that waits for its answers.
   */
  private admit(conn: ConnectionId, seq: number, query: KvQuery | null, command: Uint8Array | null, stale = false, slot = 0): number | null {
    const bytes = command?.length ?? 0;
    const { pendingRequestsMax: requestsMax, pendingWriteBytesMax: bytesMax } = this.options;
    const held = this.pendingPerConnection.get(conn) ?? 0;
    const share = held < FEW_PENDING ? 1 + 1 / 16 : 1;
    // One request is always admitted on an idle node, however large (the config keeps the bound above the largest).
    if (this.pending.size > 0 && (this.pending.size >= requestsMax * share || this.pendingWriteBytes + bytes > bytesMax * share)) {
      const over = this.pending.size >= requestsMax * share ? `${this.pending.size} requests pending, over pendingRequestsMax (${requestsMax})` : `${this.pendingWriteBytes} bytes of writes pending, this one would pass pendingWriteBytesMax (${bytesMax})`;
      this.reply(conn, seq, errorReply(`BUSY ${over}; retry later`));
      return null;
    }
    const id = this.nextId++;
    this.pending.set(id, { conn, seq, query, command, bytes, stale, slot, started: false, ordered: true });
    this.pendingPerConnection.set(conn, held + 1);
    this.pendingWriteBytes += bytes;
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
    for (const { id, leader } of outcomes.refused) this.finish(id, this.redirect(id, leader));
    for (const transfer of outcomes.leaderTransfers) this.answerLeaderTransfer(transfer);
    for (const change of outcomes.membershipChanges) {
      const request = this.pending.get(change.id);
      if (!request) continue;
      if (change.outcome === 'refused') {
        // Refusals that pass by themselves within moments (leadership moving, a change or a new leader's
        // first commit still in flight) are TRYAGAIN, which clients retry, with the code kept in the text.
        const reply =
          change.code === 'NOT_LEADER' ? this.redirect(change.id, this.status.leader)
          : change.code === 'LEADER_HANDING_OVER' ? errorReply(`TRYAGAIN ${change.detail}`)
          : change.code === 'TRANSFER_IN_PROGRESS' || change.code === 'CHANGE_IN_PROGRESS' ? errorReply(`TRYAGAIN ${change.code} ${change.detail}`)
          : errorReply(`${change.code} ${change.detail}`);
        this.finish(change.id, reply);
        continue;
      }
      request.index = change.index;
      request.term = change.term;
      request.started = true;
      this.writesByIndex.set(change.index, change.id);
    }
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
      // A configuration entry has no result: applied in our term, it took effect.
      if (request.term === applied.term) this.finish(id, applied.result ? resultReply(applied.result) : OK);
      // Another leader's entry took this index: ours was never committed.
      else if (request.membership) this.finish(id, errorReply('TRYAGAIN the membership change was lost: leadership changed before it was committed; it was not applied'));
      else this.finish(id, errorReply('ERR write lost: leadership changed before it was committed; it was not applied, retry it'));
    }
    let released = 0;
    while (released < this.readsAwaitingApply.length && this.readsAwaitingApply[released]!.index <= index) {
      this.query(this.readsAwaitingApply[released]!.id);
      released++;
    }
    this.readsAwaitingApply.splice(0, released);
  }

  /**
   * Reads the store for a request, or queues the read when
   * STORE_READS_IN_FLIGHT_MAX are already out: each read materializes its
   * values (a GET of a 1 MB value, 1 MB), so a flood of large GETs must not
   * have them all in memory at once before the edge can refuse the replies.
   */
  private query(id: number): void {
    const request = this.pending.get(id);
    if (request?.abandoned) {
      this.readsDropped++;
      this.finish(id, NOBODY);
    }
    else if (!request?.query) return;
    else if (this.queriesInFlight.size >= STORE_READS_IN_FLIGHT_MAX) {
      this.queryQueue.push(request.conn, id);
    } else {
      this.queriesInFlight.add(id);
      this.bus.publish({ type: 'storage.query', id, query: request.query });
    }
  }

  private startQueuedQueries(): void {
    while (this.queriesInFlight.size < STORE_READS_IN_FLIGHT_MAX && !this.queryQueue.isEmpty()) this.query(this.queryQueue.take()!);
  }

  /**
   * Its connection is gone: the reads it left pending are abandoned, so no
   * store read is made and no reply built for nobody (a client that sent a
   * thousand GETs of large values and left must not cost a thousand reads).
   * Writes go on: they may already be in the log.
   */
  private connectionClosed(conn: ConnectionId): void {
    for (const request of this.pending.values()) {
      if (request.conn === conn && request.query !== null && request.info === undefined) request.abandoned = true;
    }
  }

  private expireRequests(): void {
    this.ticks++;
    while (this.deadlineHead < this.deadlines.length && this.deadlines[this.deadlineHead]!.tick <= this.ticks) {
      const { id } = this.deadlines[this.deadlineHead++]!;
      const request = this.pending.get(id);
      if (!request) continue;
      const proposed = request.started && request.command === null;
      const outcome = request.query ? 'the read was not served' : proposed ? 'the write may or may not have been applied' : 'the write was not applied';
      this.finish(id, errorReply(`TIMEOUT no answer within the request timeout; ${outcome}`));
    }
    if (this.deadlineHead > 1024 && this.deadlineHead * 2 > this.deadlines.length) {
      this.deadlines.splice(0, this.deadlineHead);
      this.deadlineHead = 0;
    }
  }

  private abortAll(reason: string): void {
    // Answering a write makes room in the log for the writes waiting their turn; none may go in now.
    this.aborting = true;
    for (const id of [...this.pending.keys()]) this.finish(id, errorReply(`ERR ${reason}`));
    this.aborting = false;
  }

  private finish(id: number, reply: Reply): void {
    const request = this.pending.get(id);
    if (!request) return;
    this.pending.delete(id);
    const held = this.pendingPerConnection.get(request.conn)! - 1;
    if (held === 0) this.pendingPerConnection.delete(request.conn);
    else this.pendingPerConnection.set(request.conn, held);
    this.pendingWriteBytes -= request.bytes;
    if (request.index !== undefined && this.writesByIndex.get(request.index) === id) {
      this.writesByIndex.delete(request.index);
    }
    if (request.abandoned !== true) this.reply(request.conn, request.seq, reply);
    // A write gives up its place: waiting, it leaves the queue; admitted, its room goes to the writes waiting their turn.
    if (request.bytes > 0) {
      if (this.admission.isWaiting(id)) this.admission.withdraw(id);
      else this.propose(this.admission.release(id));
    }
    if (!request.ordered) return;
    const released = request.started ? this.order.finish(request.conn) : this.order.cancel(request.conn, id);
    for (const next of released) this.start(next);
  }

  /**
   * Starts a request its connection's order allows: proposes a write, or
   * begins a read (READONLY connections read this node's state as it is,
   * with no ReadIndex round).
   */
  private start(id: number): void {
    const request = this.pending.get(id)!;
    request.started = true;
    if (request.command !== null) {
      if (this.admission.offer(request.conn, id, request.bytes)) this.propose([id]);
    } else if (request.stale) {
      this.query(id);
    } else {
      this.bus.publish({ type: 'raft.read', id });
    }
  }

  /** Proposes admitted writes, in one batch; each gives up its command (the log holds it now). */
  private propose(ids: readonly number[]): void {
    if (ids.length === 0 || this.aborting) return;
    const proposals = ids.map((id) => {
      const request = this.pending.get(id)!;
      const data = request.command!;
      request.command = null;
      return { id, data };
    });
    this.bus.publish({ type: 'raft.propose', proposals });
  }

  private reply(conn: ConnectionId, seq: number, reply: Reply): void {
    this.bus.publish({ type: 'client.reply', conn, seq, reply });
  }

  /** Redis Cluster's redirect form with the request's real slot, so cluster clients follow it. */
  private redirect(id: number, leader: NodeId | null): Reply {
    if (leader === this.options.nodeId) return errorReply('TRYAGAIN this node is handing leadership over; retry shortly');
    const member = leader === null ? undefined : this.member(leader);
    if (!member) return errorReply('TRYAGAIN no leader');
    return errorReply(`MOVED ${this.pending.get(id)?.slot ?? 0} ${member.client}`);
  }

  private answerLeaderTransfer(transfer: LeaderTransferOutcome): void {
    const request = this.leaderTransfers.get(transfer.id);
    if (request === undefined) return;
    this.leaderTransfers.delete(transfer.id);
    let reply: Reply;
    if (transfer.outcome === 'transferred') reply = OK;
    else if (transfer.code === 'NOT_LEADER') reply = this.redirect(0, this.status.leader);
    else reply = errorReply(`${transfer.code} ${transfer.detail}`);
    this.reply(request.conn, request.seq, reply);
  }

  private member(id: NodeId): MemberConfig | undefined {
    return this.directory.find(id);
  }

  /** INFO: answered from this node's state; the keyspace section first counts the keys. */
  private info(conn: ConnectionId, seq: number, sections: string[], edge: EdgeFacts | undefined): void {
    if (!wantsKeyspace(sections)) {
      this.reply(conn, seq, bulkText(formatInfo(sections, this.infoFacts(edge, null))));
      return;
    }
    const id = this.admit(conn, seq, { op: 'dbsize' }, null, true);
    if (id === null) return;
    const request = this.pending.get(id)!;
    request.ordered = false;
    request.info = { sections, edge };
    this.query(id);
  }

  private answer(id: number, result: KvQueryResult): Reply {
    const info = this.pending.get(id)?.info;
    if (!info) return queryReply(result);
    const keys = result.type === 'int' ? result.value : null;
    return bulkText(formatInfo(info.sections, this.infoFacts(info.edge, keys)));
  }

  private infoFacts(edge: EdgeFacts | undefined, keys: number | null): InfoFacts {
    const s = this.status;
    const snapshot = edge?.snapshot;
    return {
      nodeId: this.options.nodeId,
      role: s.role,
      term: s.term,
      leader: s.leader,
      leaderAddress: s.leader === null ? null : (this.member(s.leader)?.client ?? null),
      followers: this.directory.members().filter((m) => m.id !== this.options.nodeId).map((m) => m.client),
      commitIndex: s.commitIndex,
      appliedIndex: this.applied,
      lastLogIndex: s.lastIndex,
      firstLogIndex: s.firstIndex,
      snapshotIndex: this.snapshot.index,
      snapshotDurationMs: this.snapshot.durationMs,
      ...(snapshot
        ? {
            snapshotSizeBytes: snapshot.sizeBytes,
            snapshotKeys: snapshot.keys,
            snapshotReceivingChunks: snapshot.receivingChunks,
            snapshotInstalling: snapshot.installing,
          }
        : {}),
      pendingRequests: this.pending.size,
      writesInFlight: this.admission.inFlightCount(),
      writesWaiting: this.admission.waitingCount(),
      readsDropped: this.readsDropped,
      members: this.directory.members().map((m) => m.id),
      connectedClients: edge?.connectedClients ?? 0,
      tcpPort: edge?.tcpPort ?? 0,
      uptimeSeconds: edge?.uptimeSeconds ?? 0,
      processId: edge?.processId ?? 0,
      ...(edge?.guards && { guards: edge.guards }),
      keys,
    };
  }
}


/** Connections holding fewer pending requests than this may use the reserve above pendingRequestsMax (see admit). */
const FEW_PENDING = 4;

/** Store reads in flight at once (the store serves them on a 4-thread pool, so more would only queue there). */
export const STORE_READS_IN_FLIGHT_MAX = 64;

/** What an abandoned read is finished with; never sent. */
const NOBODY: Reply = { type: 'bulk', value: null };

function slotOf(key: Uint8Array | null): number {
  return key instanceof Uint8Array ? keySlot(key) : 0;
}
