import { mkdtempSync, rmSync } from 'node:fs';
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
});
