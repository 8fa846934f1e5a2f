/**
 * The StateMachine actor applies committed entries to the KV store and
 * answers read queries. Each batch of entries becomes one atomic LevelDB batch
 * together with its applied index, so a crash never applies an entry twice or
 * loses one. Batches are applied one at a time, in order; entries committed
 * meanwhile join the next batch.
 *
 * It also owns the state machine's snapshots: it takes one every
 * snapshotEntries (so the log can be compacted), streams read views to
 * followers that need one (SnapshotSender), and stages and installs the
 * chunks this node receives, in order with the applies around them.
 */
import type { MessageBus } from '../bus/bus.js';
import type { AppliedResult } from '../bus/events.js';
import { planApply, type IndexedCommand } from '../kv/apply.js';
import { loadCurrent } from '../kv/load.js';
import { runQuery } from '../kv/query.js';
import type { KeyEvent } from '../kv/write-ops.js';
import { CommandDecodeError, decodeCommand } from '../kv/codec.js';
import type { KvQuery, KvQueryResult, KvResult } from '../kv/commands.js';
import { SessionTable, type SessionLimits, type StoredSession } from '../kv/sessions.js';
import type { SnapshotCommand } from '../raft/ready.js';
import { decodeConfig, votersOf, type ClusterConfig } from '../raft/membership/config.js';
import { ENTRY_COMMAND, ENTRY_CONFIG, type Entry, type InstallSnapshot, type LogPoint, type NodeId, type SnapshotMeta } from '../raft/types.js';
import { SnapshotFormatError } from '../storage/snapshot-format.js';
import type { KvStorage, SnapshotReader } from '../storage/interfaces.js';
import { CoalescedGets } from '../storage/coalesced-gets.js';
import type { KvReader } from '../kv/query.js';
import { assert } from '../util/assert.js';
import { SnapshotPolicy, type SnapshotThresholds } from './snapshot-policy.js';
import { SnapshotSender } from './snapshot-sender.js';

export interface StateMachineOptions {
  readonly appliedIndex: number;
  /** The term of the entry at appliedIndex (0 when it is 0). */
  readonly appliedTerm: number;
  readonly keysPerReplyMax: number;
  readonly sessionLimits: SessionLimits;
  /** The session table as the KV store holds it at start-up. */
  readonly sessions: readonly StoredSession[];
  readonly snapshots: SnapshotThresholds & { readonly snapshotChunkBytes: number };
  /** The index of the last snapshot the store holds (0: none). */
  readonly snapshotIndex: number;
  readonly nodeId: NodeId;
  /** The cluster configuration as of appliedIndex (null: none known yet); configuration entries applied move it on. */
  readonly config: ClusterConfig | null;
  /** Milliseconds from some fixed point (measures how long a snapshot took). */
  readonly monotonicMs: () => number;
  /** The serving node's wall clock in ms: reads treat keys past their expiry as absent. Default Date.now. */
  readonly wallClockMs?: () => number;
}

/** Work done one item at a time, in arrival order. */
type Work =
  | { readonly kind: 'entries'; readonly entries: Entry[] }
  | { readonly kind: 'stage'; readonly message: InstallSnapshot }
  | { readonly kind: 'send'; readonly command: SnapshotCommand & { kind: 'send' } }
  | { readonly kind: 'export'; readonly opened: (reader: Promise<SnapshotReader>) => void };

/** What INFO and /metrics show about this node's snapshots. */
export interface SnapshotFacts {
  /**
   * The last snapshot taken or installed here: its bytes (an installed one:
   * the bytes of its chunks; one taken here: the store's estimate of the KV
   * data on disk) and its keys (-1: not known, as for one taken here, where
   * counting would mean reading every key). -1 before the first.
   */
  readonly sizeBytes: number;
  readonly keys: number;
  /** Chunks staged so far of a snapshot being received (0: none). */
  readonly receivingChunks: number;
  /** A received snapshot is replacing the state machine now (its install is durably decided: a crash finishes it at restart). */
  readonly installing: boolean;
}

