/**
 * One node's storage on any abstract-level database: RaftStorage and
 * KvStorage sharing one LevelDB (classic-level on disk, memory-level in tests).
 */
import type { NodeStorage } from './interfaces.js';
import { LevelKvStorage } from './level-kv-storage.js';
import { openLayout, withLevelErrors } from './level-layout.js';
import type { LevelDb } from './level-layout.js';
import { LevelRaftStorage } from './level-raft-storage.js';
import { recoverLevelInstall } from './level-snapshots.js';
import { readFormat, settleFormat, type FoundFormat } from './storage-format.js';
import type { TailWitness } from './tail-witness.js';

export { LevelKvStorage } from './level-kv-storage.js';
export { LevelRaftStorage } from './level-raft-storage.js';
export type { LevelDb } from './level-layout.js';

export interface LevelStorageOptions {
  /** Names the database in errors ("data directory data/n1"). */
  readonly where?: string;
  /** Opens the tail witness, knowing what the database held (disk only; see tail-witness.ts). */
  readonly openWitness?: (found: FoundFormat) => Promise<TailWitness>;
}

/** Opens `db` if needed and builds the node's stores on it; close() closes `db`. */
export async function createLevelStorage(db: LevelDb, options: LevelStorageOptions = {}): Promise<NodeStorage> {
  const where = options.where ?? 'the database';
  const layout = await openLayout(db);
  const found = await readFormat(layout, where);
  // The witness exists before the format is recorded: a recorded format with no witness is damage.
  const witness = await options.openWitness?.(found);
  try {
    await settleFormat(layout, found);
    // A crash in the middle of a snapshot install: finish it before anyone reads the state machine.
    await recoverLevelInstall(layout);
  } catch (err) {
    await witness?.close();
    throw err;
  }
  const raft = new LevelRaftStorage(layout, { ...(witness && { witness }), where });
  const kv = new LevelKvStorage(layout);
  return {
    raft,
    kv,
    async close() {
      // Let queued writes finish (or fail) before the database goes away, and the witness catch up with them.
      await Promise.allSettled([raft.idle(), kv.idle()]);
      await witness?.close();
      await withLevelErrors('closing the database', () => db.close());
    },
  };
}
