/**
 * The small storage interfaces a node needs. Each has an implementation on
 * abstract-level (classic-level on disk, memory-level in tests), and one
 * contract suite (test/storage/*.contract.ts) runs against every implementation.
 */
import type { SessionChanges, StoredSession } from '../kv/sessions.js';
import type { Compacted, Entry, HardState, LogIndex, LogPoint, SnapshotMeta } from '../raft/types.js';

/**
 * One atomic, synced write of Raft's persistent state. Applied in this order
 * inside a single LevelDB batch: delete every entry with index >= truncateFrom,
 * put `entries`, compact (delete every entry with index <= compact.index and
 * make compact the log's start), then replace the hard state. Either all of it
 * is durable when the returned promise resolves, or none of it is visible
 * after a crash.
 */
export interface RaftWrite {
  readonly hardState?: HardState;
  readonly truncateFrom?: LogIndex;
  readonly entries: readonly Entry[];
  /**
   * The log now starts after this point; it never moves back. It may lie past
   * the last entry (a follower installing a snapshot): the log is then empty
   * and continues at compact.index + 1.
   */
  readonly compact?: LogPoint;
}

export interface RaftState {
  readonly hardState: HardState;
  /** The last entry compacted away ({0, 0} when nothing was). */
  readonly logStart: LogPoint;
  /** Every log entry on disk, in index order, contiguous from logStart.index + 1. */
  readonly entries: readonly Entry[];
}

export interface RaftStorage {
  /** Reads everything needed to restart the node. */
  load(): Promise<RaftState>;
  /** See RaftWrite. Calls are applied in call order. */
  write(write: RaftWrite): Promise<void>;
  /**
   * Entries with lo <= index < hi that are on disk (for inspection and
   * tests); COMPACTED when lo is at or before the log's start.
   */
  entries(lo: LogIndex, hi: LogIndex): Promise<Entry[] | Compacted>;
}

export interface KvPut {
  readonly type: 'put';
  readonly key: Uint8Array;
  readonly value: Uint8Array;
}
export interface KvDel {
  readonly type: 'del';
  readonly key: Uint8Array;
}
export type KvWrite = KvPut | KvDel;

/** A consistent read view of the state machine, streamed in chunks (see snapshot-format.ts). */
export interface SnapshotReader {
  readonly meta: SnapshotMeta;
  /**
   * The next chunk: records up to about maxBytes (one larger record goes
   * alone), and whether it is the last. Call again only while not last.
   */
  next(maxBytes: number): Promise<{ readonly data: Uint8Array; readonly last: boolean }>;
  /** Frees the view. */
  close(): Promise<void>;
}

/** How big an installed snapshot was: the bytes of its chunks and the keys of its KV data. */
export interface SnapshotSize {
  readonly bytes: number;
  readonly keys: number;
}

/** The state machine's durable data: user keys and the index they reflect. */
export interface KvStorage {
  /** The last log index whose effects are in this store (0 when empty). */
  appliedIndex(): Promise<LogIndex>;
  get(key: Uint8Array): Promise<Uint8Array | undefined>;
  getMany(keys: readonly Uint8Array[]): Promise<(Uint8Array | undefined)[]>;
  /** Keys starting with prefix, in byte order, at most `limit` of them. */
  keysWithPrefix(prefix: Uint8Array, limit: number): Promise<Uint8Array[]>;
  /**
   * Keys and values starting with prefix and after `after` (exclusive) when
   * given, in byte order, at most `limit` of them: a page of a scan that
   * resumes where the last page ended (SCAN, KEYS, DBSIZE in bounded memory).
   */
  entriesWithPrefix(prefix: Uint8Array, limit: number, after?: Uint8Array): Promise<Array<[Uint8Array, Uint8Array]>>;
  /**
   * One atomic batch: the writes, in order, and the new applied index. It
   * need not be synced (the Raft log holds every applied entry durably), but
   * it must survive a process crash. appliedIndex must be greater than the
   * stored one. Client-session changes go in the same batch.
   */
  apply(writes: readonly KvWrite[], appliedIndex: LogIndex, sessions?: SessionChanges): Promise<void>;
  /**
   * Marks the store as a snapshot at meta.index, which must be the applied
   * index after every earlier apply. Synced: when it resolves, everything
   * applied so far is durable (LevelDB syncs its write-ahead log in order),
   * so the Raft log up to meta.index may be deleted.
   */
  saveSnapshot(meta: SnapshotMeta): Promise<void>;
  /** The last snapshot's metadata, or null when none was taken. */
  loadSnapshot(): Promise<SnapshotMeta | null>;
  /**
   * A read view of the whole state machine (every key of the KV data and
   * the session table) as it is after every earlier apply, which must have
   * applied exactly meta.index. Later applies do not change what it reads.
   */
  openSnapshot(meta: SnapshotMeta): Promise<SnapshotReader>;
  /**
   * Stages chunk seq of an incoming snapshot (seq 0 first empties the
   * staging area). A chunk that does not decode is refused with
   * SNAPSHOT_INVALID and nothing is staged.
   */
  stageSnapshot(seq: number, data: Uint8Array): Promise<void>;
  /**
   * Replaces the state machine with the staged snapshot: its data, sessions,
   * applied index meta.index and snapshot metadata. Synced; a crash at any
   * point leaves the old state or, once reopened, the new one. `switching`
   * is called once the switch is decided (durably: from then on a crash
   * ends with the new state), before the state machine is replaced. Resolves
   * to the size of what was installed.
   */
  installSnapshot(meta: SnapshotMeta, switching?: () => void): Promise<SnapshotSize>;
  /**
   * The store's own estimate of the state machine's bytes on disk, without
   * reading it (LevelDB's approximate size of the KV data's key range:
   * table files only, so data still in the memtable is not counted).
   * Null (or absent) where the store cannot estimate it.
   */
  approximateBytes?(): Promise<number | null>;
  /** Every stored client session (read once at start-up). */
  loadSessions(): Promise<StoredSession[]>;
  /** Every key and value, in key order (for tests and consistency checks). */
  dump(): Promise<Array<[Uint8Array, Uint8Array]>>;
}

/** One node's storage: opened together, closed together. */
export interface NodeStorage {
  readonly raft: RaftStorage;
  readonly kv: KvStorage;
  close(): Promise<void>;
}
