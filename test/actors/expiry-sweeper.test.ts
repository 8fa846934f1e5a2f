import { describe, expect, it } from 'vitest';
import { MessageBus, synchronousScheduler } from '../../src/bus/bus.js';
import type { BusEvent } from '../../src/bus/events.js';
import { ExpirySweeper, SWEEP_INTERVAL_MAX_TICKS, SWEEP_INTERVAL_TICKS } from '../../src/actors/expiry-sweeper.js';

/** A leader's sweeper; `pages` answers each sweep with that many expired keys (0: none). */
function leaderSweeper(pages: (sweep: number) => number) {
  const bus = new MessageBus(synchronousScheduler);
  new ExpirySweeper(bus);
  const sweptAt: number[] = [];
  const proposals: BusEvent[] = [];
  let tick = 0;
  bus.on('storage.query', (e) => {
    sweptAt.push(tick);
    const keys = Array.from({ length: pages(sweptAt.length) }, (_, i) => Buffer.from(`k${i}`));
    bus.publish({ type: 'storage.queryResult', id: e.id, result: { type: 'expired', keys, next: null, now: 1 } });
  });
  bus.on('raft.propose', (e) => proposals.push(e));
  bus.publish({ type: 'raft.status', role: 'leader', term: 1, leader: 'n1', commitIndex: 0, firstIndex: 1, lastIndex: 0 });
  const run = (ticks: number): void => {
    for (let i = 0; i < ticks; i++) {
      tick++;
      bus.publish({ type: 'timer.tick' });
    }
  };
  return { run, sweptAt, proposals };
}

function gaps(at: readonly number[]): number[] {
  return at.slice(1).map((t, i) => t - at[i]!);
}

describe('ExpirySweeper', () => {
  it('sweeps every SWEEP_INTERVAL_TICKS while pages find expired keys, proposing their deletion', () => {
    const s = leaderSweeper(() => 3);
    s.run(SWEEP_INTERVAL_TICKS * 5);
    expect(gaps(s.sweptAt)).toEqual([SWEEP_INTERVAL_TICKS, SWEEP_INTERVAL_TICKS, SWEEP_INTERVAL_TICKS, SWEEP_INTERVAL_TICKS]);
    expect(s.proposals).toHaveLength(5);
  });

  it('doubles the wait after each empty page up to SWEEP_INTERVAL_MAX_TICKS, and returns to the short one once keys expire', () => {
    let expiredFrom = Infinity;
    const s = leaderSweeper((sweep) => (sweep >= expiredFrom ? 1 : 0));
    s.run(1000);
    const waits = gaps(s.sweptAt);
    expect(waits.slice(0, 4)).toEqual([20, 40, 80, SWEEP_INTERVAL_MAX_TICKS]);
    expect(new Set(waits.slice(4))).toEqual(new Set([SWEEP_INTERVAL_MAX_TICKS]));
    expect(s.proposals).toHaveLength(0);
    expiredFrom = s.sweptAt.length + 1;
    s.run(SWEEP_INTERVAL_MAX_TICKS + 3 * SWEEP_INTERVAL_TICKS);
    expect(gaps(s.sweptAt).slice(-3)).toEqual([SWEEP_INTERVAL_TICKS, SWEEP_INTERVAL_TICKS, SWEEP_INTERVAL_TICKS]);
    expect(s.proposals.length).toBeGreaterThanOrEqual(3);
  });

  it('a follower never sweeps', () => {
    const bus = new MessageBus(synchronousScheduler);
    new ExpirySweeper(bus);
    let queries = 0;
    bus.on('storage.query', () => queries++);
    for (let i = 0; i < 500; i++) bus.publish({ type: 'timer.tick' });
    expect(queries).toBe(0);
  });
});
