/** Waiting helpers: poll a condition to a deadline, or sleep (abortably) where a schedule says so. */
import { setTimeout as sleepFor } from 'node:timers/promises';
import { ChaosError } from './errors.js';

/** Polls `probe` until it returns something truthy; NO_CONVERGENCE naming `what` and the last value otherwise. */
export async function pollUntil<T>(
  probe: () => Promise<T>,
  options: { timeoutMs: number; intervalMs?: number; what: string },
): Promise<NonNullable<T>> {
  const deadline = Date.now() + options.timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value as NonNullable<T>;
      last = value;
    } catch (error) {
      last = error instanceof Error ? error.message : error;
    }
    if (Date.now() > deadline) {
      throw new ChaosError('NO_CONVERGENCE', `timed out after ${options.timeoutMs} ms waiting for ${options.what}; last: ${String(last)}`);
    }
    await sleepFor(options.intervalMs ?? 100);
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
