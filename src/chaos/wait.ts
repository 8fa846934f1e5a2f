/** Waiting helpers: poll a condition to a deadline, or sleep (abortably) where a schedule says so. */
import { setTimeout as sleepFor } from 'node:timers/promises';
import { PollTimeout, pollUntil as poll } from '../util/poll.js';
import { ChaosError } from './errors.js';

/** Polls `probe` until it returns something truthy; NO_CONVERGENCE naming `what` and the last value otherwise. */
export async function pollUntil<T>(
  probe: () => Promise<T>,
  options: { timeoutMs: number; intervalMs?: number; what: string },
): Promise<NonNullable<T>> {
  try {
    return await poll(probe, { ...options, intervalMs: options.intervalMs ?? 100 });
  } catch (error) {
    if (error instanceof PollTimeout) throw new ChaosError('NO_CONVERGENCE', error.message, { cause: error });
    throw error;
  }
}

/** Sleeps `ms`, returning early (without throwing) when `signal` aborts. */
export async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted || ms <= 0) return;
  try {
    await sleepFor(ms, undefined, signal ? { signal } : {});
  } catch (error) {
    if ((error as { name?: string }).name !== 'AbortError') throw error;
  }
}
