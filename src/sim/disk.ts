/**
 * A simulated disk: pure in-memory, deterministic, with write and sync
 * latency in virtual time. A write takes effect atomically when it completes
 * (its sync finishes); a crash before then loses it, as an unsynced LevelDB
 * batch is lost. Optionally a write fails and its promise rejects.
 *
 * The durable state (SimDisk) outlives node incarnations; each incarnation
 * gets fresh storage objects bound to it, and every completion scheduled by
 * an earlier incarnation is dropped when it comes due.
 */
import { createHash } from 'node:crypto';
import { decodeRecord } from '../kv/record.js';
import { keyId } from '../kv/apply.js';
import type { SessionChanges, StoredSession } from '../kv/sessions.js';
import type { RestoredState } from '../raft/core.js';
import { COMPACTED, EMPTY_HARD_STATE, type Compacted, type Entry, type HardState, type LogIndex, type LogPoint, type SnapshotMeta } from '../raft/types.js';
import { StorageError } from '../storage/errors.js';
import { AssertionError, assert } from '../util/assert.js';
import type { KvStorage, KvWrite, NodeStorage, RaftState, RaftStorage, RaftWrite, SnapshotReader, SnapshotSize } from '../storage/interfaces.js';
import { decodeLogKey, encodeLogKey } from '../storage/codec.js';
import { ArraySnapshotReader } from '../storage/array-snapshot-reader.js';
import { SPACE_KV, SPACE_SESSION, decodeChunk, type SnapshotRecord } from '../storage/snapshot-format.js';
import { checkRaftWrite, tipAfter, type Tip } from '../storage/raft-write-check.js';
import { logRestartFor } from '../storage/reconcile.js';
import type { SimLoop } from './loop.js';
import type { Rng } from './rng.js';

export interface DiskTiming {
  readonly writeMsMin: number;
  readonly writeMsMax: number;
  readonly syncMsMin: number;
  readonly syncMsMax: number;
  readonly readMsMax: number;
}

export const DEFAULT_DISK_TIMING: DiskTiming = { writeMsMin: 0, writeMsMax: 2, syncMsMin: 0.2, syncMsMax: 8, readMsMax: 1 };

/** Observes durable changes (the invariant checker watches persisted terms and votes). */
export interface DiskObserver {
  hardStatePersisted(node: string, before: HardState, after: HardState): void;
  /** The state machine now reflects every entry up to appliedIndex; digest names its whole content. */
  stateMachineChanged(node: string, appliedIndex: LogIndex, digest: string): void;
}

export class SimDisk {
  hardState: HardState = EMPTY_HARD_STATE;
  /** The last entry compacted away. */
  logStart: LogPoint = { index: 0, term: 0 };
  /** The retained log: index logStart.index + 1 + i at i. */
  entries: Entry[] = [];
  readonly kv = new Map<string, readonly [Uint8Array, Uint8Array]>();
  appliedIndex: LogIndex = 0;
  /** The last snapshot's metadata (the KV data itself is the snapshot). */
  snapshot: SnapshotMeta | null = null;
  /** Chunks of a snapshot being received, by chunk number. */
  staged: Uint8Array[] = [];
  /** The client-session table, stored atomically with the KV data. */
  readonly sessions = new Map<number, StoredSession>();
  /** Bumped by a crash: completions of older incarnations are lost. */
  incarnation = 0;
  /** Probability that a write fails (set by the nemesis). */
  failProbability = 0;
  /** Completion time of the last write queued, so writes complete in call order. */
  private lastDone = 0;

  constructor(
    readonly node: string,
    private readonly loop: SimLoop,
    private readonly rng: Rng,
    private readonly timing: DiskTiming,
    private readonly observer: DiskObserver | null,
  ) {}

