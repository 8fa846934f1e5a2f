/**
 * A crash in the middle of a snapshot install on real LevelDB: once the
 * install marker is on disk, reopening the database finishes the switch, so
 * the node comes back with the new state machine, never a mix of old and new.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ClassicLevel } from 'classic-level';
import { afterEach, describe, expect, it } from 'vitest';
import { META_INSTALLING, encodeSnapshotMeta } from '../../src/storage/codec.js';
import { openLayout, writeBatch } from '../../src/storage/level-layout.js';
import { stageLevelChunk } from '../../src/storage/level-snapshots.js';
import { openDiskStorage, openMemoryStorage } from '../../src/storage/open.js';
import { showPairs, utf8 } from './harness.js';

const META = { index: 12, term: 3, voters: ['n1', 'n2', 'n3'] };

/** Chunks of a snapshot of a store holding keys new:0..19 and session 4, at index 12. */
async function snapshotChunks(): Promise<Uint8Array[]> {
  const source = await openMemoryStorage();
  const keys = Array.from({ length: 20 }, (_, i) => ({ type: 'put' as const, key: utf8(`new:${i}`), value: utf8(`v${i}`) }));
  await source.kv.apply(keys, 12, { put: [{ id: 4, data: utf8('s4') }], del: [] });
  const reader = await source.kv.openSnapshot(META);
  const chunks: Uint8Array[] = [];
  for (let last = false; !last; ) {
    const chunk = await reader.next(64);
    chunks.push(chunk.data);
    last = chunk.last;
  }
  await reader.close();
  await source.close();
  return chunks;
}

describe('a crash during a snapshot install (classic-level)', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
  });

  it('is finished when the database opens again: the new state, not a mix', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'raftkv-install-'));
    dirs.push(dir);
    const before = await openDiskStorage(dir);
    await before.kv.apply([{ type: 'put', key: utf8('old'), value: utf8('gone') }], 5, { put: [{ id: 1, data: utf8('s1') }], del: [] });
    await before.close();

    // The crash: chunks staged, marker written, the old data half gone, nothing else.
    const db = new ClassicLevel(path.join(dir, 'db'), { keyEncoding: 'view', valueEncoding: 'view' });
    const layout = await openLayout(db);
    const chunks = await snapshotChunks();
    expect(chunks.length).toBeGreaterThan(3);
    for (const [seq, chunk] of chunks.entries()) await stageLevelChunk(layout, seq, chunk);
    await writeBatch(layout, 'marker', (b) => b.put(layout.meta, META_INSTALLING, encodeSnapshotMeta(META, META_INSTALLING)), { sync: true });
    await layout.kv.clear();
    await db.close();

    const after = await openDiskStorage(dir);
    try {
      expect(await after.kv.appliedIndex()).toBe(12);
      expect(await after.kv.loadSnapshot()).toEqual(META);
      const expected = Array.from({ length: 20 }, (_, i) => [utf8(`new:${i}`), utf8(`v${i}`)] as [Uint8Array, Uint8Array]);
      expected.sort(([a], [b]) => Buffer.compare(a, b));
      expect(showPairs(await after.kv.dump())).toEqual(showPairs(expected));
      expect((await after.kv.loadSessions()).map((s) => s.id)).toEqual([4]);
    } finally {
      await after.close();
    }
  });

  it('before the marker, the old state stays and the staged chunks are ignored', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'raftkv-install-'));
    dirs.push(dir);
    const before = await openDiskStorage(dir);
    await before.kv.apply([{ type: 'put', key: utf8('old'), value: utf8('kept') }], 5);
    for (const [seq, chunk] of (await snapshotChunks()).entries()) await before.kv.stageSnapshot(seq, chunk);
    await before.close();
    const after = await openDiskStorage(dir);
    try {
      expect(await after.kv.appliedIndex()).toBe(5);
      expect(showPairs(await after.kv.dump())).toEqual(showPairs([[utf8('old'), utf8('kept')]]));
    } finally {
      await after.close();
    }
  });
});
