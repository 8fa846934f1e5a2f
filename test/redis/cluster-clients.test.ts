/**
 * Cluster-mode client libraries against a 3-process cluster: ioredis
 * `Cluster` and node-redis `createCluster` start from CLUSTER SLOTS, route
 * every write to the leader (the one shard's master), and when the leader is
 * killed with kill -9 in the middle of a workload they find the new leader
 * by themselves (re-reading the slots after the lost connection or a MOVED)
 * and lose no acknowledged write. Plain clients pointed at a follower get
 * -MOVED with the key's real slot.
 */
import { Cluster, Redis } from 'ioredis';
import { createCluster } from 'redis';
import { afterEach, describe, expect, it } from 'vitest';
import { keySlot } from '../../src/protocol/slot.js';
import { ProcessCluster } from '../support/process-cluster.js';
import { failoverWorkload, lostWrites } from './failover-workload.js';

const hostPort = (address: string) => {
  const [host, port] = address.split(':');
  return { host: host!, port: Number(port) };
};

describe('cluster clients', { timeout: 180_000 }, () => {
  let cluster: ProcessCluster | undefined;
  afterEach(async () => {
    await cluster?.destroy();
    cluster = undefined;
  });

  async function startCluster(): Promise<{ cluster: ProcessCluster; leader: string }> {
    cluster = await ProcessCluster.create(3);
    cluster.startAll();
    const leader = await cluster.waitForLeader();
    await cluster.waitForConvergence(); // the leader has committed in its term: it serves reads
    return { cluster, leader };
  }

  const idOf = (c: ProcessCluster, address: string) => c.nodes.find((n) => n.client === address)!.id;

  it('ioredis Cluster: topology, pipeline, follower MOVED, and a kill -9 of the leader mid-workload', async () => {
    const { cluster: c, leader } = await startCluster();
    const follower = c.addresses().find((a) => a !== leader)!;

    const plain = new Redis({ ...hostPort(follower), lazyConnect: true, maxRetriesPerRequest: 0 });
    await plain.connect();
    await expect(plain.set('user:42', 'x')).rejects.toThrow(`MOVED ${keySlot(Buffer.from('user:42'))} ${leader}`);
    const slots = (await plain.cluster('SLOTS')) as unknown as Array<[number, number, ...Array<[string, number, string]>]>;
    expect(slots).toHaveLength(1);
    expect(slots[0]!.slice(0, 2)).toEqual([0, 16383]);
    expect(`${slots[0]![2]![0]}:${slots[0]![2]![1]}`).toBe(leader);
    expect(slots[0]!.length).toBe(5); // master and two replicas
    expect(String(await plain.cluster('INFO'))).toContain('cluster_state:ok');
    plain.disconnect();

    const client = new Cluster(c.addresses().map(hostPort), {
      clusterRetryStrategy: () => 100,
      retryDelayOnFailover: 100,
      retryDelayOnClusterDown: 100,
      retryDelayOnTryAgain: 100,
      maxRedirections: 64,
      slotsRefreshTimeout: 2000,
      redisOptions: { connectTimeout: 1000 },
    });
    client.on('error', () => {}); // connection errors to the killed node are expected
    try {
      const results = await client.pipeline().set('{p}:a', '1').set('{p}:b', '2').get('{p}:a').exec();
      expect(results!.map(([error, value]) => error ?? value)).toEqual(['OK', 'OK', '1']);
      const result = await failoverWorkload(client, 'io', {
        killAfter: 30,
        afterKill: 30,
        kill: () => c.kill(idOf(c, leader)),
      });
      expect(result.afterKill).toBe(30);
      expect(await lostWrites(client, result.acknowledged)).toEqual([]);
      const newLeader = await c.waitForLeader({ excluding: leader });
      expect(newLeader).not.toBe(leader);
    } finally {
      client.disconnect();
    }
  });

  it('node-redis createCluster: routes to the leader and carries on after a kill -9 of the leader', async () => {
    const { cluster: c, leader } = await startCluster();
    const client = createCluster({
      rootNodes: c.addresses().map((a) => ({ url: `redis://${a}` })),
      defaults: { socket: { connectTimeout: 1000, reconnectStrategy: () => 100 } },
      maxCommandRedirections: 64,
    });
    client.on('error', () => {}); // connection errors to the killed node are expected
    await client.connect();
    try {
      expect(await client.set('nr:first', '1')).toBe('OK');
      expect(await client.get('nr:first')).toBe('1');
      const result = await failoverWorkload(client, 'nr', {
        killAfter: 30,
        afterKill: 30,
        kill: () => c.kill(idOf(c, leader)),
      });
      expect(result.afterKill).toBe(30);
      expect(await lostWrites(client, result.acknowledged)).toEqual([]);
    } finally {
      client.destroy();
    }
  });
});