  /** What a restarting node reads (after restarting the log at a snapshot it is behind, as a real node does). */
  restored(): RestoredState {
    const restart = logRestartFor({ hardState: this.hardState, logStart: this.logStart, entries: this.entries }, this.snapshot);
    if (restart !== null) this.applyRaftWrite(restart);
    // As the real node does: the configuration at the log's start is the snapshot's; without one, the
    // core bootstraps from the founders (or, joining, waits to hear from the cluster).
    const config = this.snapshot?.config;
    return { hardState: this.hardState, logStart: this.logStart, entries: [...this.entries], appliedIndex: this.appliedIndex, ...(config !== undefined && { config }) };
  }

  crash(): void {
    this.incarnation++;
  }

  /** Storage for the current incarnation. */
  storage(): NodeStorage {
    const incarnation = this.incarnation;
    return {
      raft: new SimRaftStorage(this, incarnation),
      kv: new SimKvStorage(this, incarnation),
      close: () => Promise.resolve(),
    };
  }

  /** Runs `effect` when a write of this incarnation completes, or rejects it if the write fails. */
  complete(incarnation: number, what: string, effect: () => void): Promise<void> {
    const t = this.timing;
    const latency = this.rng.int(0, 1000) / 1000 * (t.writeMsMax - t.writeMsMin) + t.writeMsMin
      + this.rng.int(0, 1000) / 1000 * (t.syncMsMax - t.syncMsMin) + t.syncMsMin;
    // One write at a time, as the real storage's write queue does: each starts when the last is done.
    const done = Math.max(this.loop.now, this.lastDone) + latency;
    this.lastDone = done;
    const fails = this.rng.chance(this.failProbability);
    return new Promise<void>((resolve, reject) => {
      this.loop.at(done, () => {
        if (incarnation !== this.incarnation) return; // crashed first: the write is lost
        this.loop.markSettled();
        if (fails) {
          reject(new StorageError('STORAGE_IO', `simulated failure ${what} on ${this.node}`));
          return;
        }
        effect();
        resolve();
      });
    });
  }

  /** A read: sees the disk as it is now, answers after a short latency. */
  read<T>(incarnation: number, value: T): Promise<T> {
    const latency = this.rng.int(0, 1000) / 1000 * this.timing.readMsMax;
    return new Promise<T>((resolve) => {
      this.loop.after(latency, () => {
        if (incarnation !== this.incarnation) return;
        this.loop.markSettled();
        resolve(value);
      });
    });
  }

  /** The last index on disk (the start when the retained log is empty). */
  lastIndex(): LogIndex {
    return this.logStart.index + this.entries.length;
  }

  applyRaftWrite(write: RaftWrite): void {
    const start = this.logStart.index;
    if (write.truncateFrom !== undefined) this.entries.length = Math.min(this.entries.length, write.truncateFrom - start - 1);
    for (const entry of write.entries) {
      // Like a LevelDB put per key: overwrites in place, never leaves a gap.
      assert(entry.index <= this.lastIndex() + 1, `disk write leaves a gap at ${entry.index} on ${this.node}`);
      this.entries[entry.index - start - 1] = entry;
    }
    if (write.compact && write.compact.index > start) {
      this.entries = this.entries.slice(Math.min(this.entries.length, write.compact.index - start));
      this.logStart = write.compact;
    }
    if (write.hardState) {
      const before = this.hardState;
      this.hardState = write.hardState;
      this.observer?.hardStatePersisted(this.node, before, write.hardState);
    }
  }

  applyKvWrites(writes: readonly KvWrite[], appliedIndex: LogIndex, sessions?: SessionChanges): void {
    assert(appliedIndex > this.appliedIndex, `applied index going back on ${this.node}: ${this.appliedIndex} to ${appliedIndex}`);
    for (const write of writes) {
      const id = keyId(write.key);
      if (write.type === 'put') this.kv.set(id, [write.key, write.value]);
      else this.kv.delete(id);
    }
    for (const session of sessions?.put ?? []) this.sessions.set(session.id, session);
    for (const id of sessions?.del ?? []) this.sessions.delete(id);
    this.appliedIndex = appliedIndex;
    this.observer?.stateMachineChanged(this.node, appliedIndex, this.digest());
  }

