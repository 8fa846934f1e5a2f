/**
 * Reconnect delays: exponential from baseMs, capped at capMs, with "equal
 * jitter" (half fixed, half random) so peers that lost each other at the same
 * moment do not redial in lockstep. Randomness is injected so tests can fix it.
 */
import { assert } from '../util/assert.js';

export interface BackoffConfig {
  readonly baseMs: number;
  readonly capMs: number;
}

export const DEFAULT_BACKOFF: BackoffConfig = { baseMs: 50, capMs: 1_000 };

/** Delay before redial number `attempt` (0 for the first redial); random() is in [0, 1). */
export function backoffDelayMs(config: BackoffConfig, attempt: number, random: () => number): number {
  assert(attempt >= 0 && Number.isInteger(attempt), 'backoff attempt must be a non-negative integer');
  assert(config.baseMs > 0 && config.capMs >= config.baseMs, 'backoff needs 0 < baseMs <= capMs');
  // Cap the exponent first so 2 ** attempt never overflows to Infinity.
  const ceiling = Math.min(config.capMs, config.baseMs * 2 ** Math.min(attempt, 30));
  const delay = ceiling / 2 + (ceiling / 2) * random();
  assert(delay >= ceiling / 2 && delay <= ceiling, 'random() must return a value in [0, 1)');
  return delay;
}
