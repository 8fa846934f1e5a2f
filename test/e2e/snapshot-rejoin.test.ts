/**
 * A follower whose disk was wiped rejoins a 3-process cluster that has
 * compacted its logs: the only way back is an InstallSnapshot, streamed in
 * many small chunks. Every acknowledged key, and the session table, reach it.
 */
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RaftkvClient } from '../../src/client/client.js';
import { openDiskStorage } from '../../src/storage/open.js';
import { ProcessCluster } from '../support/process-cluster.js';

const LIMITS = { snapshotEntries: 100, snapshotTrailingEntries: 20, snapshotChunkBytes: 2048 };

async function write(addresses: string[], prefix: string, count: number): Promise<Map<string, string>> {
  const acknowledged = new Map<string, string>();
  const client = new RaftkvClient({ nodes: addresses, deadlineMs: 20_000 });
  try {
    for (let i = 0; i < count; i++) {
      const key = `${prefix}:${i}`;
      const value = `${prefix}-${i}-${'y'.repeat(i % 64)}`;
      await client.set(key, value);
      acknowledged.set(key, value);
    }
  } finally {
    await client.close();
  }
  return acknowledged;
}

describe('a follower with a wiped disk rejoins by snapshot', { timeout: 120_000 }, () => {
  let cluster: ProcessCluster;

  beforeAll(async () => {
    cluster = await ProcessCluster.create(3, { limits: LIMITS });
    cluster.startAll();
  });
  afterAll(async () => {
    await cluster?.destroy();
  });

  it('catches up by InstallSnapshot and holds every acknowledged key', async () => {
    const leaderAddress = await cluster.waitForLeader();
    const acknowledged = await write(cluster.addresses(), 'before', 300);
    const victim = cluster.nodes.find((n) => n.client !== leaderAddress)!;
    await cluster.kill(victim.id);
    await rm(victim.dataDir, { recursive: true, force: true });
    for (const [k, v] of await write(cluster.addresses(), 'after', 300)) acknowledged.set(k, v);

    cluster.start(victim.id);
    await cluster.waitForConvergence();
    await cluster.stop(victim.id);

    const storage = await openDiskStorage(victim.dataDir);
    try {
      const state = await storage.raft.load();
      const snapshot = await storage.kv.loadSnapshot();
      // The log never held what came before the snapshot: it was installed, not replayed.
      expect(state.logStart.index).toBeGreaterThan(300);
      expect(snapshot).not.toBeNull();
      expect(snapshot!.voters).toEqual(['n1', 'n2', 'n3']);
      expect((await storage.kv.loadSessions()).length).toBeGreaterThan(0);
    } finally {
      await storage.close();
    }
    const held = await cluster.dump(victim.id);
    for (const [key, value] of acknowledged) expect(held.get(key), key).toBe(value);
  });
});
