/**
 * The core's inputs and outputs. RaftCore.step() takes one RaftInput; the
 * effects accumulate until takeReady() hands them over as one Ready, which the
 * RaftNode actor carries out in the order documented on its fields.
 */
import type { Entry, HardState, InstallSnapshot, LogIndex, LogPoint, Message, MessageType, NodeId, Term } from './types.js';
import type { ClusterConfig } from './membership/config.js';
import type { MembershipChange, MembershipRefusal } from './membership/change.js';

/** A precandidate is polling for a pre-vote (dissertation 9.6); it has not raised its term. */
export type Role = 'follower' | 'precandidate' | 'candidate' | 'leader';

export interface Proposal {
  readonly id: number;
  readonly data: Uint8Array;
}

export type RaftInput =
  /**
   * One unit of logical time (TimingConfig.tickMs). `nowMs`: a monotonic clock
   * read as the tick is stepped, for lease reads (absent: no lease reads).
   */
  | { readonly type: 'tick'; readonly nowMs?: number }
  | { readonly type: 'message'; readonly message: Message }
  /** Client commands to append, in order. */
  | { readonly type: 'propose'; readonly proposals: readonly Proposal[] }
  /**
   * A linearizable read wants a read index. `nowMs`: the monotonic clock read
   * as this read is stepped; only a read that carries it may be served under
   * the lease, so time a paused process lost always counts against the lease.
   */
  | { readonly type: 'read'; readonly id: number; readonly nowMs?: number }
  /**
   * Hand leadership to `target` (any up-to-date voter when null), dissertation
   * 3.10. The outcome comes back in Ready.leaderTransfers under `id`.
   */
  | { readonly type: 'transferLeadership'; readonly id: number; readonly target: NodeId | null }
  /**
   * Change the cluster's membership by one member (membership/change.ts).
   * The outcome comes back in Ready.membershipChanges under `id`.
   */
  | { readonly type: 'changeMembership'; readonly id: number; readonly change: MembershipChange }
  /**
   * The transport's connection to `peer` closed: a hint, not a fact, that its
   * process is gone (a crashed process's sockets are closed by its kernel).
   */
  | { readonly type: 'peerDisconnected'; readonly peer: NodeId }
  /** Storage made every persist request up to seq durable. */
  | { readonly type: 'persisted'; readonly seq: number }
  /** The state machine holds every entry up to index durably (a snapshot): the log before it may go. */
  | { readonly type: 'snapshotted'; readonly index: LogIndex }
  /** A snapshot chunk from `leader` in `term` was staged, or refused: `next` is the chunk wanted next (-1: start over). */
  | { readonly type: 'snapshotStaged'; readonly leader: NodeId; readonly term: Term; readonly transfer: number; readonly next: number }
  /**
   * The state machine now is, durably, the snapshot at `snapshot` (or already
   * was past it); `config`: the configuration the snapshot recorded, when it did.
   */
  | { readonly type: 'snapshotInstalled'; readonly leader: NodeId; readonly term: Term; readonly transfer: number; readonly snapshot: LogPoint; readonly config?: ClusterConfig }
  /**
   * End of a batch: everything stepped since the last flush goes out as one
   * persist request and at most one append per follower (group commit).
   */
  | { readonly type: 'flush' };

/**
 * What the actors must do about snapshot transfers (the bytes never pass
 * through the core). Leader side: `send` opens a read view of the state
 * machine and sends its chunk 0; `next` sends the chunk the follower asked
 * for; `close` ends a transfer (done or abandoned) and frees its view.
 * Follower side: `stage` stores a received chunk, and installs the snapshot
 * after its last chunk; both answer with a snapshotStaged or
 * snapshotInstalled input.
 */
export type SnapshotCommand =
  | { readonly kind: 'send'; readonly to: NodeId; readonly term: Term; readonly transfer: number }
  | { readonly kind: 'next'; readonly to: NodeId; readonly transfer: number; readonly seq: number }
  | { readonly kind: 'close'; readonly to: NodeId; readonly transfer: number }
  | { readonly kind: 'stage'; readonly message: InstallSnapshot };

export interface PersistRequest {
  readonly seq: number;
  readonly hardState?: HardState;
  readonly truncateFrom?: LogIndex;
  readonly entries: readonly Entry[];
  /** Delete the log up to and including this point, which becomes its start (RaftWrite.compact). */
  readonly compact?: LogPoint;
}

/**
 * Something the core refused to do and the operator should hear about: a
 * message that contradicts what the core knows (a second leader in a term, a
 * reply naming log positions never sent) or an election it will not start.
 * The core cannot log; the actor logs these, rate-limited.
 */
export interface CoreWarning {
  readonly reason: string;
  readonly message?: { readonly type: MessageType; readonly from: NodeId; readonly term: Term };
}

/**
 * Everything the core wants done. Order of effects (etcd's Ready contract):
 * 1. `persist` is handed to storage before anything else; storage completes
 *    requests in seq order and reports each with a `persisted` input.
 * 2. `messages` may be sent at once, even while `persist` is in flight: the
 *    core itself holds back every message that vouches for state not yet on
 *    disk (votes, append acknowledgements) and releases it after `persisted`.
 * 3. `committed` entries are committed and durable here; apply them in order.
 * 4. Proposal and read outcomes go back to the clients that asked.
 */
export interface Ready {
  readonly persist: PersistRequest | null;
  readonly messages: readonly Message[];
  readonly committed: readonly Entry[];
  readonly accepted: ReadonlyArray<{ readonly id: number; readonly index: LogIndex; readonly term: Term }>;
  /** Proposals and reads refused because this node is not the leader. */
  readonly refused: ReadonlyArray<{ readonly id: number; readonly kind: 'proposal' | 'read'; readonly leader: NodeId | null }>;
  /** Reads confirmed by a quorum: serve each once the state machine has applied `index`. */
  readonly readsReady: ReadonlyArray<{ readonly id: number; readonly index: LogIndex }>;
  /** Snapshot transfer work, in order (after `committed`: a stage may follow entries still to apply). */
  readonly snapshots: readonly SnapshotCommand[];
  /** Messages refused and elections not started since the last Ready, for the log. */
  readonly warnings: readonly CoreWarning[];
  /** Leadership transfers that ended: handed over, refused at once, or given up after an election timeout. */
  readonly leaderTransfers: readonly LeaderTransferOutcome[];
  /**
   * When either changed since the last Ready (null: neither did): the
   * configuration now in force (the latest in the log), and the ids removed
   * by a committed configuration, whose messages are refused.
   */
  readonly membership: { readonly config: ClusterConfig | null; readonly removed: readonly NodeId[] } | null;
  /** Membership changes proposed (answer once `index` is applied) or refused. */
  readonly membershipChanges: readonly MembershipOutcome[];
}

export type MembershipOutcome =
  | { readonly id: number; readonly outcome: 'proposed'; readonly index: LogIndex; readonly term: Term }
  | { readonly id: number; readonly outcome: 'refused'; readonly code: MembershipRefusal; readonly detail: string };

export type LeaderTransferOutcome =
  | { readonly id: number; readonly outcome: 'transferred'; readonly target: NodeId }
  | { readonly id: number; readonly outcome: 'refused'; readonly code: LeaderTransferRefusal; readonly detail: string };

/** Why a transfer did not happen: stable codes the client edge turns into errors. */
export type LeaderTransferRefusal = 'NOT_LEADER' | 'ALREADY_LEADER' | 'TRANSFER_IN_PROGRESS' | 'UNKNOWN_MEMBER' | 'NO_TARGET' | 'TRANSFER_TIMEOUT';
