/**
 * A bounded batch of seeds: 3-node clusters under every kind of fault, with
 * Raft's safety properties checked after every event, liveness after healing
 * and every client history checked for linearizability. A failure prints the
 * seed, the step, the invariant and a replay command.
 */
import { describe, expect, test } from 'vitest';
import { failuresIn } from './helpers.js';

const SEEDS_PER_CHUNK = 50;

describe('3-node clusters, all faults', () => {
  test.each([1, 51, 101, 151])('seeds %i.. (50 seeds) keep every invariant', async (first) => {
    expect(await failuresIn(first, SEEDS_PER_CHUNK, 3, 'all')).toEqual([]);
  }, 120_000);
});
