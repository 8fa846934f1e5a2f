/**
 * The Timer actor turns time into `timer.tick` events. It is the only actor
 * that knows about time; the clock is injected (a real one for nodes, a
 * virtual one in the simulator), so nothing else can read it.
 *
 * Ticks lie on a fixed grid (one every tickMs from start). Given a clock that
 * can also read the time and set a one-shot timer, the actor does not wake
 * for every tick: between heartbeats an idle node's ticks only count, and
 * waking a process a hundred times a second for that was a third of an idle
 * cluster's CPU. Instead it sleeps until the tick the core says is next due
 * (or at most idleTicksMax), and before every input from the world (the bus's
 * beforeInput hook) it delivers the ticks that elapsed since the last one. So
 * every input meets exactly the ticks the grid had before it, as if the timer
 * had fired each one; ticks only arrive in runs instead of one by one.
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
  /** Calls fn once, `ms` milliseconds from now, unless cancelled. With now(): the timer may tick lazily. */
  after?(ms: number, fn: () => void): () => void;
}

export const systemClock: Clock = {
  now: () => performance.now(),
  every(ms, fn) {
    const handle = setInterval(fn, ms);
    return () => clearInterval(handle);
  },
  after(ms, fn) {
    const handle = setTimeout(fn, ms);
    return () => clearTimeout(handle);
  },
};

export interface LazyTicks {
  /** Ticks until the next one that could set something off (RaftCore.ticksUntilDue); at least 1. */
  readonly ticksUntilDue: () => number;
  /** The longest sleep in ticks, for what counts ticks without telling (request deadlines, the expiry sweep). */
  readonly idleTicksMax: number;
  /** The most ticks delivered in one run (after a long pause, more would change nothing). */
  readonly catchUpTicksMax: number;
}

export class TimerActor {
  private cancel: (() => void) | null = null;
  /** Lazy ticking: when the grid started, ticks delivered so far, and the tick the one-shot timer is set for. */
  private origin = 0;
  private delivered = 0;
  private armedTick: number | null = null;
  private cancelArm: (() => void) | null = null;

  constructor(
    private readonly bus: MessageBus,
    private readonly clock: Clock,
    private readonly tickMs: number,
    /** Absent, or a clock without now() and after(): one tick per tickMs, each on its own. */
    private readonly lazy?: LazyTicks,
  ) {}

  start(): void {
    if (this.cancel) return;
    if (this.lazy === undefined || this.clock.now === undefined || this.clock.after === undefined) {
      this.cancel = this.clock.every(this.tickMs, () => this.bus.publish({ type: 'timer.tick' }));
      return;
    }
    this.origin = this.clock.now();
    this.delivered = 0;
    this.bus.beforeInput(() => this.catchUp());
    // After every batch the core has stepped through, its next deadline may have come closer.
    const unsubscribe = this.bus.on('raft.ready', () => this.armFor(this.lazy!.ticksUntilDue()));
    this.armFor(this.lazy.idleTicksMax);
    this.cancel = () => {
      unsubscribe();
      this.bus.beforeInput(null);
      this.cancelArm?.();
      this.cancelArm = null;
      this.armedTick = null;
    };
  }

  stop(): void {
    this.cancel?.();
    this.cancel = null;
  }

  /** Queues the ticks the grid has had since the last one delivered; returns how many. */
  private catchUp(): number {
    const due = Math.floor((this.clock.now!() - this.origin) / this.tickMs);
    if (due <= this.delivered) return 0;
    const count = Math.min(due - this.delivered, this.lazy!.catchUpTicksMax);
    this.delivered = due;
    for (let i = 0; i < count; i++) this.bus.publish({ type: 'timer.tick' });
    return count;
  }

  /** Makes sure the timer wakes by `ticks` ticks after the last delivered one (never later than idleTicksMax). */
  private armFor(ticks: number): void {
    const target = this.delivered + Math.max(1, Math.min(ticks, this.lazy!.idleTicksMax));
    if (this.armedTick !== null && this.armedTick <= target) return;
    this.cancelArm?.();
    this.armedTick = target;
    // Rounded up, plus one: a timer that fires a hair before the tick would find nothing due.
    const ms = Math.max(0, Math.ceil(this.origin + target * this.tickMs - this.clock.now!()) + 1);
    this.cancelArm = this.clock.after!(ms, () => {
      this.armedTick = null;
      this.cancelArm = null;
      // The ticks it delivers step the core, and raft.ready then sets the timer for the next deadline.
      if (this.catchUp() > 0) this.armFor(this.lazy!.idleTicksMax);
      else this.armFor(1);
    });
  }
}
