/** One fault class at a time, so a failure points at the class that provokes it. */
import { describe, expect, test } from 'vitest';
import { failuresIn } from './helpers.js';

describe('single fault classes, 3 nodes', () => {
  test.each([
    ['net', 20_001],
    ['crash', 30_001],
    ['disk', 40_001],
    ['none', 50_001],
  ] as const)('%s faults: 20 seeds keep every invariant', async (faults, first) => {
    expect(await failuresIn(first, 20, 3, faults)).toEqual([]);
  }, 120_000);
});
