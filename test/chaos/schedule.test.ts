import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { bridge, cutBetween, halves, isCut, isolate, oneWay } from '../../src/chaos/partitions.js';
import { Rng } from '../../src/chaos/rng.js';
import { reproduceCommand } from '../../src/chaos/report.js';
import { countKinds, FAULT_KINDS, planSchedule, type ScheduleOptions } from '../../src/chaos/schedule.js';

const base: ScheduleOptions = { durationMs: 90_000, kinds: FAULT_KINDS, faultMs: [2_000, 6_000], healMs: [1_500, 4_000] };

describe('planSchedule', () => {
  it('keeps faults one at a time, separated by healthy gaps, and inside the run', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: 1_000, max: 300_000 }), (seed, durationMs) => {
        const faults = planSchedule({ ...base, durationMs }, new Rng(seed));
        let healthyFrom = 0;
        for (const fault of faults) {
          expect(fault.startMs - healthyFrom).toBeGreaterThanOrEqual(base.healMs[0]);
          expect(fault.durationMs).toBeGreaterThanOrEqual(base.faultMs[0]);
          expect(fault.durationMs).toBeLessThanOrEqual(base.faultMs[1]);
          healthyFrom = fault.startMs + fault.durationMs;
          expect(healthyFrom).toBeLessThanOrEqual(durationMs);
        }
      }),
    );
  });

  it('uses every kind in each round, so a 90 s run sees every kind at least once', () => {
    for (let seed = 1; seed <= 50; seed++) {
      const faults = planSchedule(base, new Rng(seed));
      const firstRound = faults.slice(0, FAULT_KINDS.length).map((f) => f.kind);
      expect(new Set(firstRound).size).toBe(FAULT_KINDS.length);
      expect(Object.values(countKinds(faults)).every((n) => n >= 1)).toBe(true);
    }
  });

  it('is a function of the seed', () => {
    expect(planSchedule(base, new Rng(7))).toEqual(planSchedule(base, new Rng(7)));
    expect(planSchedule(base, new Rng(7))).not.toEqual(planSchedule(base, new Rng(8)));
  });

  it('draws only the kinds asked for, and refuses nonsense ranges', () => {
    const faults = planSchedule({ ...base, kinds: ['pause'] }, new Rng(3));
    expect(faults.length).toBeGreaterThan(5);
    expect(faults.every((f) => f.kind === 'pause')).toBe(true);
    expect(() => planSchedule({ ...base, kinds: [] }, new Rng(1))).toThrow(/at least one fault kind/);
    expect(() => planSchedule({ ...base, faultMs: [5, 1] }, new Rng(1))).toThrow(/min <= max/);
  });
});

describe('partitions', () => {
  const three = ['n1', 'n2', 'n3'];
  const five = ['n1', 'n2', 'n3', 'n4', 'n5'];

  it('cutBetween cuts every cross-group link both ways and nothing inside a group', () => {
    const cut = cutBetween([['n1', 'n2'], ['n3']]);
    expect(cut).toHaveLength(4);
    expect(isCut(cut, 'n1', 'n3') && isCut(cut, 'n3', 'n1') && isCut(cut, 'n2', 'n3')).toBe(true);
    expect(isCut(cut, 'n1', 'n2')).toBe(false);
  });

  it('halves leaves a connected majority and a minority of floor(n/2)', () => {
    for (let seed = 0; seed < 20; seed++) {
      const p = halves(five, new Rng(seed));
      const [majority, minority] = p.description.split(' | ').map((side) => side.split(' '));
      expect(minority).toHaveLength(2);
      expect(majority).toHaveLength(3);
      expect(p.cut).toHaveLength(2 * 2 * 3);
    }
  });

  it('isolate cuts one node both ways from everyone', () => {
    const p = isolate(three, 'n2');
    expect(p.cut).toHaveLength(4);
    expect(three.filter((n) => n !== 'n2').every((n) => isCut(p.cut, n, 'n2') && isCut(p.cut, 'n2', n))).toBe(true);
  });

  it('bridge keeps the middle node connected to both sides, which cannot talk', () => {
    for (let seed = 0; seed < 20; seed++) {
      for (const nodes of [three, five]) {
        const p = bridge(nodes, new Rng(seed));
        const middle = p.description.split(' <-> ')[1]!;
        expect(nodes.every((n) => !isCut(p.cut, middle, n) && !isCut(p.cut, n, middle))).toBe(true);
        expect(p.cut.length).toBeGreaterThan(0);
      }
    }
  });

  it('oneWay cuts exactly one direction between the target and each other node', () => {
    const directions = new Set<string>();
    for (let seed = 0; seed < 20; seed++) {
      const p = oneWay(three, 'n1', new Rng(seed));
      expect(p.cut).toHaveLength(2);
      for (const link of p.cut) expect(isCut(p.cut, link.to, link.from)).toBe(false);
      directions.add(p.cut[0]!.from === 'n1' ? 'out' : 'in');
    }
    expect(directions).toEqual(new Set(['in', 'out']));
  });
});

describe('reproduceCommand', () => {
  it('names the seed and every option the schedule and the clients are drawn from', () => {
    const command = reproduceCommand({
      runId: 'r',
      seed: 42,
      dir: '/tmp/r',
      nodes: 5,
      clients: 6,
      keys: 5,
      durationMs: 90_000,
      mechanism: { mechanism: 'iptables', reason: 'root and iptables usable' },
      faults: ['membership', 'rolling'],
      faultMs: [2_000, 6_000],
      healMs: [1_500, 4_000],
      rate: 150,
    });
    expect(command).toBe(
      'npm run chaos -- --seed 42 --minutes 1.5 --nodes 5 --clients 6 --keys 5 --rate 150 --faults membership,rolling --fault-ms 2000-6000 --heal-ms 1500-4000 --mechanism iptables',
    );
  });
});
