/**
 * Who decides, in a configuration that may be joint (dissertation 4.3): while
 * a cluster moves from C_old to C_new, an entry is committed and an election
 * won only with a majority of each. A plain configuration is a joint one
 * whose outgoing half is empty, so the core asks one question either way.
 * Learners are in neither half and never count. Pure functions, checked
 * against naive definitions in test/raft/joint-quorum.test.ts.
 */
import { majorityValue, quorumSize } from '../quorum.js';
import type { LogIndex, NodeId } from '../types.js';

export interface VoterSets {
  /** C_new, or the only configuration when no change is under way. */
  readonly incoming: readonly NodeId[];
  /** C_old while a joint change is under way; empty otherwise. */
  readonly outgoing: readonly NodeId[];
}

export type VoteResult = 'won' | 'lost' | 'pending';

/**
 * The highest index acknowledged by a majority of `voters`. An empty set
 * places no constraint (Infinity), so that it drops out of a joint minimum.
 */
export function majorityIndex(voters: readonly NodeId[], acked: (id: NodeId) => LogIndex): number {
  if (voters.length === 0) return Number.POSITIVE_INFINITY;
  return majorityValue(voters.map(acked));
}

/** The highest index acknowledged by a majority of each half: the commit point. 0 with no voters at all. */
export function jointIndex(sets: VoterSets, acked: (id: NodeId) => LogIndex): LogIndex {
  const index = Math.min(majorityIndex(sets.incoming, acked), majorityIndex(sets.outgoing, acked));
  return Number.isFinite(index) ? index : 0;
}

/** An election among `voters`: won with a majority of yes, lost once a majority is out of reach. */
export function majorityVote(voters: readonly NodeId[], votes: ReadonlyMap<NodeId, boolean>): VoteResult {
  if (voters.length === 0) return 'won';
  let yes = 0;
  let missing = 0;
  for (const voter of voters) {
    const vote = votes.get(voter);
    if (vote === true) yes += 1;
    else if (vote === undefined) missing += 1;
  }
  const quorum = quorumSize(voters.length);
  if (yes >= quorum) return 'won';
  return yes + missing >= quorum ? 'pending' : 'lost';
}

/** A joint election is won when both halves are won and lost when either is lost. */
export function jointVote(sets: VoterSets, votes: ReadonlyMap<NodeId, boolean>): VoteResult {
  const incoming = majorityVote(sets.incoming, votes);
  const outgoing = majorityVote(sets.outgoing, votes);
  if (incoming === 'lost' || outgoing === 'lost') return 'lost';
  return incoming === 'won' && outgoing === 'won' ? 'won' : 'pending';
}
