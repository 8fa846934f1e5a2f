/** Disjoint majorities, checked against brute force over every pair of voter sets of up to five nodes. */
import { describe, expect, test } from 'vitest';
import { disjointMajorities, majoritiesMayBeDisjoint } from '../../src/sim/majorities.js';

const NODES = ['a', 'b', 'c', 'd', 'e'];

function subsets(items: readonly string[]): string[][] {
  return Array.from({ length: 1 << items.length }, (_, mask) => items.filter((_, i) => (mask & (1 << i)) !== 0));
}

function majorities(voters: readonly string[]): string[][] {
  return subsets(voters).filter((s) => s.length > voters.length / 2);
}

function disjoint(x: readonly string[], y: readonly string[]): boolean {
  return x.every((id) => !y.includes(id));
}

describe('majoritiesMayBeDisjoint', () => {
  test('agrees with brute force on every pair of voter sets over five nodes', () => {
    const sets = subsets(NODES);
    let disjointPairs = 0;
    for (const a of sets) {
      for (const b of sets) {
        const naive = majorities(a).some((m1) => majorities(b).some((m2) => disjoint(m1, m2)));
        expect(majoritiesMayBeDisjoint(a, b), `${a.join('')} vs ${b.join('')}`).toBe(naive);
        if (naive) disjointPairs++;
      }
    }
    expect(disjointPairs).toBeGreaterThan(0);
  });

  test('one server apart never, two apart sometimes (dissertation 4.1)', () => {
    expect(majoritiesMayBeDisjoint(['a', 'b', 'c'], ['a', 'b', 'c', 'd'])).toBe(false);
    expect(majoritiesMayBeDisjoint(['a', 'b', 'c', 'd'], ['a', 'b', 'c'])).toBe(false);
    expect(majoritiesMayBeDisjoint(['a', 'b', 'c'], ['a', 'b', 'c', 'd', 'e'])).toBe(true);
    expect(majoritiesMayBeDisjoint(['a', 'b', 'c'], ['a'])).toBe(true);
    expect(majoritiesMayBeDisjoint(['a', 'b'], ['a', 'b'])).toBe(false);
    expect(majoritiesMayBeDisjoint([], ['a'])).toBe(false);
  });
});

describe('disjointMajorities with candidates and willing voters', () => {
  test('agrees with brute force: candidates vote for themselves, only the willing vote for them', () => {
    const sets = subsets(NODES).filter((s) => s.length > 0);
    // Willingness as a fixed pattern per (candidate, voter) pair, so the test is deterministic.
    const willing = (candidate: string) => (voter: string) => (candidate.charCodeAt(0) * 7 + voter.charCodeAt(0) * 3) % 5 !== 0;
    for (const a of sets) {
      for (const b of sets) {
        for (const ca of a) {
          for (const cb of b) {
            const got = disjointMajorities({ voters: a, candidate: ca, willing: willing(ca) }, { voters: b, candidate: cb, willing: willing(cb) });
            const okA = (m: string[]): boolean => m.includes(ca) && !m.includes(cb) && m.every((v) => v === ca || willing(ca)(v));
            const okB = (m: string[]): boolean => m.includes(cb) && !m.includes(ca) && m.every((v) => v === cb || willing(cb)(v));
            const naive = ca !== cb && majorities(a).some((m1) => okA(m1) && majorities(b).some((m2) => okB(m2) && disjoint(m1, m2)));
            expect(got !== null, `${a.join('')}/${ca} vs ${b.join('')}/${cb}`).toBe(naive);
            if (got) {
              const [m1, m2] = got;
              expect(okA(m1) && okB(m2) && disjoint(m1, m2) && m1.length > a.length / 2 && m2.length > b.length / 2).toBe(true);
            }
          }
        }
      }
    }
  });
});
