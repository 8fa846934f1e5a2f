/** Fault classes, random schedules, and the pause and trap faults on a live cluster. */
import { describe, expect, test } from 'vitest';
import { SimCluster } from '../../src/sim/cluster.js';
import { DEFAULT_DISK_TIMING } from '../../src/sim/disk.js';
import { ALL_FAULTS, parseFaults, randomSchedule, validateSchedule } from '../../src/sim/faults.js';
import { Rng } from '../../src/sim/rng.js';

describe('fault specs and schedules', () => {
  test('fault classes parse, and unknown ones are coded errors', () => {
    expect(parseFaults('all')).toEqual({ net: true, crash: true, disk: true });
    expect(parseFaults('net, crash')).toEqual({ net: true, crash: true, disk: false });
    expect(() => parseFaults('net,fire')).toThrow(expect.objectContaining({ code: 'SIM_BAD_FAULTS' }));
  });

  test('a random schedule is sorted, valid and decided by its seed', () => {
    const a = randomSchedule(new Rng(9), 5, ALL_FAULTS, 5_000);
    const b = randomSchedule(new Rng(9), 5, ALL_FAULTS, 5_000);
    expect(a).toEqual(b);
    expect(a.length).toBeGreaterThan(3);
    expect(a.map((x) => x.at)).toEqual([...a.map((x) => x.at)].sort((x, y) => x - y));
    expect(validateSchedule(a, 5)).toEqual([]);
    expect(validateSchedule([{ at: 1, type: 'crash', node: 7 }], 5)).toHaveLength(1);
  });

  test('only the requested classes appear', () => {
    const types = new Set(randomSchedule(new Rng(3), 3, { net: false, crash: true, disk: false }, 20_000).map((x) => x.type));
    expect([...types].every((t) => t === 'crash' || t === 'restart' || t === 'trapLeader')).toBe(true);
  });
});

async function clusterWithLeader(seed: number): Promise<SimCluster> {
  const cluster = new SimCluster(seed, 3, DEFAULT_DISK_TIMING, false);
  cluster.startAll();
  await cluster.loop.runUntil(1_000);
  expect(cluster.leader()).toBeDefined();
  return cluster;
}

describe('pause and trap faults', () => {
  test('a paused leader is replaced, sees nothing while frozen, and steps down when it wakes', async () => {
    const cluster = await clusterWithLeader(11);
    const old = cluster.leader()!;
    const term = old.parts!.core.view().term;
    const delivered = old.delivered;
    cluster.apply({ at: cluster.loop.now, type: 'pause', node: 'leader', ms: 1_000 });
    await cluster.loop.runUntil(1_900);
    expect(old.delivered).toBe(delivered);
    expect(old.parts!.core.view()).toMatchObject({ role: 'leader', term });
    const next = cluster.leader()!;
    expect(next).not.toBe(old);
    expect(next.parts!.core.view().term).toBeGreaterThan(term);
    await cluster.loop.runUntil(2_600);
    expect(old.parts!.core.view().role).toBe('follower');
  });

  test('a trap crashes the next node to become leader', async () => {
    const cluster = await clusterWithLeader(12);
    const crashesBefore = cluster.crashes;
    cluster.apply({ at: cluster.loop.now, type: 'trapLeader', then: 'crash', delayMs: 0 });
    cluster.apply({ at: cluster.loop.now, type: 'crash', node: 'leader' });
    await cluster.loop.runUntil(2_500);
    // The old leader's crash, then the trapped successor's.
    expect(cluster.crashes).toBe(crashesBefore + 2);
    expect(cluster.nodes.filter((n) => !n.up)).toHaveLength(2);
  });
});
