import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ClassicLevel } from 'classic-level';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeLogKey, META_HARD_STATE } from '../../src/storage/codec.js';
import type { NodeStorage } from '../../src/storage/interfaces.js';
import { openDiskStorage } from '../../src/storage/open.js';
import { entries, showEntries, storageFailure } from './harness.js';
import type { StorageFactory } from './harness.js';
import { kvStorageContract } from './kv-storage.contract.js';
import { raftStorageContract } from './raft-storage.contract.js';

const tempDir = () => mkdtemp(path.join(os.tmpdir(), 'raftkv-storage-'));

const disk: StorageFactory = async () => {
  const dir = await tempDir();
  const storage = await openDiskStorage(dir);
  let current = storage;
  return {
    storage,
    reopen: async () => {
      await current.close();
      current = await openDiskStorage(dir);
      return current;
    },
    cleanup: async () => {
      await current.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
};

raftStorageContract('classic-level', disk, { persistent: true });
kvStorageContract('classic-level', disk, { persistent: true });

describe('classic-level data directory', () => {
  const dirs: string[] = [];
  const opened: NodeStorage[] = [];
  const newDir = async () => {
    const dir = await tempDir();
    dirs.push(dir);
    return dir;
  };
  const openDisk = async (dir: string) => {
    const storage = await openDiskStorage(dir);
    opened.push(storage);
    return storage;
  };
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
    await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
  });

  it("estimates the KV data's bytes on disk from LevelDB's table files (what INFO reports for a snapshot taken here)", async () => {
    const dir = await newDir();
    const before = await openDiskStorage(dir);
    const writes = Array.from({ length: 200 }, (_, i) => ({ type: 'put' as const, key: Buffer.from(`key:${i}`), value: randomBytes(1024) }));
    await before.kv.apply(writes, 1);
    await before.close();
    // Reopening turns LevelDB's write-ahead log into a table file: the estimate covers table files only.
    const after = await openDisk(dir);
    const estimate = await after.kv.approximateBytes!();
    expect(estimate).toBeGreaterThan(150 * 1024); // about 200 KB of random values: an estimate, from block offsets
    expect(estimate).toBeLessThan(2 * 200 * 1024);
  });

  /** Writes three entries and a hard state, then closes the store. */
  const seed = async (dir: string) => {
    const storage = await openDiskStorage(dir);
    await storage.raft.write({ hardState: { term: 1, vote: 'a' }, entries: entries(1, 3, 1) });
    await storage.close();
  };

  /** Changes the raw database under a closed store, bypassing the storage layer. */
  const tamper = async (dir: string, change: (db: ClassicLevel<Uint8Array, Uint8Array>) => Promise<void>) => {
    const raw = new ClassicLevel<Uint8Array, Uint8Array>(path.join(dir, 'db'), { keyEncoding: 'view', valueEncoding: 'view' });
    await raw.open();
    await change(raw);
    await raw.close();
  };
  const sub = (db: ClassicLevel<Uint8Array, Uint8Array>, name: string) =>
    db.sublevel<Uint8Array, Uint8Array>(name, { keyEncoding: 'view', valueEncoding: 'view' });

  it('creates a nested data directory with the database in db/', async () => {
    const parent = await newDir();
    const dir = path.join(parent, 'a', 'b');
    const storage = await openDisk(dir);
    await storage.raft.write({ entries: entries(1, 1, 1) });
    expect(await readdir(dir)).toEqual(['db', 'raftkv-tail']);
  });

  it('refuses a second open of a directory in use, while the first works on', async () => {
    const dir = await newDir();
    const first = await openDisk(dir);
    const err = await storageFailure(openDiskStorage(dir), 'STORAGE_LOCKED');
    expect(err.message).toContain(`data directory ${dir} is in use by another raftkv process`);
    await first.raft.write({ entries: entries(1, 2, 1) });
    expect((await first.raft.load()).entries).toHaveLength(2);
  });

  it('reports a garbage CURRENT file with the path and LevelDB message', async () => {
    const dir = await newDir();
    await seed(dir);
    await writeFile(path.join(dir, 'db', 'CURRENT'), 'garbage\n');
    const err = await storageFailure(openDiskStorage(dir), 'STORAGE_OPEN_FAILED');
    expect(err.message).toContain(dir);
    expect(err.message).toMatch(/LevelDB: .*garbage/);
  });

  it('reports an unreadable MANIFEST as corruption', async () => {
    const dir = await newDir();
    await seed(dir);
    const manifest = (await readdir(path.join(dir, 'db'))).find((f) => f.startsWith('MANIFEST-'));
    await writeFile(path.join(dir, 'db', manifest!), Buffer.alloc(100, 0xab));
    const err = await storageFailure(openDiskStorage(dir), 'STORAGE_CORRUPT');
    expect(err.message).toContain(`data directory ${dir} is damaged`);
  });

  it('refuses to create an empty database over one that lost its CURRENT file', async () => {
    const dir = await newDir();
    await seed(dir);
    await rm(path.join(dir, 'db', 'CURRENT'));
    const err = await storageFailure(openDiskStorage(dir), 'STORAGE_CORRUPT');
    expect(err.message).toContain(dir);
    expect(err.message).toContain('no CURRENT file');
  });

  it('reports a data directory path that is a file', async () => {
    const file = path.join(await newDir(), 'file');
    await writeFile(file, 'x');
    const err = await storageFailure(openDiskStorage(file), 'STORAGE_OPEN_FAILED');
    expect(err.message).toContain(file);
  });

  it('fails load() with STORAGE_CORRUPT naming the index of a garbage log record', async () => {
    const dir = await newDir();
    await seed(dir);
    await tamper(dir, (db) => sub(db, 'log').put(encodeLogKey(2), Uint8Array.from([0xc1, 0xff, 0x00])));
    const storage = await openDisk(dir);
    const err = await storageFailure(storage.raft.load(), 'STORAGE_CORRUPT');
    expect(err.message).toContain('log entry 2 (sublevel "log", key 0000000000000002) fails its checksum');
  });

  it('fails load() with STORAGE_CORRUPT naming the first missing index of a log with a hole', async () => {
    const dir = await newDir();
    await seed(dir);
    await tamper(dir, (db) => sub(db, 'log').del(encodeLogKey(2)));
    const storage = await openDisk(dir);
    const err = await storageFailure(storage.raft.load(), 'STORAGE_CORRUPT');
    expect(err.message).toContain('first bad index 2');
  });

  it('fails load() with STORAGE_CORRUPT naming a hard state of the wrong shape', async () => {
    const dir = await newDir();
    await seed(dir);
    // A valid msgpack value (the string "hi"), but not a [term, vote] tuple.
    await tamper(dir, (db) => sub(db, 'meta').put(META_HARD_STATE, Uint8Array.from([0xa2, 0x68, 0x69])));
    const storage = await openDisk(dir);
    const err = await storageFailure(storage.raft.load(), 'STORAGE_CORRUPT');
    expect(err.message).toContain('hard state');
  });

  it('opens again after a clean close, with the data intact', async () => {
    const dir = await newDir();
    await seed(dir);
    const storage = await openDisk(dir);
    expect(showEntries((await storage.raft.load()).entries)).toEqual(showEntries(entries(1, 3, 1)));
  });
});
