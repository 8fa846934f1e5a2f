/** The seed batch on 5-node clusters, where minorities of two and majorities of three change the picture. */
import { describe, expect, test } from 'vitest';
import { failuresIn } from './helpers.js';

describe('5-node clusters, all faults', () => {
  test.each([10_001, 10_026, 10_051])('seeds %i.. (25 seeds) keep every invariant', async (first) => {
    expect(await failuresIn(first, 25, 5, 'all')).toEqual([]);
  }, 120_000);
});
