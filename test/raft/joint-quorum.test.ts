// Dissertation 4.3 (joint consensus): the fast quorum functions against naive
// definitions on random configurations, as etcd's quorum/quick_test.go does.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jointIndex, jointVote, majorityVote, type VoterSets } from '../../src/raft/quorum/joint.js';

const NODES = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];

const voterSet = fc.subarray(NODES, { maxLength: 5 });
const sets: fc.Arbitrary<VoterSets> = fc.record({ incoming: voterSet, outgoing: voterSet });
// Acknowledgements and votes also come from nodes outside both halves (learners): they must never count.
const acks = fc.dictionary(fc.constantFrom(...NODES), fc.nat(20));
const votes = fc.dictionary(fc.constantFrom(...NODES), fc.boolean()).map((d) => new Map(Object.entries(d)));

const hasMajorityAtOrAbove = (voters: readonly string[], acked: (id: string) => number, index: number): boolean =>
  voters.length === 0 || voters.filter((v) => acked(v) >= index).length * 2 > voters.length;

/** The largest index that a majority of each half has acknowledged, by trying every candidate. */
function naiveJointIndex(config: VoterSets, acked: (id: string) => number): number {
  if (config.incoming.length === 0 && config.outgoing.length === 0) return 0;
  const candidates = [0, ...NODES.map(acked)].sort((x, y) => y - x);
  return candidates.find((i) => hasMajorityAtOrAbove(config.incoming, acked, i) && hasMajorityAtOrAbove(config.outgoing, acked, i)) ?? 0;
}

/** Won if the yes votes already decide; lost if no way of filling in the missing votes can win. */
function naiveJointVote(config: VoterSets, cast: ReadonlyMap<string, boolean>): 'won' | 'lost' | 'pending' {
  const wins = (filled: (id: string) => boolean): boolean =>
    [config.incoming, config.outgoing].every((voters) => voters.length === 0 || voters.filter(filled).length * 2 > voters.length);
  if (wins((id) => cast.get(id) === true)) return 'won';
  if (!wins((id) => cast.get(id) !== false)) return 'lost';
  return 'pending';
}

describe('joint quorum (dissertation 4.3)', () => {
  it('commit index equals the naive definition for any configuration and acknowledgements', () => {
    fc.assert(
      fc.property(sets, acks, (config, acked) => {
        const ackOf = (id: string): number => acked[id] ?? 0;
        expect(jointIndex(config, ackOf)).toBe(naiveJointIndex(config, ackOf));
      }),
      { numRuns: 2_000 },
    );
  });

  it('vote result equals the naive definition for any configuration and votes', () => {
    fc.assert(
      fc.property(sets, votes, (config, cast) => {
        expect(jointVote(config, cast)).toBe(naiveJointVote(config, cast));
      }),
      { numRuns: 2_000 },
    );
  });

  it('a joint change needs both halves: C_old alone cannot commit or elect', () => {
    const config: VoterSets = { incoming: ['a', 'b', 'c', 'd', 'e'], outgoing: ['a', 'b', 'c'] };
    const acked = (id: string): number => ({ a: 9, b: 9, c: 9, d: 1, e: 1 })[id] ?? 0;
    expect(jointIndex(config, acked)).toBe(9);
    const oldOnly = (id: string): number => ({ a: 9, b: 9, c: 1, d: 1, e: 1 })[id] ?? 0;
    expect(jointIndex(config, oldOnly)).toBe(1);
    expect(jointVote(config, new Map([['a', true], ['b', true]]))).toBe('pending');
    expect(jointVote(config, new Map([['a', true], ['b', true], ['d', true]]))).toBe('won');
    expect(jointVote(config, new Map([['a', false], ['b', false]]))).toBe('lost');
  });
});
