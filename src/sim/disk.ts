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
import { decodeRecord } from '../kv/record.js';
import { keyId } from '../kv/apply.js';
import type { SessionChanges, StoredSession } from '../kv/sessions.js';
import type { RestoredState } from '../raft/core.js';
import { EMPTY_HARD_STATE, type Entry, type HardState, type LogIndex } from '../raft/types.js';
import { StorageError } from '../storage/errors.js';
import { assert } from '../util/assert.js';
import type { KvStorage, KvWrite, NodeStorage, RaftState, RaftStorage, RaftWrite } from '../storage/interfaces.js';
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
}

export class SimDisk {
  hardState: HardState = EMPTY_HARD_STATE;
  entries: Entry[] = [];
  readonly kv = new Map<string, readonly [Uint8Array, Uint8Array]>();
  appliedIndex: LogIndex = 0;
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

  /** What a restarting node reads. */
  restored(): RestoredState {
    return { hardState: this.hardState, entries: [...this.entries], appliedIndex: this.appliedIndex };
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

  applyRaftWrite(write: RaftWrite): void {
    if (write.truncateFrom !== undefined) this.entries.length = Math.min(this.entries.length, write.truncateFrom - 1);
    for (const entry of write.entries) {
      // Like a LevelDB put per key: overwrites in place, never leaves a gap.
      assert(entry.index <= this.entries.length + 1, `disk write leaves a gap at ${entry.index} on ${this.node}`);
      this.entries[entry.index - 1] = entry;
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
  }

  /** The KV contents as plain strings (the stored records' values), keys sorted (for comparing nodes). */
  kvSnapshot(): Map<string, string> {
    const ids = [...this.kv.keys()].sort();
    return new Map(ids.map((id) => [id, Buffer.from(decodeRecord(this.kv.get(id)![1]).value).toString('latin1')]));
  }
}

class SimRaftStorage implements RaftStorage {
  constructor(
    private readonly disk: SimDisk,
    private readonly incarnation: number,
  ) {}

  load(): Promise<RaftState> {
    return this.disk.read(this.incarnation, { hardState: this.disk.hardState, entries: [...this.disk.entries] });
  }

  write(write: RaftWrite): Promise<void> {
    return this.disk.complete(this.incarnation, 'writing the raft log', () => this.disk.applyRaftWrite(write));
  }

  entries(lo: LogIndex, hi: LogIndex): Promise<Entry[]> {
    return this.disk.read(this.incarnation, this.disk.entries.slice(lo - 1, Math.max(lo - 1, hi - 1)));
  }
}

class SimKvStorage implements KvStorage {
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
    return this.disk.complete(this.incarnation, `applying up to index ${appliedIndex}`, () =>
      this.disk.applyKvWrites(writes, appliedIndex, sessions),
    );
  }

  loadSessions(): Promise<StoredSession[]> {
    return this.disk.read(this.incarnation, [...this.disk.sessions.values()]);
  }

  dump(): Promise<Array<[Uint8Array, Uint8Array]>> {
    const ids = [...this.disk.kv.keys()].sort();
    return this.disk.read(this.incarnation, ids.map((id) => [...this.disk.kv.get(id)!] as [Uint8Array, Uint8Array]));
  }
}
