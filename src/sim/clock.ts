/**
 * A virtual-time Clock for the Timer actor: `every(ms)` fires on the loop's
 * agenda. Each node's ticks start at its own phase, as real nodes' would.
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
    return this.loop.now;
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
