/**
 * The metrics that events show: a handler on the node's bus for each of the
 * 13 event types it reads (the tap of this file's name; see attach()), which
 * updates counters and histograms. It pairs
 * requests with their completions to time them: storage.persist with
 * storage.persisted (log sync), storage.apply with storage.applied (apply
 * batches), a Heartbeat with its response (peer round trip), client.request
 * with client.reply (request latency). Times are as the bus sees them:
 * delivery to delivery, which includes the wait in the bus queue.
 *
 * The tap never changes an event and never publishes one; it costs a call,
 * a clock read and a few counter increments per event read. It allocates nearly
 * nothing per event: series are found through maps keyed by the strings and
 * numbers events carry (never a key built by concatenation), and a
 * request's timing is one small record.
 */
import { performance } from 'node:perf_hooks';
import type { MessageBus } from '../bus/bus.js';
import type { BusEvent, BusEvents, BusEventType, NodeStatusEvent, RaftOutcomes } from '../bus/events.js';
import type { ClientRequest } from '../protocol/commands.js';
import type { Reply } from '../protocol/reply.js';
import type { Message } from '../raft/types.js';
import type { NodeMetrics } from './definitions.js';
import type { ElectionHistory } from './elections.js';
import type { CounterSeries, FastCounter, HistogramSeries } from './fast-metrics.js';
import { BatchTimer } from './batch-timer.js';

/** More unanswered requests than this means replies were lost to us: forget them rather than grow. */
const TIMED_REQUESTS_MAX = 100_000;

/** One command's series: its latency histogram and its answers by outcome (ok kept apart: it is nearly all of them). */
interface CommandSeries {
  readonly name: string;
  readonly duration: HistogramSeries;
  readonly ok: CounterSeries;
  readonly outcomes: Map<string, CounterSeries>;
}

interface TimedRequest {
  readonly command: CommandSeries;
  readonly started: number;
}

const KNOWN_OUTCOMES = new Set(['moved', 'tryagain', 'busy', 'timeout', 'session_expired', 'session_stale', 'noscript', 'wrongtype']);

export class BusMetrics {
  private readonly sync = new BatchTimer();
  private readonly apply = new BatchTimer();
  /** Requests waiting for their reply: by connection, then by the request's seq on it. */
  private readonly requests = new Map<number, Map<number, TimedRequest>>();
  private timedRequests = 0;
  private readonly commands = new Map<string, CommandSeries>();
  /** Per peer, per message type: a series each for messages sent and received. */
  private readonly sent = new Map<string, Map<string, CounterSeries>>();
  private readonly received = new Map<string, Map<string, CounterSeries>>();
  private readonly heartbeats = new Map<string, { round: number; started: number }>();
  private readonly pendingIndexes: number[] = [];
  private pendingHead = 0;
  private last: NodeStatusEvent | null = null;
  private lastLeaderTerm = '';
  // Label-less series, looked up once.
  private readonly leaderChanges: CounterSeries;
  private readonly electionsStarted: CounterSeries;
  private readonly committed: CounterSeries;
  private readonly applied: CounterSeries;
  private readonly syncDuration: HistogramSeries;
  private readonly syncEntries: HistogramSeries;
  private readonly applyDuration: HistogramSeries;
  private readonly applyEntries: HistogramSeries;

  constructor(
    private readonly metrics: NodeMetrics,
    private readonly elections: ElectionHistory,
    private readonly now: () => number = () => performance.now(),
    private readonly wallNow: () => number = Date.now,
  ) {
    const { server, disk } = metrics;
    this.leaderChanges = server.leaderChanges.child();
    this.electionsStarted = server.electionsStarted.child();
    this.committed = server.proposalsCommitted.child();
    this.applied = server.proposalsApplied.child();
    this.syncDuration = disk.logSyncDuration.child();
    this.syncEntries = disk.logBatchEntries.child();
    this.applyDuration = disk.applyDuration.child();
    this.applyEntries = disk.applyBatchEntries.child();
  }

  /** Subscribes to the event types it reads: the bus delivers no other event to it. */
  attach(bus: MessageBus): () => void {
    const handlers = this.handlers as Record<BusEventType, (event: BusEvent) => void>;
    const offs = (Object.keys(handlers) as BusEventType[]).map((type) => bus.on(type, handlers[type]));
    return () => offs.forEach((off) => off());
  }

