/**
 * The Timer actor turns time into `timer.tick` events. It is the only actor
 * that knows about time; the clock is injected (a real one for nodes, a
 * virtual one in the simulator), so nothing else can read it.
 */
import type { MessageBus } from '../bus/bus.js';

export interface Clock {
  /** Calls fn every `ms` milliseconds until the returned cancel function is called. */
  every(ms: number, fn: () => void): () => void;
  /**
   * A monotonic reading in milliseconds, for lease reads; it keeps running
   * while the process is stopped (SIGSTOP). Absent: no lease reads.
   */
  now?(): number;
}

export const systemClock: Clock = {
  now: () => performance.now(),
  every(ms, fn) {
    const handle = setInterval(fn, ms);
    return () => clearInterval(handle);
  },
};

export class TimerActor {
  private cancel: (() => void) | null = null;

  constructor(
    private readonly bus: MessageBus,
    private readonly clock: Clock,
    private readonly tickMs: number,
  ) {}

  start(): void {
    if (this.cancel) return;
    this.cancel = this.clock.every(this.tickMs, () => this.bus.publish({ type: 'timer.tick' }));
  }

  stop(): void {
    this.cancel?.();
    this.cancel = null;
  }
}
