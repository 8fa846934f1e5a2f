/**
 * TTLs in the simulator (issue 11): a key's expiry is decided by the time the
 * leader stamped on its entry and by the expiry sweep's entries, never by a
 * node's own clock at apply time, so every replica agrees across a partition
 * and a leader change, and the run reproduces exactly from its seed (no wall
 * clock: the simulator's virtual time is the only time there is).
 */
import { describe, expect, test } from 'vitest';
import type { Reply } from '../../src/protocol/reply.js';
import type { ClientRequest } from '../../src/protocol/commands.js';
import { SimCluster } from '../../src/sim/cluster.js';
import { DEFAULT_DISK_TIMING } from '../../src/sim/disk.js';
import { CALM_NETWORK } from '../../src/sim/network.js';
import type { Workload } from '../../src/sim/clients.js';

const enc = (text: string) => new TextEncoder().encode(text);

/** A client of one connection that remembers every reply it got, by request seq. */
class RecordingClient {
  readonly replies = new Map<number, Reply>();
  private seq = 0;

  constructor(
    private readonly cluster: SimCluster,
    private readonly conn: number,
  ) {
    cluster.attach({ onReply: (_node: string, conn: number, seq: number, reply: Reply) => conn === this.conn && this.replies.set(seq, reply) } as unknown as Workload);
  }

  /** Sends to `node`, stamped with the virtual clock as the TCP edge stamps writes; returns the request's seq. */
  send(node: string, request: ClientRequest): number {
    const seq = this.seq++;
    const stamped = request.kind === 'write' ? { ...request, now: this.cluster.loop.now } : request;
    this.cluster.sendRequest(node, this.conn, seq, stamped);
    return seq;
  }
}

async function clusterWithLeader(seed: number): Promise<SimCluster> {
  const cluster = new SimCluster(seed, 3, DEFAULT_DISK_TIMING, true);
  cluster.startAll();
  await cluster.loop.runUntil(1_000);
  expect(cluster.leader()).toBeDefined();
  return cluster;
}

/** Every live node's store, as the state machine holds it: is `key` there? (Settles as the loop runs.) */
async function storedOn(cluster: SimCluster, key: string): Promise<boolean[]> {
  return Promise.all(cluster.known().filter((n) => n.up).map(async (n) => (await n.disk.storage().kv.get(enc(key))) !== undefined));
}

async function ttlRun(seed: number): Promise<{ replies: Map<number, Reply>; seqs: Record<string, number>; hash: string; stored: boolean[] }> {
  const cluster = await clusterWithLeader(seed);
  const client = new RecordingClient(cluster, 9_001);
  const first = cluster.leader()!;
  const seqs: Record<string, number> = {};
  seqs['set'] = client.send(first.id, { kind: 'write', command: { op: 'set', key: enc('ttl:k'), value: enc('v'), expire: { in: 1_500 } } });
  seqs['kept'] = client.send(first.id, { kind: 'write', command: { op: 'set', key: enc('kept'), value: enc('forever') } });
  await cluster.loop.runUntil(cluster.loop.now + 200);
  seqs['before'] = client.send(first.id, { kind: 'read', query: { op: 'get', key: enc('ttl:k') } });
  await cluster.loop.runUntil(cluster.loop.now + 200);
  // The leader is cut off; another takes over before the key expires.
  cluster.apply({ at: cluster.loop.now, type: 'isolate', node: 'leader' });
  await cluster.loop.runUntil(cluster.loop.now + 1_500);
  const second = cluster.leader()!;
  expect(second).toBeDefined();
  expect(second.id).not.toBe(first.id);
  // 1.9 s after the SET: expired, for the new leader too, whose clock never saw the SET arrive.
  seqs['after'] = client.send(second.id, { kind: 'read', query: { op: 'get', key: enc('ttl:k') } });
  seqs['pttl'] = client.send(second.id, { kind: 'read', query: { op: 'ttl', key: enc('ttl:k'), ms: true, at: false } });
  seqs['keptAfter'] = client.send(second.id, { kind: 'read', query: { op: 'get', key: enc('kept') } });
  await cluster.loop.runUntil(cluster.loop.now + 500);
  cluster.healEverything(CALM_NETWORK);
  // The sweep deletes the key through the log: gone from every store, the old leader's included.
  await cluster.loop.runUntil(cluster.loop.now + 5_000);
  const hash = cluster.trace.hash();
  // The simulated disks answer only as the loop runs.
  const stored = storedOn(cluster, 'ttl:k');
  await cluster.loop.runUntil(cluster.loop.now + 100);
  return { replies: client.replies, seqs, hash, stored: await stored };
}

describe('TTLs in the simulator', () => {
  test('a key expires by its entry time across a leader change, is deleted through the log on every node, and the run reproduces from its seed', async () => {
    const run = await ttlRun(31);
    const reply = (name: string) => run.replies.get(run.seqs[name]!);
    expect(reply('set')).toMatchObject({ type: 'simple', value: 'OK' });
    expect(reply('before')).toMatchObject({ type: 'bulk' });
    expect(Buffer.from((reply('before') as { value: Uint8Array }).value).toString()).toBe('v');
    expect(reply('after')).toMatchObject({ type: 'bulk', value: null });
    expect(reply('pttl')).toEqual({ type: 'int', value: -2 });
    expect(Buffer.from((reply('keptAfter') as { value: Uint8Array }).value).toString()).toBe('forever');
    expect(run.stored.length).toBe(3);
    expect(run.stored).toEqual([false, false, false]);
    const again = await ttlRun(31);
    expect(again.hash).toBe(run.hash);
  });
});
