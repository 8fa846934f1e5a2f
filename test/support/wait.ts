import { pollUntil } from '../../src/util/poll.js';

/** Polls `probe` until it returns something truthy, or fails naming `what` and what it last saw. */
export function waitFor<T>(
  probe: () => T | Promise<T>,
  { timeoutMs = 15_000, intervalMs = 25, what = 'condition' }: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<NonNullable<T>> {
  return pollUntil(probe, { timeoutMs, intervalMs, what });
}
