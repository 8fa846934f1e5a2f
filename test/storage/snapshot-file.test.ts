/**
 * Snapshot files (src/storage/snapshot-file.ts) and restoring one into a
 * data directory (src/storage/snapshot-restore.ts), on real files and a real
 * classic-level database: every truncation and every flipped byte of a file
 * is a SNAPSHOT_FILE_INVALID naming it, never a crash or a wrong answer.
 */
import { mkdtemp, readFile, rm, writeFile, readdir, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeChunk, SPACE_KV, SPACE_SESSION, type SnapshotRecord } from '../../src/storage/snapshot-format.js';
import { SnapshotFileError, SnapshotFileWriter, readSnapshotFile } from '../../src/storage/snapshot-file.js';
import { RestoreError, restoreSnapshot } from '../../src/storage/snapshot-restore.js';
import { openDiskStorage } from '../../src/storage/open.js';
import { encodeLogKey } from '../../src/storage/codec.js';

const META = { index: 42, term: 3, voters: ['a', 'b', 'c'] };
const bytes = (text: string): Uint8Array => Buffer.from(text);
const CHUNKS: SnapshotRecord[][] = [
  [
    [SPACE_KV, bytes('k1'), bytes('v1')],
    [SPACE_KV, bytes('k2'), bytes('v2')],
  ],
  [[SPACE_SESSION, encodeLogKey(7), bytes('session')]],
  [],
];

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'raftkv-snapfile-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function writeSample(file: string): Promise<{ bytes: number; sha256: string }> {
  const writer = await SnapshotFileWriter.create(file, META);
  for (const records of CHUNKS) await writer.chunk(encodeChunk(records));
  return writer.finish();
}

async function readAll(file: string): Promise<{ records: SnapshotRecord[][]; summary: Awaited<ReturnType<typeof readSnapshotFile>> }> {
  const records: SnapshotRecord[][] = [];
  const summary = await readSnapshotFile(file, { chunk: (_data, decoded) => void records.push([...decoded]) });
  return { records, summary };
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof SnapshotFileError || err instanceof RestoreError) return `${err.code}: ${err.message}`;
    throw err;
  }
  return 'resolved';
}

describe('snapshot files', () => {
  it('round-trips the metadata and every chunk, with the size and checksum written', async () => {
    const file = path.join(dir, 's.snap');
    const written = await writeSample(file);
    const { records, summary } = await readAll(file);
    expect(summary).toEqual({ meta: META, bytes: written.bytes, chunks: 3, sha256: written.sha256 });
    expect((await readFile(file)).length).toBe(written.bytes);
    expect(records.map((chunk) => chunk.map(([space, key, value]) => [space, Buffer.from(key).toString('hex'), Buffer.from(value).toString()]))).toEqual(
      CHUNKS.map((chunk) => chunk.map(([space, key, value]) => [space, Buffer.from(key).toString('hex'), Buffer.from(value).toString()])),
    );
  });

  it('never overwrites an existing file', async () => {
    const file = path.join(dir, 's.snap');
    await writeFile(file, 'precious');
    expect(await codeOf(SnapshotFileWriter.create(file, META))).toMatch(/^SNAPSHOT_FILE_UNREADABLE: cannot create .*s\.snap/);
    expect(await readFile(file, 'utf8')).toBe('precious');
  });

  it('refuses every truncation of a file', async () => {
    const file = path.join(dir, 's.snap');
    await writeSample(file);
    const whole = await readFile(file);
    const cut = path.join(dir, 'cut.snap');
    for (let length = 0; length < whole.length; length++) {
      await writeFile(cut, whole.subarray(0, length));
      expect(await codeOf(readAll(cut)), `length ${length}`).toMatch(new RegExp(`^SNAPSHOT_FILE_INVALID: ${cut} \\(byte \\d+\\) `));
    }
  });

  it('refuses every flipped byte, and bytes after the checksum', async () => {
    const file = path.join(dir, 's.snap');
    await writeSample(file);
    const whole = await readFile(file);
    const bad = path.join(dir, 'bad.snap');
    for (let at = 0; at < whole.length; at++) {
      const copy = Buffer.from(whole);
      copy[at]! ^= 0x01;
      await writeFile(bad, copy);
      // Every refusal names the file and the byte it was found at, in one form, whatever layer found it.
      expect(await codeOf(readAll(bad)), `byte ${at}`).toMatch(new RegExp(`^SNAPSHOT_FILE_INVALID: ${bad} \\(byte \\d+\\) `));
    }
    const unsafe = path.join(dir, 'unsafe.snap');
    const writer = await SnapshotFileWriter.create(unsafe, META);
    await writer.chunk(encodeChunk([[SPACE_SESSION, Buffer.alloc(8, 0xff), bytes('s')]]));
    await writer.finish();
    expect(await codeOf(readAll(unsafe))).toContain('has a session id beyond the largest safe integer');
    await writeFile(bad, Buffer.concat([whole, Buffer.from('x')]));
    expect(await codeOf(readAll(bad))).toContain('has bytes after its checksum');
  });
});

describe('restoring a snapshot file', () => {
  it('seeds an empty data directory: the data, the sessions, the new voters, the log after the snapshot', async () => {
    const file = path.join(dir, 's.snap');
    await writeSample(file);
    const dataDir = path.join(dir, 'node');
    const result = await restoreSnapshot(file, dataDir, ['x', 'y', 'z']);
    expect(result.installed).toEqual({ index: 42, term: 3, voters: ['x', 'y', 'z'] });
    const storage = await openDiskStorage(dataDir);
    try {
      expect((await storage.kv.dump()).map(([k, v]) => [Buffer.from(k).toString(), Buffer.from(v).toString()])).toEqual([
        ['k1', 'v1'],
        ['k2', 'v2'],
      ]);
      expect(await storage.kv.appliedIndex()).toBe(42);
      expect(await storage.kv.loadSnapshot()).toEqual({ index: 42, term: 3, voters: ['x', 'y', 'z'] });
      expect(await storage.kv.loadSessions()).toHaveLength(1);
      const raft = await storage.raft.load();
      expect(raft.logStart).toEqual({ index: 42, term: 3 });
      expect(raft.entries).toEqual([]);
      expect(raft.hardState).toEqual({ term: 3, vote: null });
    } finally {
      await storage.close();
    }
  });

  it('refuses a directory that is not empty, and leaves nothing behind for a damaged file', async () => {
    const file = path.join(dir, 's.snap');
    await writeSample(file);
    const used = path.join(dir, 'used');
    await mkdir(used);
    await writeFile(path.join(used, 'something'), '');
    expect(await codeOf(restoreSnapshot(file, used, ['x']))).toMatch(/^DATA_DIR_NOT_EMPTY: data directory .*used is not empty \(something\)/);

    const whole = await readFile(file);
    const bad = path.join(dir, 'bad.snap');
    await writeFile(bad, whole.subarray(0, whole.length - 1));
    const dataDir = path.join(dir, 'node');
    await mkdir(dataDir);
    expect(await codeOf(restoreSnapshot(bad, dataDir, ['x']))).toMatch(/^SNAPSHOT_FILE_INVALID: .*bad\.snap .*truncated/);
    expect(await readdir(dataDir)).toEqual([]);
  });
});
