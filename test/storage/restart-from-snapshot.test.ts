/**
 * A node on real LevelDB snapshots its state machine and compacts its log as
 * it runs, and restarts from the snapshot plus the retained tail: the log on
 * disk starts after the compaction point, and every acknowledged key is there.
 */
import { rm } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log/logger.js';
import { startNode } from '../../src/node/node.js';
import { openDiskStorage } from '../../src/storage/open.js';
import { startSingleNode, type TestNode } from '../support/in-process.js';
import { RawClient } from '../support/raw-client.js';
import { waitFor } from '../support/wait.js';

const LIMITS = { snapshotEntries: 40, snapshotTrailingEntries: 10 };

describe('restart from a snapshot plus the log tail (real LevelDB)', () => {
  let node: TestNode | null = null;
  afterEach(async () => {
    await node?.close();
    node = null;
  });

  it('compacts while running, loads only the tail, and keeps every key', async () => {
    node = await startSingleNode(LIMITS);
    const client = await RawClient.connect(node.clientPort);
    for (let i = 0; i < 150; i++) expect(await client.call(`SET key:${i} value-${i}`)).toBe('OK');
    const info = await client.call('INFO');
    const field = (name: string): number => Number(new RegExp(`${name}:(\\d+)`).exec(info)?.[1]);
    expect(field('snapshot_index')).toBeGreaterThanOrEqual(120);
    // Compacted (by this snapshot, or by the one before if INFO came between the two events).
    expect(field('first_log_index')).toBeGreaterThan(LIMITS.snapshotEntries - LIMITS.snapshotTrailingEntries);
    expect(field('first_log_index')).toBeLessThanOrEqual(field('snapshot_index') - LIMITS.snapshotTrailingEntries + 1);
    client.destroy();
    const { config } = node;
    await node.node.stop();

    const storage = await openDiskStorage(config.dataDir);
    const state = await storage.raft.load();
    const snapshot = await storage.kv.loadSnapshot();
    const applied = await storage.kv.appliedIndex();
    await storage.close();
    expect(snapshot).not.toBeNull();
    expect(snapshot!.voters).toEqual(['n1']);
    expect(snapshot!.index).toBeGreaterThanOrEqual(120);
    expect(state.logStart.index).toBe(snapshot!.index - LIMITS.snapshotTrailingEntries);
    // Only the tail is on disk: the trailing window plus what was applied after the snapshot.
    expect(state.entries[0]!.index).toBe(state.logStart.index + 1);
    expect(state.entries.length).toBeLessThanOrEqual(LIMITS.snapshotTrailingEntries + LIMITS.snapshotEntries + 1);
    expect(applied).toBe(state.entries.at(-1)!.index);

    const restarted = await startNode(config, { seed: 2, logger: createLogger({ level: 'silent', nodeId: 'n1' }), onFatal: (e) => { throw e; } });
    node = { ...node, node: restarted, close: async () => { await restarted.stop(); await rm(config.dataDir, { recursive: true, force: true }); } };
    await waitFor(() => restarted.status().role === 'leader', { what: 'the restarted node to lead' });
    const again = await RawClient.connect(node.clientPort);
    for (const i of [0, 1, 77, 149]) expect(await again.call(`GET key:${i}`)).toBe(`"value-${i}"`);
    expect(await again.call('SET after restart')).toBe('OK');
    again.destroy();
  });
});
