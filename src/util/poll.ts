/** Polling a condition to a deadline, for harnesses and tests (never the product's hot path). */
import { setTimeout as sleepFor } from 'node:timers/promises';
import { CodedError } from './coded-error.js';

export class PollTimeout extends CodedError<'POLL_TIMEOUT'> {
  override readonly name = 'PollTimeout';
}

/** Calls `probe` until it returns something truthy; a PollTimeout naming `what` and the last value otherwise. */
export async function pollUntil<T>(
  probe: () => T | Promise<T>,
  options: { timeoutMs: number; intervalMs: number; what: string },
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
      throw new PollTimeout('POLL_TIMEOUT', `timed out after ${options.timeoutMs} ms waiting for ${options.what}; last: ${String(last)}`);
    }
    await sleepFor(options.intervalMs);
  }
}
