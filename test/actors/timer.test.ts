/**
 * The Timer actor's lazy ticks: it sleeps until the core's next deadline (or
 * idleTicksMax), and every input from the world first meets the ticks the
 * 10 ms grid had before it, exactly as if each tick had fired on its own.
 */
import { describe, expect, it } from 'vitest';
import { TimerActor, type Clock } from '../../src/actors/timer.js';
import { MessageBus, synchronousScheduler } from '../../src/bus/bus.js';

/** A clock whose time moves only when told, with one-shot timers fired as it passes them. */
class ManualClock implements Clock {
  time = 1_000;
  private timers: Array<{ at: number; fn: () => void; live: boolean }> = [];
  wakeUps = 0;

  now(): number {
    return this.time;
  }
  every(): () => void {
    throw new Error('a lazy timer sets no interval');
  }
  after(ms: number, fn: () => void): () => void {
    const timer = { at: this.time + ms, fn, live: true };
    this.timers.push(timer);
    return () => (timer.live = false);
  }
  /** Moves time forward to `to`, firing due timers in order. */
  advanceTo(to: number): void {
    for (;;) {
      const next = this.timers.filter((t) => t.live && t.at <= to).sort((a, b) => a.at - b.at)[0];
      if (next === undefined) break;
      this.time = next.at;
      next.live = false;
      this.wakeUps++;
      next.fn();
    }
    this.timers = this.timers.filter((t) => t.live);
    this.time = to;
  }
}

function lazyTimer(ticksUntilDue: () => number, idleTicksMax = 10) {
  const bus = new MessageBus(synchronousScheduler);
  const clock = new ManualClock();
  const seen: string[] = [];
  let ticks = 0;
  bus.on('timer.tick', () => {
    ticks++;
    seen.push('tick');
    bus.publish({ type: 'raft.ready' }); // as the RaftNode actor does after stepping the core
  });
  bus.on('client.closed', (e) => seen.push(`input ${e.conn} after ${ticks} ticks`));
  const timer = new TimerActor(bus, clock, 10, { ticksUntilDue, idleTicksMax, catchUpTicksMax: 1_000 });
  timer.start();
  return { bus, clock, seen, timer, ticks: () => ticks };
}

describe('TimerActor, lazy', () => {
  it('an input meets every tick the grid had before it, however long the timer slept', () => {
    const t = lazyTimer(() => 1_000, 1_000);
    t.clock.advanceTo(1_000 + 73);
    t.bus.publish({ type: 'client.closed', conn: 1 });
    t.clock.advanceTo(1_000 + 79);
    t.bus.publish({ type: 'client.closed', conn: 2 });
    t.clock.advanceTo(1_000 + 80);
    t.bus.publish({ type: 'client.closed', conn: 3 });
    expect(t.seen.filter((s) => s !== 'tick')).toEqual(['input 1 after 7 ticks', 'input 2 after 7 ticks', 'input 3 after 8 ticks']);
    expect(t.clock.wakeUps).toBe(0);
  });

  it('wakes for the deadline the core names, not for every tick', () => {
    let due = 5; // a leader's heartbeat every 5 ticks
    const t = lazyTimer(() => due);
    t.clock.advanceTo(1_000 + 1_005); // a timer fires a millisecond after its tick, so none fires early
    expect(t.ticks()).toBe(100);
    // The first wake is the idle bound (10 ticks); from then on one every 5 ticks.
    expect(t.clock.wakeUps).toBeLessThanOrEqual(100 / 5 + 1);
    expect(t.clock.wakeUps).toBeGreaterThanOrEqual(100 / 10);
    // An input cuts the election timer to one tick (the closed-connection hint): after the core
    // steps it, raft.ready comes, and the timer must wake for that tick, not its earlier plan.
    due = 1;
    t.bus.publish({ type: 'raft.ready' });
    const before = t.ticks();
    t.clock.advanceTo(1_000 + 1_016);
    expect(t.ticks()).toBe(before + 1);
  });

  it('sleeps at most idleTicksMax when the core has nothing due', () => {
    const t = lazyTimer(() => 1_000, 10);
    t.clock.advanceTo(1_000 + 1_005);
    expect(t.ticks()).toBe(100);
    expect(t.clock.wakeUps).toBe(10);
  });

  it('after a long pause delivers at most catchUpTicksMax, and stops cleanly', () => {
    const t = lazyTimer(() => 1_000, 1_000_000);
    t.clock.time += 60_000;
    t.bus.publish({ type: 'client.closed', conn: 1 });
    expect(t.ticks()).toBe(1_000);
    t.timer.stop();
    t.clock.advanceTo(t.clock.time + 10_000);
    t.bus.publish({ type: 'client.closed', conn: 2 });
    expect(t.ticks()).toBe(1_000);
  });
});
