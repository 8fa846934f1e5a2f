/**
 * A warning that anyone on the network can trigger (a refused frame, a lying
 * peer) must not let them fill the disk with log lines: each kind of warning
 * is logged at most once per interval, and the next line that gets through
 * says how many were suppressed in between.
 */
import type { Logger } from 'pino';

export const RATE_LIMIT_INTERVAL_MS = 1_000;

export class RateLimitedWarn {
  private readonly lastLoggedAt = new Map<string, number>();
  private readonly suppressed = new Map<string, number>();

  constructor(
    private readonly logger: Logger,
    private readonly intervalMs = RATE_LIMIT_INTERVAL_MS,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Logs `msg` with `fields` at warn level unless a line of the same kind went out within the interval. */
  warn(kind: string, fields: Record<string, unknown>, msg: string): void {
    const nowMs = this.now();
    const last = this.lastLoggedAt.get(kind);
    if (last !== undefined && nowMs - last < this.intervalMs) {
      this.suppressed.set(kind, (this.suppressed.get(kind) ?? 0) + 1);
      return;
    }
    const suppressed = this.suppressed.get(kind) ?? 0;
    this.suppressed.delete(kind);
    this.lastLoggedAt.set(kind, nowMs);
    this.logger.warn(suppressed > 0 ? { ...fields, suppressed } : fields, msg);
  }
}
