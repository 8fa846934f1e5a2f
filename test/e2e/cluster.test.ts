/**
 * Three real node processes on loopback, started from config files: writes
 * from concurrent clients, kill -9 of the leader, catch-up of the restarted
 * node, and a full-cluster restart that keeps every acknowledged write.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RaftkvClient } from '../../src/client/client.js';
import { ProcessCluster } from '../support/process-cluster.js';
import { waitFor } from '../support/wait.js';

/** Writes `count` keys from `clients` concurrent clients; returns the acknowledged key -> value. */
async function writeConcurrently(addresses: string[], prefix: string, count: number, clients: number): Promise<Map<string, string>> {
  const acknowledged = new Map<string, string>();
  let next = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      const client = new RaftkvClient({ nodes: addresses, deadlineMs: 20_000 });
      try {
        for (let i = next++; i < count; i = next++) {
          const key = `${prefix}:${i}`;
          const value = `v${i}-${'x'.repeat(i % 50)}`;
          await client.set(key, value);
          acknowledged.set(key, value);
        }
      } finally {
        await client.close();
      }
    }),
  );
  return acknowledged;
}

describe('a 3-process cluster', { timeout: 120_000 }, () => {
  let cluster: ProcessCluster;
  const acknowledged = new Map<string, string>();

  beforeAll(async () => {
    cluster = await ProcessCluster.create(3);
    cluster.startAll();
  });
  afterAll(async () => {
    await cluster?.destroy();
  });

  it('elects a leader and takes 1,000 writes from 8 concurrent clients', async () => {
    await cluster.waitForLeader();
    const written = await writeConcurrently(cluster.addresses(), 'a', 1000, 8);
    expect(written.size).toBe(1000);
    for (const [k, v] of written) acknowledged.set(k, v);
    const client = new RaftkvClient({ nodes: cluster.addresses() });
    try {
      for (const key of ['a:0', 'a:499', 'a:999']) expect((await client.get(key))?.toString()).toBe(acknowledged.get(key));
      expect((await client.keys('a:*')).length).toBe(1000);
    } finally {
      await client.close();
    }
  });

  it('survives kill -9 of the leader: a new leader is elected and writes continue', async () => {
    const oldLeader = await cluster.waitForLeader();
    await cluster.kill(oldLeader);
    const newLeader = await cluster.waitForLeader({ excluding: oldLeader });
    expect(newLeader).not.toBe(oldLeader);
    const written = await writeConcurrently(cluster.addresses(), 'b', 200, 4);
    expect(written.size).toBe(200);
    for (const [k, v] of written) acknowledged.set(k, v);

    // The killed node restarts from its data directory and catches up.
    cluster.start(oldLeader);
    const leaderInfo = await cluster.info(newLeader);
    const target = Number(leaderInfo['commit_index']);
    await waitFor(async () => Number((await cluster.info(oldLeader))['applied_index']) >= target, { what: `${oldLeader} to catch up to ${target}` });
  });

  it('keeps every acknowledged write, on every node, across a stop and restart of the whole cluster', async () => {
    await cluster.waitForConvergence();
    await cluster.stopAll();
    const dumps = await Promise.all(cluster.nodes.map((node) => cluster.dump(node.id)));
    for (const dump of dumps) {
      expect(dump.size).toBe(acknowledged.size);
      for (const [k, v] of acknowledged) expect(dump.get(k)).toBe(v);
    }
    cluster.startAll();
    await cluster.waitForLeader();
    const client = new RaftkvClient({ nodes: cluster.addresses() });
    try {
      const keys = [...acknowledged.keys()];
      const values = await Promise.all(keys.map((key) => client.get(key)));
      values.forEach((value, i) => expect(value?.toString()).toBe(acknowledged.get(keys[i]!)));
    } finally {
      await client.close();
    }
    await cluster.stopAll();
  });
});
