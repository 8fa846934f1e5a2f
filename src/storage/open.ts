/**
 * Opening a node's storage: classic-level in `<dataDir>/db` for real nodes,
 * memory-level for tests and simulation. Every way opening can fail becomes
 * a StorageError that names the directory and carries LevelDB's message.
 *
 * classic-level opens LevelDB without paranoid_checks (its binding offers no
 * way to turn them on), so LevelDB skips a write-ahead log record it cannot
 * read at open and carries on without it. It does note each one in its info
 * log (`<dataDir>/db/LOG`, begun afresh at every open); reading that back
 * right after opening turns a skipped record into a refusal to start.
 */
import { readFile, readdir, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { ClassicLevel } from 'classic-level';
import { MemoryLevel } from 'memory-level';
import { StorageError, messageOf } from './errors.js';
import type { NodeStorage } from './interfaces.js';
import { levelCode, levelMessage } from './level-layout.js';
import type { LevelDb } from './level-layout.js';
import { createLevelStorage } from './level-storage.js';
import { TailWitness } from './tail-witness.js';

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
  return withCloseOnFailure(db, async () => {
    await refuseSkippedRecords(location);
    return createLevelStorage(db, {
      where: `data directory ${dataDir}`,
      openWitness: (found) => TailWitness.open(dataDir, { create: found !== 'current' }),
    });
  });
}

/**
 * STORAGE_CORRUPT when LevelDB's info log says this open dropped bytes of a
 * write-ahead log (a record failing its checksum) or ignored an error while
 * replaying one: what it dropped may be acknowledged entries, a vote, or
 * state machine writes, and nothing else would notice the last.
 */
async function refuseSkippedRecords(location: string): Promise<void> {
  const file = path.join(location, 'LOG');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return; // No info log (memory, or LevelDB could not write one): nothing to read.
  }
  const skipped = text.split('\n').filter((line) => line.includes(': dropping ') || line.includes('Ignoring error'));
  if (skipped.length === 0) return;
  const lines = skipped.slice(0, 3).map((line) => line.replace(/^\S+ \S+ /, '').trim());
  throw new StorageError('STORAGE_CORRUPT',
    `LevelDB skipped damaged write-ahead log records while opening ${location}: ${lines.join('; ')}${skipped.length > 3 ? ` (and ${skipped.length - 3} more)` : ''} (from ${file}); ` +
    'what they held is lost, so the node refuses to start: recover it by wiping its data directory and rejoining (docs/security.md, "Storage integrity")');
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
