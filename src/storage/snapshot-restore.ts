/**
 * Seeding a new node's data directory from a snapshot file (`raftkv
 * snapshot restore`, etcdutl's `snapshot restore`). The chunks are staged
 * as an InstallSnapshot's are, and installed only once the whole file has
 * passed its checksum; the log then starts after the snapshot's point, so
 * the node comes up with the snapshot as its committed state and continues
 * the log from there. The voters recorded are the new cluster's.
 */
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { NodeId, SnapshotMeta } from '../raft/types.js';
import { CodedError } from '../util/coded-error.js';
import { openDiskStorage } from './open.js';
import { readSnapshotFile, type SnapshotFileSummary } from './snapshot-file.js';
import { TAIL_WITNESS_FILE } from './tail-witness.js';

export class RestoreError extends CodedError<'DATA_DIR_NOT_EMPTY'> {
  override readonly name = 'RestoreError';
}

export interface RestoreResult extends SnapshotFileSummary {
  readonly dataDir: string;
  readonly installed: SnapshotMeta;
}

export async function restoreSnapshot(file: string, dataDir: string, voters: readonly NodeId[]): Promise<RestoreResult> {
  await refuseNonEmpty(dataDir);
  const storage = await openDiskStorage(dataDir);
  try {
    let seq = 0;
    const summary = await readSnapshotFile(file, { chunk: (data) => storage.kv.stageSnapshot(seq++, data) });
    const installed: SnapshotMeta = { index: summary.meta.index, term: summary.meta.term, voters };
    await storage.kv.installSnapshot(installed);
    const point = { index: installed.index, term: installed.term };
    await storage.raft.write({ hardState: { term: point.term, vote: null }, compact: point, entries: [] });
    await storage.close();
    return { ...summary, dataDir, installed };
  } catch (err) {
    // Nothing half-restored is left for a node to start on.
    await storage.close().catch(() => undefined);
    await rm(path.join(dataDir, 'db'), { recursive: true, force: true });
    await rm(path.join(dataDir, TAIL_WITNESS_FILE), { force: true });
    throw err;
  }
}

/** A restore never writes over data: the directory must be missing or empty. */
async function refuseNonEmpty(dataDir: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dataDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  if (names.length > 0) {
    throw new RestoreError(
      'DATA_DIR_NOT_EMPTY',
      `data directory ${dataDir} is not empty (${names.slice(0, 3).join(', ')}${names.length > 3 ? ', ...' : ''}); a restore seeds a new node: point it at a new or empty directory`,
    );
  }
}
