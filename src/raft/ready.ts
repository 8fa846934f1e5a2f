/**
 * The core's inputs and outputs. RaftCore.step() takes one RaftInput; the
 * effects accumulate until takeReady() hands them over as one Ready, which the
 * RaftNode actor carries out in the order documented on its fields.
 */
import type { Entry, HardState, LogIndex, Message, NodeId, Term } from './types.js';

/** A precandidate is polling for a pre-vote (dissertation 9.6); it has not raised its term. */
export type Role = 'follower' | 'precandidate' | 'candidate' | 'leader';

export interface Proposal {
  readonly id: number;
  readonly data: Uint8Array;
}

export type RaftInput =
  /** One unit of logical time (TimingConfig.tickMs). */
  | { readonly type: 'tick' }
  | { readonly type: 'message'; readonly message: Message }
  /** Client commands to append, in order. */
  | { readonly type: 'propose'; readonly proposals: readonly Proposal[] }
  /** A linearizable read wants a read index. */
  | { readonly type: 'read'; readonly id: number }
  /**
   * Hand leadership to `target` (any up-to-date voter when null), dissertation
   * 3.10. The outcome comes back in Ready.leaderTransfers under `id`.
   */
  | { readonly type: 'transferLeadership'; readonly id: number; readonly target: NodeId | null }
  /** Storage made every persist request up to seq durable. */
  | { readonly type: 'persisted'; readonly seq: number }
  /**
   * End of a batch: everything stepped since the last flush goes out as one
   * persist request and at most one append per follower (group commit).
   */
  | { readonly type: 'flush' };

export interface PersistRequest {
  readonly seq: number;
  readonly hardState?: HardState;
  readonly truncateFrom?: LogIndex;
  readonly entries: readonly Entry[];
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
  /** Leadership transfers that ended: handed over, refused at once, or given up after an election timeout. */
  readonly leaderTransfers: readonly LeaderTransferOutcome[];
}

export type LeaderTransferOutcome =
  | { readonly id: number; readonly outcome: 'transferred'; readonly target: NodeId }
  | { readonly id: number; readonly outcome: 'refused'; readonly code: LeaderTransferRefusal; readonly detail: string };

/** Why a transfer did not happen: stable codes the client edge turns into errors. */
export type LeaderTransferRefusal = 'NOT_LEADER' | 'ALREADY_LEADER' | 'TRANSFER_IN_PROGRESS' | 'UNKNOWN_MEMBER' | 'NO_TARGET' | 'TRANSFER_TIMEOUT';
