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
import { levelCode, levelMessage, openLayout } from './level-layout.js';
import type { LevelDb } from './level-layout.js';
import { LevelRaftStorage } from './level-raft-storage.js';
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
    const where = `data directory ${dataDir}`;
    const skipped = await skippedRecords(location);
    if (skipped !== null) throw await skippedRecordsError(db, dataDir, where, skipped);
    return createLevelStorage(db, {
      where,
      openWitness: (found) => TailWitness.open(dataDir, { create: found !== 'current' }),
    });
  });
}

export async function openMemoryStorage(): Promise<NodeStorage> {
  const db = new MemoryLevel(BYTES);
  return createLevelStorage(db);
}

/**
 * The lines of LevelDB's info log saying this open dropped bytes of a
 * write-ahead log (a record failing its checksum) or ignored an error while
 * replaying one, or null. What it dropped may be acknowledged entries, a
 * vote, or state machine writes, and nothing else would notice the last.
 */
async function skippedRecords(location: string): Promise<{ file: string; lines: string[] } | null> {
  const file = path.join(location, 'LOG');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return null; // No info log (LevelDB could not write one): nothing to read.
  }
  // A line is "<date-time> <thread> <message>".
  const lines = text.split('\n').filter((line) => line.includes(': dropping ') || line.includes('Ignoring error'));
  return lines.length === 0 ? null : { file, lines: lines.map((line) => line.replace(/^\S+ \S+ /, '').trim()) };
}

/**
 * The refusal for skipped records, with what reading the log (without
 * writing anything) makes of the loss: usually the first missing index, or
 * the index the tail witness says was persisted.
 */
async function skippedRecordsError(db: LevelDb, dataDir: string, where: string, skipped: { file: string; lines: string[] }): Promise<StorageError> {
  let effect = 'the Raft log itself reads back whole, so the loss is in the state machine or metadata';
  try {
    const layout = await openLayout(db);
    const witness = await TailWitness.open(dataDir, { create: false });
    try {
      await new LevelRaftStorage(layout, { witness, where }).load();
    } finally {
      await witness.close();
    }
  } catch (err) {
    effect = `reading the log back: ${messageOf(err)}`;
  }
  const shown = skipped.lines.slice(0, 2).join('; ') + (skipped.lines.length > 2 ? ` (and ${skipped.lines.length - 2} more)` : '');
  return new StorageError('STORAGE_CORRUPT',
    `LevelDB skipped damaged write-ahead log records while opening ${where}: ${shown} (from ${skipped.file}); ${effect}. ` +
    'What they held is lost, so the node refuses to start: recover it by wiping its data directory and rejoining (docs/security.md, "Storage integrity")');
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
