/**
 * The small storage interfaces a node needs. Each has an implementation on
 * abstract-level (classic-level on disk, memory-level in tests), and one
 * contract suite (test/storage/*.contract.ts) runs against every implementation.
 */
import type { SessionChanges, StoredSession } from '../kv/sessions.js';
import type { Entry, HardState, LogIndex } from '../raft/types.js';

/**
 * One atomic, synced write of Raft's persistent state. Applied in this order
 * inside a single LevelDB batch: delete every entry with index >= truncateFrom,
 * put `entries`, then replace the hard state. Either all of it is durable when
 * the returned promise resolves, or none of it is visible after a crash.
 */
export interface RaftWrite {
  readonly hardState?: HardState;
  readonly truncateFrom?: LogIndex;
  readonly entries: readonly Entry[];
}

export interface RaftState {
  readonly hardState: HardState;
  /** Every log entry on disk, in index order, contiguous, first index 1. */
  readonly entries: readonly Entry[];
}

export interface RaftStorage {
  /** Reads everything needed to restart the node. */
  load(): Promise<RaftState>;
  /** See RaftWrite. Calls are applied in call order. */
  write(write: RaftWrite): Promise<void>;
  /** Entries with lo <= index < hi that are on disk (for inspection and tests). */
  entries(lo: LogIndex, hi: LogIndex): Promise<Entry[]>;
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
