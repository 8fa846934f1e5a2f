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

export { LevelKvStorage } from './level-kv-storage.js';
export { LevelRaftStorage } from './level-raft-storage.js';
export type { LevelDb } from './level-layout.js';

/** Opens `db` if needed and builds the node's stores on it; close() closes `db`. */
export async function createLevelStorage(db: LevelDb): Promise<NodeStorage> {
  const layout = await openLayout(db);
  // A crash in the middle of a snapshot install: finish it before anyone reads the state machine.
  await recoverLevelInstall(layout);
  const raft = new LevelRaftStorage(layout);
  const kv = new LevelKvStorage(layout);
  return {
    raft,
    kv,
    async close() {
      // Let queued writes finish (or fail) before the database goes away.
      await Promise.allSettled([raft.idle(), kv.idle()]);
      await withLevelErrors('closing the database', () => db.close());
    },
  };
}