  /** Feeds one event (tests, benchmarks; a node's bus calls the handlers itself). */
  observe(event: BusEvent): void {
    (this.handlers as Partial<Record<BusEventType, (event: BusEvent) => void>>)[event.type]?.(event);
  }

  /**
   * One handler per event type read. A tap would see every event the node
   * delivers, most of which no metric reads, and pay a call and a switch for
   * each; subscribing per type costs nothing for the others.
   */
  private readonly handlers: { readonly [T in BusEventType]?: (event: BusEvents[T]) => void } = {
    'raft.status': (event) => this.onStatus(event),
    'raft.outcomes': (event) => this.onOutcomes(event),
    'storage.persist': (event) => this.sync.started(event.request.seq, event.request.entries.length, this.now()),
    'storage.persisted': (event) => this.sync.finished(event.seq, this.now(), this.syncDuration, this.syncEntries),
    'storage.apply': (event) => {
      this.committed.value += event.entries.length;
      this.apply.started(event.entries.at(-1)!.index, event.entries.length, this.now());
    },
    'storage.applied': (event) => this.onApplied(event.index, event.results.length),
    'net.send': (event) => {
      for (const message of event.messages) this.onSent(message);
    },
    'net.recv': (event) => this.onReceived(event.message),
    'client.request': (event) => this.onRequest(event.conn, event.seq, event.request),
    'client.reply': (event) => this.onReply(event.conn, event.seq, event.reply),
    'client.closed': (event) => this.onClosed(event.conn),
    'storage.snapshotted': (event) => {
      this.metrics.server.snapshotDuration.child('take').observe(event.durationMs / 1000);
      this.metrics.tapState.snapshotIndex = Math.max(this.metrics.tapState.snapshotIndex, event.index);
    },
    'storage.snapshotInstalled': (event) => {
      this.metrics.tapState.snapshotIndex = Math.max(this.metrics.tapState.snapshotIndex, event.snapshot.index);
    },
  };

  private onStatus(status: NodeStatusEvent): void {
    const before = this.last;
    this.last = status;
    // Most status events only move the commit index: nothing here changes.
    if (before !== null && before.role === status.role && before.term === status.term && before.leader === status.leader) return;
    if (status.role === 'candidate' && (before?.role !== 'candidate' || before.term !== status.term)) this.electionsStarted.value++;
    const leaderTerm = status.leader === null ? '' : `${status.term}/${status.leader}`;
    if (leaderTerm !== '' && leaderTerm !== this.lastLeaderTerm) {
      this.lastLeaderTerm = leaderTerm;
      this.leaderChanges.value++;
    }
    this.elections.observeStatus(status, this.wallNow());
  }

  private onOutcomes(outcomes: RaftOutcomes): void {
    for (const accepted of outcomes.accepted) this.pendingIndexes.push(accepted.index);
    let refused = 0;
    for (const r of outcomes.refused) if (r.kind === 'proposal') refused++;
    if (refused > 0) this.metrics.server.proposalsFailed.child('not_leader').value += refused;
    this.updatePending();
  }

  private onApplied(index: number, entries: number): void {
    this.applied.value += entries;
    this.apply.finished(index, this.now(), this.applyDuration, this.applyEntries);
    while (this.pendingHead < this.pendingIndexes.length && this.pendingIndexes[this.pendingHead]! <= index) this.pendingHead++;
    if (this.pendingHead > 1024 && this.pendingHead * 2 > this.pendingIndexes.length) {
      this.pendingIndexes.splice(0, this.pendingHead);
      this.pendingHead = 0;
    }
    this.updatePending();
  }

  private updatePending(): void {
    this.metrics.tapState.pendingProposals = this.pendingIndexes.length - this.pendingHead;
  }

  private onSent(message: Message): void {
    const { network } = this.metrics;
    messageSeries(this.sent, network.messagesSent, message.to, message.type).value++;
    if (message.type === 'AppendEntries') {
      const bytes = entryBytes(message.entries);
      if (bytes > 0) network.entryBytesSent.child(message.to).value += bytes;
    } else if (message.type === 'Heartbeat') {
      this.heartbeats.set(message.to, { round: message.readRound, started: this.now() });
    } else if (message.type === 'RequestVote') {
      this.elections.observeMessage(message, this.wallNow());
    }
  }

