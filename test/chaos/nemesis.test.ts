/** The nemesis against fakes: it injects each scheduled fault, prefers the leader, and always heals. */
import { describe, expect, it } from 'vitest';
import type { ChaosCluster } from '../../src/chaos/cluster.js';
import { Nemesis } from '../../src/chaos/nemesis.js';
import type { NetFaults } from '../../src/chaos/net-faults.js';
import type { Link } from '../../src/chaos/partitions.js';
import { Rng } from '../../src/chaos/rng.js';
import { FAULT_KINDS, type ScheduledFault } from '../../src/chaos/schedule.js';

class FakeNode {
  running = true;
  paused = false;
  constructor(readonly events: string[], readonly id: string) {}
  async kill(): Promise<void> {
    this.running = false;
    this.events.push(`kill ${this.id}`);
  }
  start(): void {
    this.running = true;
    this.events.push(`start ${this.id}`);
  }
  pause(): void {
    this.paused = true;
    this.events.push(`pause ${this.id}`);
  }
  resume(): void {
    this.paused = false;
    this.events.push(`resume ${this.id}`);
  }
}

function fakes(leader: string | null): { cluster: ChaosCluster; net: NetFaults; events: string[]; cuts: Link[][] } {
  const events: string[] = [];
  const cuts: Link[][] = [];
  const nodes = new Map(['n1', 'n2', 'n3'].map((id) => [id, new FakeNode(events, id)]));
  const cluster = { ids: [...nodes.keys()], node: (id: string) => nodes.get(id)!, leader: async () => leader } as unknown as ChaosCluster;
  const net: NetFaults = {
    mechanism: 'proxy',
    apply: async (cut) => {
      cuts.push([...cut]);
      events.push(cut.length === 0 ? 'heal net' : `cut ${cut.length}`);
    },
    close: async () => {},
  };
  return { cluster, net, events, cuts };
}

const clock = (): (() => number) => {
  const start = performance.now();
  return () => performance.now() - start;
};

describe('Nemesis', () => {
  it('injects every kind in schedule order and heals each before the next', async () => {
    const { cluster, net, events } = fakes('n2');
    const nemesis = new Nemesis(cluster, net, new Rng(1), clock());
    const schedule: ScheduledFault[] = FAULT_KINDS.map((kind, i) => ({ kind, startMs: i * 5, durationMs: 2 }));
    await nemesis.run(schedule, new AbortController().signal);
    expect(nemesis.log.map((r) => r.kind)).toEqual([...FAULT_KINDS]);
    expect(nemesis.log.every((r) => r.healedMs !== null && r.healedMs >= r.startedMs)).toBe(true);
    const killAt = events.findIndex((e) => e.startsWith('kill'));
    expect(events[killAt + 1]).toMatch(/^start /);
    const pauseAt = events.findIndex((e) => e.startsWith('pause'));
    expect(events[pauseAt + 1]).toMatch(/^resume /);
    expect(events.filter((e) => e.startsWith('cut')).length).toBe(4);
    expect(events.filter((e) => e === 'heal net').length).toBe(4);
  });

  it('prefers the leader for kills and pauses', async () => {
    const { cluster, net } = fakes('n3');
    const nemesis = new Nemesis(cluster, net, new Rng(5), clock());
    const schedule: ScheduledFault[] = Array.from({ length: 40 }, (_, i) => ({ kind: i % 2 ? 'kill' : 'pause', startMs: 0, durationMs: 0 }));
    await nemesis.run(schedule, new AbortController().signal);
    const onLeader = nemesis.log.filter((r) => r.target === 'n3').length;
    expect(onLeader).toBeGreaterThan(20);
    expect(onLeader).toBeLessThan(40);
    expect(nemesis.log.filter((r) => r.target === 'n3').every((r) => r.wasLeader)).toBe(true);
  });

  it('heals the fault in progress when aborted, and starts no more', async () => {
    const { cluster, net, events } = fakes(null);
    const nemesis = new Nemesis(cluster, net, new Rng(2), clock());
    const stop = new AbortController();
    const schedule: ScheduledFault[] = [
      { kind: 'halves', startMs: 0, durationMs: 60_000 },
      { kind: 'kill', startMs: 60_001, durationMs: 10 },
    ];
    const running = nemesis.run(schedule, stop.signal);
    while (nemesis.log.length === 0) await new Promise((resolve) => setImmediate(resolve));
    stop.abort();
    await running;
    expect(events).toEqual(['cut 4', 'heal net']);
  });
});
