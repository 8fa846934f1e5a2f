import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { majorityValue, quorumSize } from '../../src/raft/quorum.js';

// Differential test, as etcd's quorum/quick_test.go: the sorted-position
// shortcut must equal the definition ("the largest v that a majority is at or above").
function naiveMajorityValue(values: number[]): number {
  const candidates = [0, ...values].sort((a, b) => b - a);
  return candidates.find((v) => values.filter((x) => x >= v).length >= quorumSize(values.length)) ?? 0;
}

describe('majorityValue', () => {
  it('equals the naive definition for any match indexes', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(50), { minLength: 1, maxLength: 7 }), (values) => {
        expect(majorityValue(values)).toBe(naiveMajorityValue(values));
      }),
    );
  });

  it('quorum sizes for 1 to 5 voters', () => {
    expect([1, 2, 3, 4, 5].map(quorumSize)).toEqual([1, 2, 2, 3, 3]);
  });
});
