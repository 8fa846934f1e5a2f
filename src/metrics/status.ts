/**
 * A node's status as one typed value: what `INFO` says, as numbers, plus
 * per-follower progress on the leader and the election history. GET /status
 * serves it as JSON; the scrape-time gauges and /health read it too.
 */
import type { MemberConfig } from '../config/types.js';
import type { CoreView } from '../raft/core.js';
import type { Role } from '../raft/ready.js';
import type { ElectionRecord } from './elections.js';
import type { SnapshotFacts } from '../actors/state-machine.js';

/** Fields a core with snapshots adds to its view; read when present. */
interface SnapshotViewFields {
  readonly firstIndex?: number;
  readonly snapshotIndex?: number;
}

/** Where a node's status comes from: read-only accessors into its parts. */
export interface StatusSources {
  readonly nodeId: string;
  readonly members: readonly MemberConfig[];
  view(): CoreView;
  /** Per-follower match index (empty unless leader). */
  matchIndexes(): Readonly<Record<string, number>>;
  appliedIndex(): number;
  pendingRequests(): number;
  clientConnections(): number;
  /** Session table size, when the state machine reports it. */
  sessions(): number | null;
  elections(): readonly ElectionRecord[];
  /** The latest snapshot this node took or installed (0: none), when known. */
  snapshotIndex?(): number;
  /** The state machine's snapshot figures, when it reports them. */
  snapshotFacts?(): SnapshotFacts;
  startedMs: number;
}

export interface PeerProgress {
  readonly id: string;
  readonly matchIndex: number;
  /** Entries of the leader's log this follower does not hold yet. */
  readonly lagEntries: number;
}

export interface NodeStatusJson {
  readonly node: string;
  readonly role: Role;
  readonly term: number;
  readonly leader: string | null;
  /** The leader's client address, as members list it. */
  readonly leaderAddress: string | null;
  readonly commitIndex: number;
  readonly appliedIndex: number;
  readonly firstLogIndex: number;
  readonly lastLogIndex: number;
  /** Last index in the latest snapshot; 0 when none (or the node takes no snapshots). */
  readonly snapshotIndex: number;
  /** The latest snapshot's bytes and keys; -1 when not known (see SnapshotFacts). */
  readonly snapshotSizeBytes: number;
  readonly snapshotKeys: number;
  /** Chunks staged so far of a snapshot being received (0: none). */
  readonly snapshotReceivingChunks: number;
  readonly pendingRequests: number;
  readonly clientConnections: number;
  readonly sessions: number | null;
  /** Leader only: every follower's replication progress. */
  readonly peers: readonly PeerProgress[];
  readonly elections: readonly ElectionRecord[];
  readonly uptimeSeconds: number;
}

export function nodeStatus(sources: StatusSources, nowMs = Date.now()): NodeStatusJson {
  const view = sources.view() as CoreView & SnapshotViewFields;
  const snapshotIndex = Math.max(view.snapshotIndex ?? 0, sources.snapshotIndex?.() ?? 0);
  const leaderMember = sources.members.find((m) => m.id === view.leader);
  const snapshot = sources.snapshotFacts?.();
  return {
    node: sources.nodeId,
    role: view.role,
    term: view.term,
    leader: view.leader,
    leaderAddress: leaderMember?.client ?? null,
    commitIndex: view.commitIndex,
    appliedIndex: sources.appliedIndex(),
    firstLogIndex: view.firstIndex ?? (view.lastIndex > snapshotIndex ? snapshotIndex + 1 : 0),
    lastLogIndex: view.lastIndex,
    snapshotIndex,
    snapshotSizeBytes: snapshot?.sizeBytes ?? -1,
    snapshotKeys: snapshot?.keys ?? -1,
    snapshotReceivingChunks: snapshot?.receivingChunks ?? 0,
    pendingRequests: sources.pendingRequests(),
    clientConnections: sources.clientConnections(),
    sessions: sources.sessions(),
    peers: view.role === 'leader' ? peerProgress(sources.matchIndexes(), view.lastIndex) : [],
    elections: sources.elections(),
    uptimeSeconds: Math.round((nowMs - sources.startedMs) / 1000),
  };
}

function peerProgress(matches: Readonly<Record<string, number>>, lastIndex: number): PeerProgress[] {
  return Object.entries(matches)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([id, matchIndex]) => ({ id, matchIndex, lagEntries: Math.max(0, lastIndex - matchIndex) }));
}
