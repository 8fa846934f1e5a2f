/**
 * A virtual-time Clock for the Timer actor: `every(ms)` and `after(ms)` fire
 * on the loop's agenda. Each node's ticks start at its own phase, as real
 * nodes' would: its readings are the loop's time plus that phase (only
 * differences of readings matter to a node, so the offset is harmless).
 *
 * With `after`, the Timer ticks lazily, as on real nodes: it sleeps until the
 * core's next deadline and delivers the elapsed ticks before each input. A
 * one-shot timer that comes due while the node is frozen still runs: the
 * ticks it queues wait on the frozen node's bus and are delivered when it
 * thaws, as a stopped process finds its overdue timers when it resumes.
 */
import type { Clock } from '../actors/timer.js';
import type { SimLoop } from './loop.js';

export class VirtualClock implements Clock {
  constructor(
    private readonly loop: SimLoop,
    private readonly phaseMs: number,
    /** While true, ticks are skipped (a frozen process does not run its timers). */
    private readonly frozen: () => boolean = () => false,
  ) {}

  /** Virtual time keeps running while the node is frozen, as a real clock does. */
  now(): number {
    return this.loop.now + this.phaseMs;
  }

  after(ms: number, fn: () => void): () => void {
    let cancelled = false;
    this.loop.after(ms, () => {
      if (!cancelled) fn();
    });
    return () => {
      cancelled = true;
    };
  }

  every(ms: number, fn: () => void): () => void {
    let cancelled = false;
    const fire = (): void => {
      if (cancelled) return;
      if (!this.frozen()) fn();
      this.loop.after(ms, fire);
    };
    this.loop.after(this.phaseMs % ms, fire);
    return () => {
      cancelled = true;
    };
  }
}