  /** A hash of every key, value and session, in order: equal state machines have equal digests. */
  digest(): string {
    const hash = createHash('sha1');
    for (const [, key, value] of this.snapshotRecords()) hash.update(`${key.length}:${value.length}:`).update(key).update(value);
    return hash.digest('hex');
  }

  /** The state machine as snapshot records, keys in byte order (what a LevelDB view would read). */
  snapshotRecords(): SnapshotRecord[] {
    const kv = [...this.kv.values()].sort(([a], [b]) => Buffer.compare(a, b));
    const sessions = [...this.sessions.values()].sort((a, b) => a.id - b.id);
    return [
      ...kv.map(([key, value]) => [SPACE_KV, key, value] as const),
      ...sessions.map((s) => [SPACE_SESSION, encodeLogKey(s.id), s.data] as const),
    ];
  }

  /** Replaces the state machine with the staged snapshot, at once. */
  installStaged(meta: SnapshotMeta): SnapshotSize {
    const records = this.staged.flatMap((chunk, i) => decodeChunk(chunk, `staged snapshot chunk ${i}`));
    const size = { bytes: this.staged.reduce((sum, chunk) => sum + chunk.length, 0), keys: records.filter(([space]) => space === SPACE_KV).length };
    this.kv.clear();
    this.sessions.clear();
    for (const [space, key, value] of records) {
      if (space === SPACE_KV) this.kv.set(keyId(key), [key, value]);
      else this.sessions.set(decodeLogKey(key), { id: decodeLogKey(key), data: value });
    }
    this.appliedIndex = meta.index;
    this.snapshot = meta;
    this.staged = [];
    this.observer?.stateMachineChanged(this.node, meta.index, this.digest());
    return size;
  }

  /** The KV contents as plain strings (the stored records' values), keys sorted (for comparing nodes). */
  kvSnapshot(): Map<string, string> {
    const ids = [...this.kv.keys()].sort();
    return new Map(ids.map((id) => [id, Buffer.from(decodeRecord(this.kv.get(id)![1]).value).toString('latin1')]));
  }
}

class SimRaftStorage implements RaftStorage {
  /** The state after every write issued by this incarnation, as the real storage tracks it. */
  private tip: Tip | undefined;

  constructor(
    private readonly disk: SimDisk,
    private readonly incarnation: number,
  ) {}

  load(): Promise<RaftState> {
    const { hardState, logStart, entries } = this.disk;
    return this.disk.read(this.incarnation, { hardState, logStart, entries: [...entries] });
  }

  write(write: RaftWrite): Promise<void> {
    const { hardState, logStart, entries } = this.disk;
    const tip = this.tip ?? { start: logStart, lastIndex: entries.at(-1)?.index ?? logStart.index, hardState };
    try {
      checkRaftWrite(write, tip);
    } catch (err) {
      return Promise.reject(err);
    }
    this.tip = tipAfter(write, tip);
    return this.disk.complete(this.incarnation, 'writing the raft log', () => this.disk.applyRaftWrite(write));
  }

  entries(lo: LogIndex, hi: LogIndex): Promise<Entry[] | Compacted> {
    const start = this.disk.logStart.index;
    if (lo <= start) return this.disk.read(this.incarnation, COMPACTED);
    return this.disk.read(this.incarnation, this.disk.entries.slice(lo - start - 1, Math.max(lo - start - 1, hi - start - 1)));
  }
}

class SimKvStorage implements KvStorage {
  /** The applied index after every apply issued by this incarnation, as the real storage tracks it. */
  private applied: LogIndex | undefined;

  constructor(
    private readonly disk: SimDisk,
    private readonly incarnation: number,
  ) {}

  appliedIndex(): Promise<LogIndex> {
    return this.disk.read(this.incarnation, this.disk.appliedIndex);
  }

  get(key: Uint8Array): Promise<Uint8Array | undefined> {
    return this.disk.read(this.incarnation, this.disk.kv.get(keyId(key))?.[1]);
  }

  getMany(keys: readonly Uint8Array[]): Promise<(Uint8Array | undefined)[]> {
    return this.disk.read(this.incarnation, keys.map((key) => this.disk.kv.get(keyId(key))?.[1]));
  }

