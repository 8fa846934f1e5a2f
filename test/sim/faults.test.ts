/** Fault classes, random schedules, and the pause, trap and membership faults on a live cluster. */
import { describe, expect, test } from 'vitest';
import { SimCluster } from '../../src/sim/cluster.js';
import { DEFAULT_DISK_TIMING } from '../../src/sim/disk.js';
import { runSimulation } from '../../src/sim/run.js';
import { ALL_FAULTS, isMembershipChange, MEMBERSHIP_SHARE, parseFaults, randomSchedule, validateSchedule } from '../../src/sim/faults.js';
import { learnersOf, votersOf } from '../../src/raft/membership/config.js';
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

  test('only the requested classes appear (membership changes aside)', () => {
    const types = new Set(randomSchedule(new Rng(3), 3, { net: false, crash: true, disk: false }, 20_000).filter((x) => !isMembershipChange(x)).map((x) => x.type));
    expect([...types].every((t) => t === 'crash' || t === 'restart' || t === 'trapLeader')).toBe(true);
  });

  test('a fixed share of seeds changes membership, under every fault class', () => {
    for (const spec of ['net', 'crash', 'disk', 'none', 'all']) {
      const seeds = 300;
      let changing = 0;
      for (let seed = 1; seed <= seeds; seed++) {
        const schedule = randomSchedule(new Rng(seed), 3, parseFaults(spec), 5_000);
        expect(validateSchedule(schedule, 3)).toEqual([]);
        if (schedule.some(isMembershipChange)) changing++;
      }
      expect(Math.abs(changing / seeds - MEMBERSHIP_SHARE), spec).toBeLessThan(0.1);
    }
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
    expect(cluster.known().filter((n) => !n.up)).toHaveLength(2);
  });
});

describe('membership faults', () => {
  test('a spare joins as a learner, is promoted, a founder leaves and keeps running, and the cluster goes on', async () => {
    const cluster = await clusterWithLeader(21);
    const leaderConfig = () => cluster.leader()!.parts!.core.view().config!;
    cluster.apply({ at: cluster.loop.now, type: 'addLearner', node: 3 });
    await cluster.loop.runUntil(1_500);
    expect(learnersOf(leaderConfig())).toEqual(['n4']);
    cluster.apply({ at: cluster.loop.now, type: 'promote', node: 3 });
    await cluster.loop.runUntil(2_000);
    expect(votersOf(leaderConfig()).sort()).toEqual(['n1', 'n2', 'n3', 'n4']);
    const gone = cluster.nodes.find((n) => n !== cluster.leader() && n.id !== 'n4')!;
    cluster.apply({ at: cluster.loop.now, type: 'removeMember', node: cluster.nodes.indexOf(gone) });
    await cluster.loop.runUntil(2_500);
    expect(votersOf(leaderConfig())).not.toContain(gone.id);
    expect(leaderConfig().removed).toEqual([gone.id]);
    // The removed node still runs; the members ignore it and the cluster keeps its leader.
    expect(gone.up).toBe(true);
    const term = cluster.leader()!.parts!.core.view().term;
    await cluster.loop.runUntil(4_000);
    expect(cluster.leader()!.parts!.core.view().term).toBe(term);
    expect(cluster.membership).toMatchObject({ proposed: 3, abandoned: 0 });
    expect(cluster.clientNodeIds()).not.toContain(gone.id);
  });

  test('the leader removing itself hands over; a change asked with no leader waits for the next one', async () => {
    const cluster = await clusterWithLeader(22);
    const old = cluster.leader()!;
    cluster.apply({ at: cluster.loop.now, type: 'removeMember', node: 'leader' });
    await cluster.loop.runUntil(2_000);
    const next = cluster.leader()!;
    expect(next).not.toBe(old);
    expect(votersOf(next.parts!.core.view().config!)).not.toContain(old.id);
    // Every member isolated: no leader for a while; the join waits, then goes to whoever is elected.
    cluster.apply({ at: cluster.loop.now, type: 'partition', groups: cluster.nodes.map((_, i) => [i]) });
    await cluster.loop.runUntil(3_000);
    cluster.apply({ at: cluster.loop.now, type: 'addLearner', node: 4 });
    cluster.apply({ at: cluster.loop.now, type: 'heal' });
    await cluster.loop.runUntil(5_000);
    expect(learnersOf(cluster.leader()!.parts!.core.view().config!)).toEqual(['n5']);
  });
});

describe('membership regressions', () => {
  test('a node whose uncommitted entry removes the next leader still hears it, and catches up once that entry is overwritten', async () => {
    // Found by the simulator (seed 95 of a 200-seed run, shrunk by fast-check): refusing a member as
    // soon as an entry removing it was appended left n2 deaf to n1, which led again without that entry.
    const result = await runSimulation({
      seed: 1,
      nodes: 3,
      faults: ALL_FAULTS,
      schedule: [
        { at: 0, type: 'oneway', from: 2, to: 1 },
        { at: 217, type: 'removeMember', node: 'leader' },
      ],
    });
    expect(result.failure).toBeNull();
  });
});
