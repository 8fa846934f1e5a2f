/** The simulator's own parts: agenda order, virtual time, clock, network and disk. */
import { encodeRecord } from '../../src/kv/record.js';
import { describe, expect, test } from 'vitest';
import { EventQueue } from '../../src/sim/event-queue.js';
import { SimLoop } from '../../src/sim/loop.js';
import { VirtualClock } from '../../src/sim/clock.js';
import { CALM_NETWORK, SimNetwork } from '../../src/sim/network.js';
import { SimDisk, type DiskObserver } from '../../src/sim/disk.js';
import { Rng } from '../../src/sim/rng.js';
import type { Message } from '../../src/raft/types.js';
import type { Entry, HardState } from '../../src/raft/types.js';

const heartbeat = (from: string, to: string): Message => ({ type: 'Heartbeat', from, to, term: 1, commit: 0, readRound: 0 });
const entry = (index: number, term: number): Entry => ({ index, term, type: 0, data: new Uint8Array(0) });

describe('EventQueue', () => {
  test('pops by time, then by insertion order', () => {
    const q = new EventQueue();
    const order: string[] = [];
    q.push(5, () => order.push('b'));
    q.push(1, () => order.push('a'));
    q.push(5, () => order.push('c'));
    q.push(3, () => order.push('x'));
    while (q.size > 0) q.pop()!.run();
    expect(order).toEqual(['a', 'x', 'b', 'c']);
  });

  test('stays a heap over many random pushes', () => {
    const q = new EventQueue();
    const rng = new Rng(1);
    for (let i = 0; i < 500; i++) q.push(rng.int(0, 50), () => {});
    let last = -1;
    while (q.size > 0) {
      const t = q.peekTime()!;
      expect(t).toBeGreaterThanOrEqual(last);
      last = t;
      q.pop();
    }
  });
});

describe('SimLoop and VirtualClock', () => {
  test('time jumps to each action; runUntil ends at its limit', async () => {
    const loop = new SimLoop();
    const seen: number[] = [];
    loop.at(10, () => seen.push(loop.now));
    loop.after(3, () => loop.after(4, () => seen.push(loop.now)));
    await loop.runUntil(100);
    expect(seen).toEqual([7, 10]);
    expect(loop.now).toBe(100);
  });

  test('promise callbacks of a settled action run before the next action', async () => {
    const loop = new SimLoop();
    const order: string[] = [];
    let resolve!: () => void;
    void new Promise<void>((r) => (resolve = r)).then(() => order.push('callback')).then(() => order.push('chained'));
    loop.at(1, () => {
      resolve();
      loop.markSettled();
    });
    loop.at(1, () => order.push('next action'));
    await loop.runUntil(5);
    expect(order).toEqual(['callback', 'chained', 'next action']);
  });

  test('a virtual clock ticks every period from its phase until cancelled', async () => {
    const loop = new SimLoop();
    const ticks: number[] = [];
    const cancel = new VirtualClock(loop, 3).every(10, () => ticks.push(loop.now));
    await loop.runUntil(35);
    cancel();
    await loop.runUntil(100);
    expect(ticks).toEqual([3, 13, 23, 33]);
  });
});

describe('SimNetwork', () => {
  const address = (id: string) => ({ id, host: `${id}.sim`, port: 7000 });
  const transportOf = (net: SimNetwork, id: string) =>
    net.transport(id, { address: address(id), peers: ['a', 'b'].filter((other) => other !== id).map(address) });
  function setup(): { loop: SimLoop; net: SimNetwork; got: Message[] } {
    const loop = new SimLoop();
    const net = new SimNetwork(loop, new Rng(5));
    const got: Message[] = [];
    void transportOf(net, 'a').start(() => {});
    void transportOf(net, 'b').start((m) => got.push(m));
    return { loop, net, got };
  }

  test('delivers after a delay within the configured range', async () => {
    const { loop, net, got } = setup();
    const a = transportOf(net, 'a');
    void a.start(() => {});
    a.send(heartbeat('a', 'b'));
    await loop.runUntil(CALM_NETWORK.delayMsMin / 2);
    expect(got).toHaveLength(0);
    await loop.runUntil(CALM_NETWORK.delayMsMax);
    expect(got).toHaveLength(1);
  });

  test('a one-way cut drops one direction only; heal restores it', async () => {
    const { loop, net, got } = setup();
    const a = transportOf(net, 'a');
    const gotA: Message[] = [];
    void a.start((m) => gotA.push(m));
    const b = transportOf(net, 'b');
    void b.start((m) => got.push(m));
    net.cutLink('a', 'b');
    a.send(heartbeat('a', 'b'));
    b.send(heartbeat('b', 'a'));
    await loop.runUntil(50);
    expect(got).toHaveLength(0);
    expect(gotA).toHaveLength(1);
    net.healAll();
    a.send(heartbeat('a', 'b'));
    await loop.runUntil(100);
    expect(got).toHaveLength(1);
  });

  test('a partition also drops messages already in flight across it', async () => {
    const { loop, net, got } = setup();
    const a = transportOf(net, 'a');
    void a.start(() => {});
    a.send(heartbeat('a', 'b'));
    net.partition([['a'], ['b']]);
    await loop.runUntil(50);
    expect(got).toHaveLength(0);
    expect(net.stats.dropped).toBe(1);
  });

  test('loss drops everything at probability 1; duplication doubles at probability 1', async () => {
    const { loop, net, got } = setup();
    const a = transportOf(net, 'a');
    void a.start(() => {});
    net.conditions = { ...CALM_NETWORK, lossProbability: 1 };
    a.send(heartbeat('a', 'b'));
    await loop.runUntil(50);
    expect(got).toHaveLength(0);
    net.conditions = { ...CALM_NETWORK, duplicateProbability: 1 };
    a.send(heartbeat('a', 'b'));
    await loop.runUntil(100);
    expect(got).toHaveLength(2);
  });

  test('a node that restarted does not receive what was sent to its previous incarnation', async () => {
    const { loop, net, got } = setup();
    const a = transportOf(net, 'a');
    void a.start(() => {});
    a.send(heartbeat('a', 'b'));
    const again: Message[] = [];
    void transportOf(net, 'b').start((m) => again.push(m));
    await loop.runUntil(50);
    expect(got).toHaveLength(0);
    expect(again).toHaveLength(0);
  });
});