  private onReceived(message: Message): void {
    const { network } = this.metrics;
    messageSeries(this.received, network.messagesReceived, message.from, message.type).value++;
    if (message.type === 'AppendEntries') {
      const bytes = entryBytes(message.entries);
      if (bytes > 0) network.entryBytesReceived.child(message.from).value += bytes;
    } else if (message.type === 'HeartbeatResponse') {
      const sent = this.heartbeats.get(message.from);
      if (sent === undefined || sent.round !== message.readRound) return;
      this.heartbeats.delete(message.from);
      network.roundTrip.child(message.from).observe((this.now() - sent.started) / 1000);
    } else if (message.type === 'RequestVote' || message.type === 'RequestVoteResponse') {
      this.elections.observeMessage(message, this.wallNow());
    }
  }

  private onRequest(conn: number, seq: number, request: ClientRequest): void {
    if (this.timedRequests >= TIMED_REQUESTS_MAX) {
      this.requests.clear();
      this.timedRequests = 0;
    }
    let pending = this.requests.get(conn);
    if (pending === undefined) this.requests.set(conn, (pending = new Map()));
    if (!pending.has(seq)) this.timedRequests++;
    pending.set(seq, { command: this.commandSeries(commandName(request)), started: this.now() });
  }

  private onReply(conn: number, seq: number, reply: Reply): void {
    const pending = this.requests.get(conn);
    const request = pending?.get(seq);
    if (request === undefined) return;
    pending!.delete(seq);
    this.timedRequests--;
    const { command } = request;
    command.duration.observe((this.now() - request.started) / 1000);
    if (reply.type !== 'error') {
      command.ok.value++;
      return;
    }
    const outcome = outcomeOf(reply);
    let counter = command.outcomes.get(outcome);
    if (counter === undefined) command.outcomes.set(outcome, (counter = this.metrics.client.requests.child(command.name, outcome)));
    counter.value++;
    if (outcome === 'error' && reply.message.startsWith('ERR write lost')) this.metrics.server.proposalsFailed.child('lost').value++;
  }

  /** A closed connection's requests get no reply: stop waiting for them. */
  private onClosed(conn: number): void {
    const pending = this.requests.get(conn);
    if (pending === undefined) return;
    this.timedRequests -= pending.size;
    this.requests.delete(conn);
  }

  private commandSeries(name: string): CommandSeries {
    let series = this.commands.get(name);
    if (series === undefined) {
      const { client } = this.metrics;
      series = { name, duration: client.requestDuration.child(name), ok: client.requests.child(name, 'ok'), outcomes: new Map() };
      this.commands.set(name, series);
    }
    return series;
  }
}

/** The counter of messages of this type to or from this peer, through a two-level cache (no key to build). */
function messageSeries(cache: Map<string, Map<string, CounterSeries>>, counter: FastCounter, peer: string, type: string): CounterSeries {
  let byType = cache.get(peer);
  if (byType === undefined) cache.set(peer, (byType = new Map()));
  let series = byType.get(type);
  if (series === undefined) byType.set(type, (series = counter.child(peer, type)));
  return series;
}

/** The command a request names, lower case: set, get, del, cas, ping, info, session-open, ... */
export function commandName(request: ClientRequest): string {
  if (request.kind === 'write') return request.command.op;
  if (request.kind === 'read') return request.query.op;
  return request.kind;
}

/** ok, or the error's code word in lower case (moved, tryagain, busy, timeout, ...), or error. */
export function outcomeOf(reply: Reply): string {
  if (reply.type !== 'error') return 'ok';
  const space = reply.message.indexOf(' ');
  const code = (space < 0 ? reply.message : reply.message.slice(0, space)).toLowerCase();
  return KNOWN_OUTCOMES.has(code) ? code : 'error';
}

function entryBytes(entries: readonly { readonly data: Uint8Array }[]): number {
  let bytes = 0;
  for (const entry of entries) bytes += entry.data.length;
  return bytes;
}
