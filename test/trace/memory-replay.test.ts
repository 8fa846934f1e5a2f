import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readTraceRun } from '../../src/trace/reader.js';
import { checkContiguous, replayRun } from '../../src/trace/replay.js';
import { MemoryCluster } from './memory-cluster.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'raftkv-trace-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function replayFile(file: string): Promise<{ ok: boolean; events: number; detail: string }> {
  const run = await readTraceRun(file);
  expect(run.cut).toBeNull();
  checkContiguous(run.header, run.records);
  const result = replayRun(run.header, run.records);
  return { ok: result.ok, events: result.events, detail: result.ok ? '' : `${result.seq}: ${result.reason}` };
}

describe('record and replay an in-process cluster', () => {
  it('replays every node identically after a partition, a heal and a restart', { timeout: 30_000 }, async () => {
    const cluster = await MemoryCluster.start(dir, ['n1', 'n2', 'n3']);
    const first = await cluster.leader();
    for (let i = 0; i < 20; i++) expect((await cluster.set(first, `k${i}`, `v${i}`)).reply).toEqual({ type: 'simple', value: 'OK' });

    cluster.network.isolate(first);
    const second = await cluster.leader([first]);
    const replies = await Promise.all(Array.from({ length: 20 }, (_, i) => cluster.set(second, `p${i}`, `w${i}`)));
    expect(replies.every((r) => r.reply.type === 'simple')).toBe(true);
    cluster.network.heal();
    await cluster.restart(first);
    const last = cluster.node(second).parts.core.view().commitIndex;
    await cluster.applied(last);
    await cluster.stopAll();

    const files = [...cluster.nodes.values()].flatMap((n) => n.traces);
    expect(files).toHaveLength(4);
    for (const file of files) {
      const result = await replayFile(file);
      expect(result.detail, file).toBe('');
      expect(result.ok).toBe(true);
      expect(result.events).toBeGreaterThan(10);
    }
  });

  it('replays a follower that installed a snapshot, and the leader that compacted and sent it', { timeout: 30_000 }, async () => {
    const limits = { snapshotEntries: 10, snapshotTrailingEntries: 2, snapshotChunkBytes: 64 };
    const cluster = await MemoryCluster.start(dir, ['n1', 'n2', 'n3'], 10_000, limits);
    const leader = await cluster.leader();
    const behind = ['n1', 'n2', 'n3'].find((id) => id !== leader)!;
    cluster.network.isolate(behind);
    for (let i = 0; i < 40; i++) expect((await cluster.set(leader, `k${i}`, `v${i}`)).reply).toEqual({ type: 'simple', value: 'OK' });
    expect(cluster.node(leader).parts.core.view().firstIndex).toBeGreaterThan(2);
    cluster.network.heal();
    await cluster.applied(cluster.node(leader).parts.core.view().commitIndex);
    // It could only catch up by snapshot: its log now starts after the leader's compaction point.
    expect(cluster.node(behind).parts.core.view().firstIndex).toBeGreaterThan(2);
    await cluster.stopAll();

    for (const id of [leader, behind]) {
      const [file] = cluster.node(id).traces;
      const text = readFileSync(file!, 'utf8');
      expect(text).toContain(id === behind ? 'storage.snapshotInstalled' : 'storage.snapshotted');
      const result = await replayFile(file!);
      expect(result.detail, file).toBe('');
      expect(result.ok).toBe(true);
    }
  });
});
