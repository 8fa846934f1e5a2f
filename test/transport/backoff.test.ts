import { describe, expect, it } from 'vitest';
import { backoffDelayMs, DEFAULT_BACKOFF } from '../../src/transport/backoff.js';

describe('reconnect backoff', () => {
  it('doubles from the base to the cap, with no jitter when random() is 1-', () => {
    const almostOne = () => 1 - Number.EPSILON;
    const delays = [0, 1, 2, 3, 4, 5, 6, 50].map((n) => Math.round(backoffDelayMs(DEFAULT_BACKOFF, n, almostOne)));
    expect(delays).toEqual([50, 100, 200, 400, 800, 1000, 1000, 1000]);
  });

  it('keeps at least half the delay when random() is 0', () => {
    expect(backoffDelayMs(DEFAULT_BACKOFF, 0, () => 0)).toBe(25);
    expect(backoffDelayMs(DEFAULT_BACKOFF, 10, () => 0)).toBe(500);
  });

  it('rejects a random source outside [0, 1)', () => {
    expect(() => backoffDelayMs(DEFAULT_BACKOFF, 0, () => 2)).toThrow(/random/);
  });
});
