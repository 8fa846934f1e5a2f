/**
 * The nemesis against fakes: it injects each scheduled fault, prefers the leader, and
 * always heals; a membership fault removes its target and adds a fresh node at heal, a
 * rolling restart restarts every member once, and a procedure that overruns moves the
 * later faults back instead of eating their healthy gaps.
 */
import { describe, expect, it } from 'vitest';
import type { ChaosCluster } from '../../src/chaos/cluster.js';
import type { Reconfigurer } from '../../src/chaos/membership.js';
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

function fakes(leader: string | null): { cluster: ChaosCluster; net: NetFaults; events: string[]; cuts: Link[][]; ids: string[] } {
  const events: string[] = [];
  const cuts: Link[][] = [];
  const nodes = new Map(['n1', 'n2', 'n3'].map((id) => [id, new FakeNode(events, id)]));
  const ids = [...nodes.keys()];
  const cluster = { ids, node: (id: string) => nodes.get(id)!, leader: async () => leader } as unknown as ChaosCluster;
  const net: NetFaults = {
    mechanism: 'proxy',
    apply: async (cut) => {
      cuts.push([...cut]);
      events.push(cut.length === 0 ? 'heal net' : `cut ${cut.length}`);
    },
    close: async () => {},
    addNode: () => {},
  };
  return { cluster, net, events, cuts, ids };
}

/** Removes and adds in the fake cluster's id list, like the real driver; `failRemove` makes removals throw. */
class FakeMembers implements Reconfigurer {
  private next = 4;
  constructor(
    readonly events: string[],
    readonly ids: string[],
    readonly options: { failRemove?: boolean; restartMs?: number } = {},
  ) {}
  async remove(id: string): Promise<string[]> {
    if (this.options.failRemove) throw new Error(`MEMBERSHIP_FAILED: REMOVE ${id} not done`);
    this.ids.splice(this.ids.indexOf(id), 1);
    this.events.push(`remove ${id}`);
    return [`removed ${id}`];
  }
  async addFresh(): Promise<{ id: string; notes: string[] }> {
    const id = `n${this.next++}`;
    this.ids.push(id);
    this.events.push(`add ${id}`);
    return { id, notes: [`promoted ${id}`] };
  }
  async restart(id: string): Promise<string[]> {
    if (this.options.restartMs) await new Promise((resolve) => setTimeout(resolve, this.options.restartMs));
    this.events.push(`restart ${id}`);
    return [`${id} restarted`];
  }
}

const clock = (): (() => number) => {
  const start = performance.now();
  return () => performance.now() - start;
};

describe('Nemesis', () => {
  it('injects every kind in schedule order and heals each before the next', async () => {
    const { cluster, net, events, ids } = fakes('n2');
    const nemesis = new Nemesis(cluster, net, new Rng(1), clock(), () => {}, new FakeMembers(events, ids));
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
    expect(nemesis.log.every((r) => r.problems.length === 0)).toBe(true);
  });

  it('replaces a member (the leader preferred) by a fresh node at heal, and restarts every member in a rolling restart', async () => {
    const { cluster, net, events, ids } = fakes('n2');
    const nemesis = new Nemesis(cluster, net, new Rng(3), clock(), () => {}, new FakeMembers(events, ids));
    const schedule: ScheduledFault[] = [
      { kind: 'membership', startMs: 0, durationMs: 5 },
      { kind: 'membership', startMs: 10, durationMs: 5 },
      { kind: 'rolling', startMs: 20, durationMs: 1 },
    ];
    await nemesis.run(schedule, new AbortController().signal);
    const [first, second, roll] = nemesis.log;
    expect(first!.target).toMatch(/^n\d -> n4$/);
    expect(second!.target).toMatch(/^n\d -> n5$/);
    expect(events.slice(0, 4)).toEqual([`remove ${first!.target.split(' ')[0]}`, 'add n4', `remove ${second!.target.split(' ')[0]}`, 'add n5']);
    expect(ids).toHaveLength(3);
    // The roll goes over the members of the moment, each once, in the order it logs.
    expect(roll!.target.split(' ').sort()).toEqual([...ids].sort());
    expect(events.slice(4)).toEqual(roll!.target.split(' ').map((id) => `restart ${id}`));
    expect(roll!.notes).toHaveLength(3);
  });

  it('records a step that cannot be completed as a problem, and adds no node for a removal that failed', async () => {
    const { cluster, net, events, ids } = fakes('n1');
    const nemesis = new Nemesis(cluster, net, new Rng(4), clock(), () => {}, new FakeMembers(events, ids, { failRemove: true }));
    await nemesis.run([{ kind: 'membership', startMs: 0, durationMs: 1 }], new AbortController().signal);
    expect(nemesis.log[0]!.problems).toEqual([expect.stringMatching(/MEMBERSHIP_FAILED: REMOVE n\d not done/)]);
    expect(events).toEqual([]);
    expect(ids).toEqual(['n1', 'n2', 'n3']);
  });

  it('moves later faults back by a procedure\'s overrun, keeping the planned healthy gap', async () => {
    const { cluster, net, events, ids } = fakes('n1');
    const now = clock();
    const nemesis = new Nemesis(cluster, net, new Rng(6), now, () => {}, new FakeMembers(events, ids, { restartMs: 40 }));
    // The roll takes about 120 ms where 1 ms was planned; the pause was planned 20 ms after its planned end.
    await nemesis.run([{ kind: 'rolling', startMs: 0, durationMs: 1 }, { kind: 'pause', startMs: 21, durationMs: 1 }], new AbortController().signal);
    const [roll, pause] = nemesis.log;
    expect(pause!.startedMs - roll!.healedMs!).toBeGreaterThanOrEqual(19);
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
