/**
 * Opening a node's storage: classic-level in `<dataDir>/db` for real nodes,
 * memory-level for tests and simulation. Every way opening can fail becomes
 * a StorageError that names the directory and carries LevelDB's message.
 */
import { readdir, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { ClassicLevel } from 'classic-level';
import { MemoryLevel } from 'memory-level';
import { StorageError, messageOf } from './errors.js';
import type { NodeStorage } from './interfaces.js';
import { levelCode, levelMessage } from './level-layout.js';
import type { LevelDb } from './level-layout.js';
import { createLevelStorage } from './level-storage.js';

const BYTES = { keyEncoding: 'view', valueEncoding: 'view' } as const;

/** Files LevelDB writes before a new database exists; a directory of only these is still new. */
const PRE_CREATE_FILES = new Set(['LOCK', 'LOG', 'LOG.old']);

export async function openDiskStorage(dataDir: string): Promise<NodeStorage> {
  const location = path.join(dataDir, 'db');
  await makeDataDir(dataDir);
  // Never let LevelDB silently create an empty database over a damaged one:
  // a node that forgets its log and vote breaks Raft's safety.
  const createIfMissing = await isNew(location, dataDir);
  const db = new ClassicLevel(location, { ...BYTES, createIfMissing });
  try {
    await db.open();
  } catch (err) {
    throw openError(dataDir, err, createIfMissing);
  }
  return withCloseOnFailure(db, () => createLevelStorage(db));
}

export async function openMemoryStorage(): Promise<NodeStorage> {
  const db = new MemoryLevel(BYTES);
  return createLevelStorage(db);
}

async function makeDataDir(dataDir: string): Promise<void> {
  try {
    await mkdir(dataDir, { recursive: true });
  } catch (err) {
    throw new StorageError('STORAGE_OPEN_FAILED', `cannot create data directory ${dataDir}: ${messageOf(err)}`, {
      cause: err,
    });
  }
}

async function isNew(location: string, dataDir: string): Promise<boolean> {
  try {
    const names = await readdir(location);
    return names.every((name) => PRE_CREATE_FILES.has(name));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw new StorageError('STORAGE_OPEN_FAILED', `cannot read data directory ${dataDir}: ${messageOf(err)}`, {
      cause: err,
    });
  }
}

function openError(dataDir: string, err: unknown, createIfMissing: boolean): StorageError {
  const detail = levelMessage(err);
  if (!createIfMissing && detail.includes('does not exist')) {
    return new StorageError('STORAGE_CORRUPT',
      `data directory ${dataDir} holds LevelDB files but no CURRENT file; refusing to create an empty database over them (LevelDB: ${detail})`,
      { cause: err });
  }
  switch (levelCode(err)) {
    case 'LEVEL_LOCKED':
      return new StorageError('STORAGE_LOCKED',
        `data directory ${dataDir} is in use by another raftkv process (LevelDB: ${detail})`, { cause: err });
    case 'LEVEL_CORRUPTION':
      return new StorageError('STORAGE_CORRUPT', `data directory ${dataDir} is damaged (LevelDB: ${detail})`, {
        cause: err,
      });
    default:
      return new StorageError('STORAGE_OPEN_FAILED', `cannot open data directory ${dataDir} (LevelDB: ${detail})`, {
        cause: err,
      });
  }
}

async function withCloseOnFailure<T>(db: LevelDb, build: () => Promise<T>): Promise<T> {
  try {
    return await build();
  } catch (err) {
    await db.close().catch(() => undefined);
    throw err;
  }
}