/** The chunks of an incoming snapshot staged so far. */
interface Staging {
  readonly leader: NodeId;
  readonly term: number;
  readonly transfer: number;
  next: number;
}

const UNDECODABLE: KvResult = { type: 'error', message: 'ERR committed entry holds an undecodable command; applied as nothing' };

export class StateMachineActor {
  private work: Work[] = [];
  private sessions: SessionTable;
  private readonly keysPerReplyMax: number;
  private busy: Promise<void> | null = null;
  private failed = false;
  /** The last entry handed to this actor to apply (or installed). */
  private lastQueued: number;
  /** The last index applied (or installed) in the store, and its term. */
  private applied: LogPoint;
  private readonly policy: SnapshotPolicy;
  private readonly sender: SnapshotSender;
  private staging: Staging | null = null;
  /** The configuration as of the applied index: recorded with every snapshot taken here. */
  private config: ClusterConfig | null;
  /** Reads for queries: the point reads of one turn go to the store together. */
  private readonly reader: KvReader;
  private lastSize = { sizeBytes: -1, keys: -1 };
  /** Counts snapshots taken or installed, so a late size estimate never overwrites a newer snapshot's size. */
  private snapshots = 0;
  private installing = false;

  constructor(
    private readonly bus: MessageBus,
    private readonly kv: KvStorage,
    private readonly options: StateMachineOptions,
  ) {
    this.lastQueued = options.appliedIndex;
    this.applied = { index: options.appliedIndex, term: options.appliedTerm };
    this.keysPerReplyMax = options.keysPerReplyMax;
    this.config = options.config;
    const gets = new CoalescedGets(kv);
    this.reader = { getMany: (keys) => gets.getMany(keys), entriesWithPrefix: (prefix, limit, after) => kv.entriesWithPrefix(prefix, limit, after) };
    this.sessions = new SessionTable(options.sessionLimits, options.sessions);
    this.policy = new SnapshotPolicy(options.snapshots, options.snapshotIndex, options.appliedIndex);
    this.sender = new SnapshotSender(bus, kv, options.nodeId, options.snapshots.snapshotChunkBytes, (err) => this.fail('snapshot send', err));
    bus.on('storage.apply', (event) => {
      const entries: Entry[] = [];
      for (const entry of event.entries) {
        assert(entry.index === this.lastQueued + 1, `apply ${entry.index} after ${this.lastQueued}`);
        this.lastQueued = entry.index;
        entries.push(entry);
      }
      this.enqueue({ kind: 'entries', entries });
    });
    bus.on('storage.snapshot', (event) => {
      for (const command of event.commands) {
        if (command.kind === 'stage') this.enqueue({ kind: 'stage', message: command.message });
        else if (command.kind === 'send') this.enqueue({ kind: 'send', command });
        else this.sender.handle(command, () => this.viewMeta());
      }
    });
    bus.on('storage.snapshotRead', (event) => this.bus.publish({ type: 'net.send', messages: [event.message] }));
    // The input, not the install's completion, moves the apply position: so a replay (where storage
    // never completes) hands on the entries after the snapshot exactly as the recorded run did.
    bus.on('storage.snapshotInstalled', ({ snapshot }) => this.installed(snapshot));
    bus.on('storage.query', (event) => {
      this.query(event.query).then(
        (result) => this.bus.publish({ type: 'storage.queryResult', id: event.id, result }),
        (err: Error) => this.bus.publish({ type: 'storage.failed', operation: 'read', message: err.message }),
      );
    });
  }

  async idle(): Promise<void> {
    while (this.busy) await this.busy;
  }

  /**
   * A read view of the state machine at its applied point, for `raftkv
   * snapshot save`: opened between applies, in order with them, as a view
   * for a follower is. The caller closes it.
   */
  exportSnapshot(): Promise<SnapshotReader> {
    if (this.failed) return Promise.reject(new Error('the state machine has stopped after a storage failure'));
    return new Promise((resolve) => this.enqueue({ kind: 'export', opened: resolve }));
  }

  sessionCount(): number {
    return this.sessions.size();
  }