describe('SimDisk', () => {
  const timing = { writeMsMin: 1, writeMsMax: 1, syncMsMin: 4, syncMsMax: 4, readMsMax: 0 };

  function disk(observer: DiskObserver | null = null): { loop: SimLoop; d: SimDisk } {
    const loop = new SimLoop();
    return { loop, d: new SimDisk('n1', loop, new Rng(3), timing, observer) };
  }

  test('a write becomes durable when its sync completes, in call order', async () => {
    const { loop, d } = disk();
    const storage = d.storage();
    const done: number[] = [];
    void storage.raft.write({ entries: [entry(1, 1)], hardState: { term: 1, vote: 'n1' } }).then(() => done.push(loop.now));
    void storage.raft.write({ entries: [entry(2, 1)] }).then(() => done.push(loop.now));
    await loop.runUntil(4);
    expect(d.entries).toHaveLength(0);
    await loop.runUntil(20);
    expect(d.entries.map((e) => e.index)).toEqual([1, 2]);
    expect(d.hardState).toEqual({ term: 1, vote: 'n1' });
    expect(done).toEqual([5, 10]);
  });

  test('a crash before the sync loses the write and its promise never settles', async () => {
    const { loop, d } = disk();
    let settled = false;
    void d.storage().raft.write({ entries: [entry(1, 1)] }).finally(() => (settled = true));
    await loop.runUntil(2);
    d.crash();
    await loop.runUntil(50);
    expect(d.entries).toHaveLength(0);
    expect(settled).toBe(false);
    expect(d.restored().entries).toHaveLength(0);
  });

  test('truncation then append replaces the suffix; kv apply moves the applied index', async () => {
    const { loop, d } = disk();
    const s = d.storage();
    void s.raft.write({ entries: [entry(1, 1), entry(2, 1), entry(3, 1)] });
    void s.raft.write({ truncateFrom: 2, entries: [entry(2, 2)] });
    void s.kv.apply([{ type: 'put', key: Buffer.from('k'), value: encodeRecord({ value: Buffer.from('v'), version: 2, expireAt: 0 }) }], 2);
    await loop.runUntil(50);
    expect(d.entries.map((e) => `${e.index}/${e.term}`)).toEqual(['1/1', '2/2']);
    expect(d.appliedIndex).toBe(2);
    expect([...d.kvSnapshot()]).toEqual([['k', 'v']]);
  });

  test('a failing disk rejects the write with a coded error and keeps nothing', async () => {
    const { loop, d } = disk();
    d.failProbability = 1;
    let error: unknown;
    void d.storage().raft.write({ entries: [entry(1, 1)] }).catch((err: unknown) => (error = err));
    await loop.runUntil(50);
    expect(error).toMatchObject({ code: 'STORAGE_IO' });
    expect(d.entries).toHaveLength(0);
  });

  test('hard-state changes are reported to the observer', async () => {
    const seen: Array<[HardState, HardState]> = [];
    const { loop, d } = disk({ hardStatePersisted: (_n, before, after) => seen.push([before, after]), stateMachineChanged: () => undefined });
    void d.storage().raft.write({ entries: [], hardState: { term: 3, vote: null } });
    await loop.runUntil(50);
    expect(seen).toEqual([[{ term: 0, vote: null }, { term: 3, vote: null }]]);
  });
});
