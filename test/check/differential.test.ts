/**
 * The checker against a brute-force oracle on small histories (compare the fast
 * computation with a naive one, as etcd's quorum/quick_test.go does).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { checkHistory } from '../../src/check/linearizability.js';
import { generateHistory } from '../../src/check/generate.js';
import { bruteForceLinearizable } from './brute.js';
import { corruptedHistory, executedHistory, randomHistory } from './arbitraries.js';

const agrees = (history: Parameters<typeof checkHistory>[0]): void => {
  expect(checkHistory(history).ok).toBe(bruteForceLinearizable(history));
};

describe('checker vs brute force', () => {
  it('histories from a real execution always pass', () => {
    fc.assert(
      fc.property(executedHistory(), (history) => {
        expect(bruteForceLinearizable(history)).toBe(true);
        expect(checkHistory(history).ok).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('agrees on corrupted executions', () => {
    fc.assert(fc.property(corruptedHistory(), agrees), { numRuns: 500 });
  });

  it('agrees on arbitrary histories', () => {
    fc.assert(fc.property(randomHistory(), agrees), { numRuns: 1500 });
  });

  it('the arbitrary histories include both verdicts', () => {
    const samples = fc.sample(randomHistory(), { numRuns: 300, seed: 42 });
    const verdicts = new Set(samples.map((h) => checkHistory(h).ok));
    expect(verdicts).toEqual(new Set([true, false]));
  });
});

describe('larger generated histories (a sanity check, not a timing test)', () => {
  it.each([
    { seed: 1, operations: 2000, keys: 4, clients: 10, unknownRate: 0 },
    { seed: 2, operations: 2000, keys: 2, clients: 8, unknownRate: 0.05 },
    { seed: 3, operations: 1000, keys: 1, clients: 5, unknownRate: 0.1 },
  ])('passes $operations ops on $keys keys, $clients clients, unknown rate $unknownRate', (options) => {
    const result = checkHistory(generateHistory({ ...options, failRate: 0.02 }));
    expect(result).toMatchObject({ ok: true, operations: options.operations });
  });

  it('finds a lost write in a large history', () => {
    const history = generateHistory({ seed: 7, operations: 2000, keys: 4, clients: 10 });
    const target = history.findLast((op) => op.kind === 'read' && op.status === 'ok' && op.output !== null && op.key === 'k0');
    expect(target).toBeDefined();
    target!.output = 'v-never-written';
    const result = checkHistory(history);
    expect(result.ok).toBe(false);
    if (result.ok !== false) return;
    expect(result.key).toBe('k0');
    expect(result.minimal.length).toBeLessThanOrEqual(3);
    expect(result.minimal).toContain(target);
  });
});