  snapshotFacts(): SnapshotFacts {
    return { ...this.lastSize, receivingChunks: this.staging?.next ?? 0, installing: this.installing };
  }

  private enqueue(item: Work): void {
    this.work.push(item);
    this.runNext();
  }

  private runNext(): void {
    if (this.busy || this.failed || this.work.length === 0) return;
    const item = this.work.shift()!;
    let operation = 'apply';
    let task: Promise<void>;
    if (item.kind === 'entries') {
      const entries = [...item.entries];
      while (this.work[0]?.kind === 'entries') entries.push(...(this.work.shift() as { entries: Entry[] }).entries);
      task = this.applyEntries(entries, () => (operation = 'snapshot'));
    } else if (item.kind === 'stage') {
      operation = 'snapshot install';
      task = this.stage(item.message);
    } else if (item.kind === 'export') {
      item.opened(this.kv.openSnapshot(this.viewMeta()));
      task = Promise.resolve();
    } else {
      // Nothing is being applied now: the view opens exactly at the applied point.
      this.sender.handle(item.command, () => this.viewMeta());
      task = Promise.resolve();
    }
    this.busy = task
      .catch((err: Error) => this.fail(operation, err))
      .finally(() => {
        this.busy = null;
        this.runNext();
      });
  }

  private fail(operation: string, err: Error): void {
    this.failed = true;
    this.bus.publish({ type: 'storage.failed', operation, message: err.message });
  }

  private viewMeta(): SnapshotMeta {
    return this.metaAt(this.applied);
  }

  private metaAt(point: LogPoint): SnapshotMeta {
    if (this.config === null) return { index: point.index, term: point.term, voters: [] };
    return { index: point.index, term: point.term, voters: votersOf(this.config), config: this.config };
  }

  private async applyEntries(all: readonly Entry[], snapshotting: () => void): Promise<void> {
    // Entries a snapshot install has already covered are skipped.
    const entries = all.filter((entry) => entry.index > this.applied.index);
    if (entries.length === 0) return;
    const { results, events } = await this.applyBatch(entries);
    this.followConfig(entries);
    const last = entries.at(-1)!;
    this.applied = { index: last.index, term: last.term };
    this.bus.publish({ type: 'storage.applied', index: last.index, results, ...(events.length > 0 ? { events } : {}) });
    if (!this.policy.applied(entries)) return;
    snapshotting();
    await this.snapshot(last);
  }

  /**
   * Stages one chunk: the first of a newer transfer starts over, the next
   * one of the current transfer is added, anything else (stale, duplicate,
   * out of order) is refused with the chunk wanted instead. The last chunk
   * installs the snapshot.
   */
  private async stage(m: InstallSnapshot): Promise<void> {
    const s = this.staging;
    const same = s !== null && s.leader === m.from && s.term === m.term && s.transfer === m.transfer;
    const newer = s === null || m.term > s.term || (m.term === s.term && (m.from !== s.leader || m.transfer > s.transfer));
    const answer = (next: number): void =>
      this.bus.publish({ type: 'storage.snapshotStaged', leader: m.from, term: m.term, transfer: m.transfer, next });
    if (!(m.seq === 0 && newer) && !(same && m.seq === s.next)) {
      answer(same ? s.next : -1);
      return;
    }
    try {
      await this.kv.stageSnapshot(m.seq, m.data);
    } catch (err) {
      if (!(err instanceof SnapshotFormatError)) throw err;
      this.staging = null;
      answer(-1);
      return;
    }
    this.staging = { leader: m.from, term: m.term, transfer: m.transfer, next: m.seq + 1 };
    if (!m.done) {
      answer(m.seq + 1);
      return;
    }
    this.staging = null;
    await this.install(m);
  }