  keysWithPrefix(prefix: Uint8Array, limit: number): Promise<Uint8Array[]> {
    const p = keyId(prefix);
    const ids = [...this.disk.kv.keys()].filter((id) => id.startsWith(p)).sort().slice(0, limit);
    return this.disk.read(this.incarnation, ids.map((id) => this.disk.kv.get(id)![0]));
  }

  entriesWithPrefix(prefix: Uint8Array, limit: number, after?: Uint8Array): Promise<Array<[Uint8Array, Uint8Array]>> {
    const p = keyId(prefix);
    const a = after === undefined ? null : keyId(after);
    const ids = [...this.disk.kv.keys()].filter((id) => id.startsWith(p) && (a === null || id > a)).sort().slice(0, limit);
    return this.disk.read(this.incarnation, ids.map((id) => [...this.disk.kv.get(id)!] as [Uint8Array, Uint8Array]));
  }

  apply(writes: readonly KvWrite[], appliedIndex: LogIndex, sessions?: SessionChanges): Promise<void> {
    const current = this.applied ?? this.disk.appliedIndex;
    if (!(Number.isSafeInteger(appliedIndex) && appliedIndex > current)) {
      return Promise.reject(new AssertionError(`applied index must increase: stored ${current}, got ${appliedIndex}`));
    }
    this.applied = appliedIndex;
    return this.disk.complete(this.incarnation, `applying up to index ${appliedIndex}`, () =>
      this.disk.applyKvWrites(writes, appliedIndex, sessions),
    );
  }

  saveSnapshot(meta: SnapshotMeta): Promise<void> {
    const applied = this.applied ?? this.disk.appliedIndex;
    if (meta.index !== applied) return Promise.reject(new AssertionError(`snapshot at ${meta.index} but the store has applied ${applied}`));
    return this.disk.complete(this.incarnation, `recording the snapshot at index ${meta.index}`, () => {
      this.disk.snapshot = meta;
    });
  }

  loadSnapshot(): Promise<SnapshotMeta | null> {
    return this.disk.read(this.incarnation, this.disk.snapshot);
  }

  async openSnapshot(meta: SnapshotMeta): Promise<SnapshotReader> {
    const applied = this.applied ?? this.disk.appliedIndex;
    if (meta.index !== applied) throw new AssertionError(`snapshot view at ${meta.index} but the store has applied ${applied}`);
    let records: SnapshotRecord[] = [];
    // Taken when the writes issued before it have landed, as the real store's queue does.
    await this.disk.complete(this.incarnation, 'opening a snapshot view', () => (records = this.disk.snapshotRecords()));
    return new ArraySnapshotReader(meta, records, (value) => this.disk.read(this.incarnation, value));
  }

  stageSnapshot(seq: number, data: Uint8Array): Promise<void> {
    try {
      decodeChunk(data, `snapshot chunk ${seq}`);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.disk.complete(this.incarnation, `staging snapshot chunk ${seq}`, () => {
      if (seq === 0) this.disk.staged = [];
      this.disk.staged[seq] = data;
    });
  }

  installSnapshot(meta: SnapshotMeta, switching?: () => void): Promise<SnapshotSize> {
    this.applied = meta.index;
    let size: SnapshotSize = { bytes: 0, keys: 0 };
    return this.disk
      .complete(this.incarnation, `installing the snapshot at ${meta.index}`, () => {
        switching?.(); // the simulated disk switches in one step
        size = this.disk.installStaged(meta);
      })
      .then(() => size);
  }

  loadSessions(): Promise<StoredSession[]> {
    return this.disk.read(this.incarnation, [...this.disk.sessions.values()]);
  }

  dump(): Promise<Array<[Uint8Array, Uint8Array]>> {
    const ids = [...this.disk.kv.keys()].sort();
    return this.disk.read(this.incarnation, ids.map((id) => [...this.disk.kv.get(id)!] as [Uint8Array, Uint8Array]));
  }
}
