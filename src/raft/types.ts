/**
 * The vocabulary of the Raft protocol: log entries, persistent state and the
 * messages nodes exchange. Plain data only, so every value here can be encoded
 * with msgpackr, written to a trace and compared in a replay.
 */

import type { ClusterConfig } from './membership/config.js';

export type NodeId = string;
export type Term = number;
export type LogIndex = number;

/** A position in the log: an index and the term of the entry there. */
export interface LogPoint {
  readonly index: LogIndex;
  readonly term: Term;
}

/**
 * What a snapshot of the state machine stands for: every entry up to index
 * (whose term is term) applied, with these voting members and, since
 * configurations are logged, the whole configuration at that index.
 */
export interface SnapshotMeta {
  readonly index: LogIndex;
  readonly term: Term;
  readonly voters: readonly NodeId[];
  /** Absent in snapshots taken before configurations were logged: the voters are all there is. */
  readonly config?: ClusterConfig;
}

/**
 * The answer for an index that was compacted into a snapshot (etcd's
 * ErrCompacted): the entry is gone, and so is its term.
 */
export const COMPACTED = 'compacted';
export type Compacted = typeof COMPACTED;

export const ENTRY_NOOP = 0;
export const ENTRY_COMMAND = 1;
/** A whole cluster configuration (membership/config.ts): it takes effect once appended, committed or not. */
export const ENTRY_CONFIG = 2;
export type EntryType = typeof ENTRY_NOOP | typeof ENTRY_COMMAND | typeof ENTRY_CONFIG;

export interface Entry {
  readonly index: LogIndex;
  readonly term: Term;
  readonly type: EntryType;
  /** Opaque to Raft: an encoded state-machine command (empty for a no-op). */
  readonly data: Uint8Array;
}

/** What must be on disk before a node votes or acknowledges anything (Figure 2, "Persistent state"). */
export interface HardState {
  readonly term: Term;
  readonly vote: NodeId | null;
}

export const EMPTY_HARD_STATE: HardState = { term: 0, vote: null };

interface Envelope {
  readonly from: NodeId;
  readonly to: NodeId;
  readonly term: Term;
}

export interface RequestVote extends Envelope {
  readonly type: 'RequestVote';
  readonly lastLogIndex: LogIndex;
  readonly lastLogTerm: Term;
  /**
   * The election was asked for by the leader (TimeoutNow, dissertation 3.10):
   * voters that still hear from that leader grant it anyway.
   */
  readonly leaderTransfer: boolean;
}

export interface RequestVoteResponse extends Envelope {
  readonly type: 'RequestVoteResponse';
  readonly granted: boolean;
}

/**
 * Pre-vote (dissertation 9.6): "would you vote for me in term `term`?", asked
 * before a real election. It changes no one's term or vote, so a node that
 * cannot win (cut off, or with a stale log) never raises the cluster's term.
 * `term` is the term the sender would campaign in (its own term + 1).
 */
export interface PreVote extends Envelope {
  readonly type: 'PreVote';
  readonly lastLogIndex: LogIndex;
  readonly lastLogTerm: Term;
}

/** Granted: `term` echoes the PreVote's. Refused: `term` is the voter's own, which may be news to the sender. */
export interface PreVoteResponse extends Envelope {
  readonly type: 'PreVoteResponse';
  readonly granted: boolean;
}

/** Leadership transfer (dissertation 3.10): the leader tells an up-to-date follower to start an election now. */
export interface TimeoutNow extends Envelope {
  readonly type: 'TimeoutNow';
}

export interface AppendEntries extends Envelope {
  readonly type: 'AppendEntries';
  readonly prevLogIndex: LogIndex;
  readonly prevLogTerm: Term;
  readonly entries: readonly Entry[];
  readonly leaderCommit: LogIndex;
}

export interface AppendEntriesResponse extends Envelope {
  readonly type: 'AppendEntriesResponse';
  readonly success: boolean;
  /** On success: the last index the follower now holds durably that matches the leader. */
  readonly matchIndex: LogIndex;
  /** On failure: the index the leader should retry from (fast back-off, section 5.3). */
  readonly conflictIndex: LogIndex;
  /** On failure: the follower's term at conflictIndex, or 0 when its log is too short. */
  readonly conflictTerm: Term;
  /** Echo of the rejected request's prevLogIndex, so a stale rejection can be recognised. */
  readonly rejectedIndex: LogIndex;
}

/**
 * Heartbeats are separate from AppendEntries (as in etcd): they carry no log
 * position, so they never race with pipelined appends, and they carry the
 * ReadIndex round the leader is confirming.
 */
export interface Heartbeat extends Envelope {
  readonly type: 'Heartbeat';
  /** min(leader commit, follower match): never ahead of what the follower holds. */
  readonly commit: LogIndex;
  readonly readRound: number;
}

export interface HeartbeatResponse extends Envelope {
  readonly type: 'HeartbeatResponse';
  readonly readRound: number;
}

/**
 * One chunk of a snapshot (section 7, dissertation chapter 5), sent when a
 * follower needs entries the leader has compacted. A transfer is one read
 * view of the leader's state machine, sent as chunks seq 0, 1, 2, ... one at
 * a time; each is acknowledged before the next goes out.
 */
export interface InstallSnapshot extends Envelope {
  readonly type: 'InstallSnapshot';
  readonly snapshot: SnapshotMeta;
  /** Names the transfer (unique per leader term); chunks of other transfers are refused. */
  readonly transfer: number;
  readonly seq: number;
  readonly data: Uint8Array;
  /** The last chunk: install once it is staged. */
  readonly done: boolean;
}

export interface InstallSnapshotResponse extends Envelope {
  readonly type: 'InstallSnapshotResponse';
  readonly transfer: number;
  /** The chunk the follower wants next; -1: it cannot go on with this transfer, start a new one. */
  readonly next: number;
  /** Once installed (or found older than the follower's commit index): the index its log now matches up to; else 0. */
  readonly installed: LogIndex;
}

export type Message =
  | InstallSnapshot
  | InstallSnapshotResponse
  | RequestVote
  | RequestVoteResponse
  | PreVote
  | PreVoteResponse
  | TimeoutNow
  | AppendEntries
  | AppendEntriesResponse
  | Heartbeat
  | HeartbeatResponse;

export type MessageType = Message['type'];