  private async install(m: InstallSnapshot): Promise<void> {
    const { snapshot } = m;
    // Entries past it were handed out meanwhile: the state machine is already beyond this snapshot.
    const point = { index: snapshot.index, term: snapshot.term };
    if (snapshot.index > this.lastQueued) {
      const size = await this.kv.installSnapshot(snapshot, () => (this.installing = true)).finally(() => (this.installing = false));
      if (snapshot.config !== undefined) this.config = snapshot.config;
      this.snapshots++;
      this.lastSize = { sizeBytes: size.bytes, keys: size.keys };
      this.sessions = new SessionTable(this.options.sessionLimits, await this.kv.loadSessions());
      this.installed(point);
      this.policy.taken();
      this.bus.publish({ type: 'storage.applied', index: snapshot.index, results: [] });
    }
    this.bus.publish({
      type: 'storage.snapshotInstalled',
      leader: m.from,
      term: m.term,
      transfer: m.transfer,
      snapshot: point,
      ...(snapshot.config !== undefined && { config: snapshot.config }),
    });
  }

  /**
   * The store holds the snapshot at point: applying resumes after it. Only
   * when no entry at or past it was handed over (else the install was skipped
   * and those entries still have to be applied).
   */
  private installed(point: LogPoint): void {
    if (point.index <= this.lastQueued) return;
    this.applied = point;
    this.lastQueued = point.index;
  }

  /**
   * The store, as it is after applying `last`, becomes the snapshot: a synced
   * write of its metadata makes everything applied durable, so the Raft log
   * up to there may go (the core decides how much, on storage.snapshotted).
   */
  private async snapshot(last: Entry): Promise<void> {
    const started = this.options.monotonicMs();
    await this.kv.saveSnapshot(this.metaAt(last));
    this.policy.taken();
    const durationMs = Math.round((this.options.monotonicMs() - started) * 1000) / 1000;
    this.bus.publish({ type: 'storage.snapshotted', index: last.index, term: last.term, durationMs });
    this.estimateSize(++this.snapshots);
  }

  /** The store's estimate of a snapshot taken here, off the apply path (it is only for INFO and /metrics). */
  private estimateSize(snapshot: number): void {
    this.kv.approximateBytes?.().then(
      (bytes) => {
        if (bytes !== null && snapshot === this.snapshots) this.lastSize = { sizeBytes: bytes, keys: -1 };
      },
      () => undefined, // an estimate that fails changes nothing; the store's real failures surface elsewhere
    );
  }

  /** Configuration entries (checked by the core and by storage when read back) move the recorded configuration on. */
  private followConfig(entries: readonly Entry[]): void {
    for (const entry of entries) {
      if (entry.type !== ENTRY_CONFIG) continue;
      const decoded = decodeConfig(entry.data);
      assert(decoded.ok, `applied configuration entry ${entry.index} does not decode`);
      this.config = decoded.config;
    }
  }

  private async applyBatch(entries: readonly Entry[]): Promise<{ results: AppliedResult[]; events: KeyEvent[] }> {
    const commands: IndexedCommand[] = [];
    // A committed command that does not decode came from a lying peer (entry data
    // is not checked on the wire): every node skips it alike instead of dying on it.
    const undecodable = new Set<number>();
    for (const entry of entries) {
      if (entry.type !== ENTRY_COMMAND) continue;
      try {
        commands.push({ index: entry.index, command: decodeCommand(entry.data) });
      } catch (err) {
        if (!(err instanceof CommandDecodeError)) throw err;
        undecodable.add(entry.index);
      }
    }
    const loading = loadCurrent(this.kv, commands);
    const current = loading instanceof Map ? loading : await loading;
    const plan = planApply(commands, current, this.sessions);
    await this.kv.apply(plan.writes, entries.at(-1)!.index, this.sessions.takeChanges());
    let next = 0;
    const results = entries.map((entry) => ({
      index: entry.index,
      term: entry.term,
      result: entry.type !== ENTRY_COMMAND ? null : undecodable.has(entry.index) ? UNDECODABLE : plan.results[next++]!,
    }));
    return { results, events: plan.events };
  }

  private query(query: KvQuery): Promise<KvQueryResult> {
    return runQuery(this.reader, query, { keysPerReplyMax: this.keysPerReplyMax }, (this.options.wallClockMs ?? Date.now)());
  }
}
