import { assert } from '../util/assert.js';
import { TERM_MAX } from './message-checks.js';
import type { RandomSource } from './random.js';
import type { NodeId } from './types.js';

/** The core's configuration, in ticks: the core never sees milliseconds. */
export interface RaftOptions {
  readonly id: NodeId;
  /**
   * The voters a new cluster bootstraps with, this node included; empty for a
   * node joining an existing cluster. Once the log or a snapshot records a
   * configuration, that configuration rules (see RestoredState.config).
   */
  readonly voters: readonly NodeId[];
  /** The election timeout is drawn from [electionTicksMin, electionTicksMax). */
  readonly electionTicksMin: number;
  readonly electionTicksMax: number;
  readonly heartbeatTicks: number;
  readonly entriesPerAppendMax: number;
  readonly appendBytesMax: number;
  readonly inflightAppendsMax: number;
  /** Entries kept in the log before a snapshot's index when compacting (etcd's trailing window). */
  readonly snapshotTrailingEntries: number;
  readonly random: RandomSource;
  /**
   * Serve reads under a leader lease instead of a heartbeat round each
   * (dissertation 6.4.1). Safe only if every node's clock advances at nearly
   * the same rate: see LEASE_DRIFT_FRACTION in core.ts.
   */
  readonly leaseReads?: boolean;
  /**
   * How long, in measured milliseconds, a follower that acknowledged a
   * heartbeat refuses to vote for anyone else: electionTicksMin ticks, each at
   * least a tick's length apart. The lease is this, less LEASE_DRIFT_FRACTION.
   */
  readonly leaseMs?: number;
  /**
   * Ask for a pre-vote before each election (dissertation 9.6), so a node
   * that cannot win never raises the term. On unless set to false.
   */
  readonly preVote?: boolean;
  /** How far above our term one message may lift it (default TERM_JUMP_MAX; see there). */
  readonly termJumpMax?: number;
  /** A learner is promoted only when at most this many entries behind the leader (default LEARNER_CATCH_UP_ENTRIES). */
  readonly learnerCatchUpEntriesMax?: number;
}

export const LEARNER_CATCH_UP_ENTRIES = 1_000;

export function validateRaftOptions(options: RaftOptions): void {
  assert(options.voters.length === 0 || options.voters.includes(options.id), `node ${options.id} is not among the voters`);
  assert(new Set(options.voters).size === options.voters.length, 'duplicate voter');
  assert(options.heartbeatTicks >= 1, 'heartbeatTicks < 1');
  assert(options.electionTicksMin > options.heartbeatTicks, 'election timeout must exceed the heartbeat');
  assert(options.electionTicksMax > options.electionTicksMin, 'empty election timeout range');
  assert(options.entriesPerAppendMax >= 1 && options.inflightAppendsMax >= 1, 'append limits < 1');
  assert(Number.isSafeInteger(options.snapshotTrailingEntries) && options.snapshotTrailingEntries >= 0, 'snapshotTrailingEntries < 0');
  const jump = options.termJumpMax;
  assert(jump === undefined || (Number.isSafeInteger(jump) && jump >= 1 && jump <= TERM_MAX), 'termJumpMax outside 1..TERM_MAX');
}
