/**
 * Virtual time and the event loop. Everything that happens in a simulated
 * cluster is an action on this loop's agenda, run in (time, insertion) order.
 * Nothing waits on the wall clock: time jumps to the next action.
 *
 * The actors talk to storage through Promises. The simulated disks settle
 * those promises only from actions on this loop and then call markSettled();
 * the loop lets every microtask run (one setImmediate turn, which Node starts
 * only after the microtask queue is empty) before the next action, so promise
 * callbacks happen at the virtual time of the settlement, in a fixed order.
 */
import { EventQueue } from './event-queue.js';

export class SimLoop {
  private readonly queue = new EventQueue();
  private settled = false;
  /** Current virtual time in milliseconds. */
  now = 0;
  /** Actions run so far. */
  actions = 0;

  at(time: number, run: () => void): void {
    this.queue.push(Math.max(time, this.now), run);
  }

  after(delayMs: number, run: () => void): void {
    this.at(this.now + delayMs, run);
  }

  /** A promise was settled by the current action: run microtasks before the next one. */
  markSettled(): void {
    this.settled = true;
  }

  pending(): number {
    return this.queue.size;
  }

  /**
   * Runs actions up to and including virtual time `until`, stopping early when
   * `stop` returns true after an action. Time ends at `until` unless stopped.
   */
  async runUntil(until: number, stop?: () => boolean): Promise<void> {
    for (;;) {
      const next = this.queue.peekTime();
      if (next === undefined || next > until) break;
      const item = this.queue.pop()!;
      this.now = item.time;
      this.actions++;
      item.run();
      if (this.settled) {
        this.settled = false;
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      if (stop?.()) return;
    }
    this.now = Math.max(this.now, until);
  }
}
