/**
 * The ProgressTracker answers who counts: only voters, whatever learners do,
 * and the committed index it computes equals a naive definition for any
 * configuration and acknowledgements.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ClusterConfig } from '../../src/raft/membership/config.js';
import { ProgressTracker } from '../../src/raft/tracker.js';

function config(voters: string[], learners: string[] = []): ClusterConfig {
  return {
    members: [...voters.map((id) => ({ id, role: 'voter' as const, peer: '', client: '' })), ...learners.map((id) => ({ id, role: 'learner' as const, peer: '', client: '' }))],
    removed: [],
  };
}

/** The largest index that more than half of the voters hold: tried index by index. */
function naiveCommitted(voters: string[], match: (id: string) => number): number {
  let best = 0;
  const top = Math.max(0, ...voters.map(match));
  for (let index = 1; index <= top; index++) {
    if (voters.filter((v) => match(v) >= index).length * 2 > voters.length) best = index;
  }
  return best;
}

describe('ProgressTracker', () => {
  it('the committed index equals the naive definition for any voters, learners and acknowledgements', () => {
    const ids = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
    fc.assert(
      fc.property(
        fc.subarray(ids, { minLength: 1 }),
        fc.array(fc.nat(50), { minLength: ids.length, maxLength: ids.length }),
        fc.nat(50),
        (members, acks, selfStable) => {
          const voters = members.filter((_, i) => i % 3 !== 2 || members.length === 1);
          const learners = members.filter((id) => !voters.includes(id));
          const self = members[0]!;
          const tracker = new ProgressTracker(self, config(voters, learners));
          tracker.startLeading(1, 4);
          for (const [id, progress] of tracker.followers()) progress.acknowledged(acks[ids.indexOf(id)]!);
          const match = (id: string) => (id === self ? selfStable : acks[ids.indexOf(id)]!);
          expect(tracker.committedIndex(selfStable)).toBe(naiveCommitted(voters, match));
        },
      ),
    );
  });

  it("counts only voters' votes", () => {
    const tracker = new ProgressTracker('a', config(['a', 'b', 'c'], ['d', 'e']));
    tracker.recordVote('a', true);
    tracker.recordVote('d', true);
    tracker.recordVote('e', true);
    expect(tracker.voteResult()).toBe('pending');
    tracker.recordVote('b', true);
    expect(tracker.voteResult()).toBe('won');
  });

  it('check-quorum counts voters heard from, not learners, and a leader that is no longer a voter does not count itself', () => {
    const tracker = new ProgressTracker('a', config(['a', 'b', 'c'], ['d']));
    tracker.startLeading(1, 4);
    for (const progress of tracker.followers().values()) progress.recentActive = false;
    tracker.progressOf('d')!.recentActive = true;
    expect(tracker.quorumActive()).toBe(false);
    tracker.progressOf('b')!.recentActive = true;
    expect(tracker.quorumActive()).toBe(true);
    // Leaving: voters b, c only; a heard from b alone is not a quorum of {b, c}.
    tracker.setConfig(config(['b', 'c'], ['a']), 5);
    tracker.progressOf('b')!.recentActive = true;
    expect(tracker.quorumActive()).toBe(false);
  });

  it('keeps progress in step with the configuration while leading', () => {
    const tracker = new ProgressTracker('a', config(['a', 'b', 'c']));
    tracker.startLeading(10, 4);
    expect([...tracker.followers().keys()].sort()).toEqual(['b', 'c']);
    tracker.setConfig(config(['a', 'b'], ['d']), 12);
    expect([...tracker.followers().keys()].sort()).toEqual(['b', 'd']);
    expect(tracker.progressOf('d')!.next).toBe(12);
    expect(tracker.voterPeers()).toEqual(['b']);
    expect(tracker.peers().sort()).toEqual(['b', 'd']);
  });
});
