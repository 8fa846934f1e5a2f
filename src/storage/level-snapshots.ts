/**
 * Snapshots of the state machine on LevelDB. Sending one reads an explicit
 * LevelDB snapshot (a consistent view, taken between applies) in chunks, so
 * the node never holds the state in memory and applies go on meanwhile.
 * Receiving one stages its chunks in the `snap` sublevel, then switches:
 *
 *   1. a synced `installing` marker in `meta` names the snapshot;
 *   2. the state machine's spaces are emptied and refilled from the chunks;
 *   3. one synced batch writes the applied index and snapshot metadata and
 *      deletes the marker.
 *
 * A crash before 1 leaves the old state; after it, opening the database
 * finishes steps 2 and 3 again (they are idempotent), so the node comes back
 * with the new state, never a mix.
 */
import type { SnapshotMeta } from '../raft/types.js';
import {
  META_APPLIED_INDEX,
  META_INSTALLING,
  META_SESSION_PREFIX,
  META_SNAPSHOT,
  decodeSnapshotMeta,
  encodeAppliedIndex,
  encodeLogKey,
  encodeSnapshotMeta,
  prefixUpperBound,
} from './codec.js';
import type { SnapshotReader, SnapshotSize } from './interfaces.js';
import { withLevelErrors, writeBatch, type Layout, type Sublevel, type SublevelBatch } from './level-layout.js';
import { SPACE_KV, SPACE_SESSION, decodeChunk, encodeChunk, recordBytes, type SnapshotRecord, type Space } from './snapshot-format.js';

const SESSION_RANGE = { gte: META_SESSION_PREFIX, lt: prefixUpperBound(META_SESSION_PREFIX)! };
const ROWS_PER_READ = 256;

type RowIterator = { nextv(n: number): Promise<Array<[Uint8Array, Uint8Array]>>; close(): Promise<void> };

/** Opens a view of the state machine as it is now; call from the store's write queue, between applies. */
export function openLevelSnapshot(layout: Layout, meta: SnapshotMeta): SnapshotReader {
  const snapshot = layout.db.snapshot();
  const sources: Array<{ space: Space; rows: RowIterator }> = [
    { space: SPACE_KV, rows: layout.kv.iterator({ snapshot }) as unknown as RowIterator },
    { space: SPACE_SESSION, rows: layout.meta.iterator({ ...SESSION_RANGE, snapshot }) as unknown as RowIterator },
  ];
  let source = 0;
  let buffer: SnapshotRecord[] = [];
  let at = 0;
  const fill = async (): Promise<void> => {
    while (at === buffer.length && source < sources.length) {
      const { space, rows } = sources[source]!;
      const batch = await withLevelErrors('reading a snapshot', () => rows.nextv(ROWS_PER_READ));
      if (batch.length === 0) {
        await rows.close();
        source++;
        continue;
      }
      const strip = space === SPACE_SESSION ? META_SESSION_PREFIX.length : 0;
      buffer = batch.map(([key, value]) => [space, key.subarray(strip), value] as const);
      at = 0;
    }
  };
  return {
    meta,
    async next(maxBytes) {
      const records: SnapshotRecord[] = [];
      let bytes = 0;
      for (await fill(); at < buffer.length; await fill()) {
        const record = buffer[at]!;
        const size = recordBytes(record[1], record[2]);
        if (records.length > 0 && bytes + size > maxBytes) break;
        records.push(record);
        bytes += size;
        at++;
      }
      return { data: encodeChunk(records), last: at === buffer.length && source === sources.length };
    },
    async close() {
      for (const { rows } of sources.slice(source)) await rows.close();
      source = sources.length;
      await snapshot.close();
    },
  };
}

/** Stages one received chunk (seq 0 starts a new staging area). Not synced: step 1 of the install syncs it. */
export async function stageLevelChunk(layout: Layout, seq: number, data: Uint8Array): Promise<void> {
  if (seq === 0) await withLevelErrors('emptying the snapshot staging area', () => layout.snap.clear());
  await writeBatch(layout, `staging snapshot chunk ${seq}`, (batch) => batch.put(layout.snap, encodeLogKey(seq), data), { sync: false });
}

export async function installLevelSnapshot(layout: Layout, meta: SnapshotMeta, switching?: () => void): Promise<SnapshotSize> {
  // The chunks were checked when staged; a damaged one stops the install before the marker.
  const chunks = await withLevelErrors('reading staged snapshot chunks', () => layout.snap.values().all());
  chunks.forEach((chunk, i) => decodeChunk(chunk, `staged snapshot chunk ${i}`));
  await writeBatch(layout, 'marking a snapshot install', (b) => b.put(layout.meta, META_INSTALLING, encodeSnapshotMeta(meta, META_INSTALLING)), { sync: true });
  switching?.();
  return completeInstall(layout, meta);
}

/** Finishes an install a crash interrupted (called when the database opens). */
export async function recoverLevelInstall(layout: Layout): Promise<void> {
  const marker = await withLevelErrors('reading the install marker', () => layout.meta.get(META_INSTALLING));
  if (marker === undefined) return;
  await completeInstall(layout, decodeSnapshotMeta(marker, 'install marker (sublevel "meta", key "installing")', META_INSTALLING));
}

async function completeInstall(layout: Layout, meta: SnapshotMeta): Promise<SnapshotSize> {
  await withLevelErrors('emptying the state machine', async () => {
    await layout.kv.clear();
    await layout.meta.clear(SESSION_RANGE);
  });
  const chunks = await withLevelErrors('reading staged snapshot chunks', () => layout.snap.values().all());
  const size = { bytes: 0, keys: 0 };
  for (const [i, chunk] of chunks.entries()) {
    const records = decodeChunk(chunk, `staged snapshot chunk ${i}`);
    size.bytes += chunk.length;
    for (const [space] of records) if (space === SPACE_KV) size.keys++;
    await writeBatch(layout, `installing snapshot chunk ${i}`, (batch) => putRecords(batch, layout, records), { sync: false });
  }
  const finish = (batch: SublevelBatch): void => {
    batch.put(layout.meta, META_APPLIED_INDEX, encodeAppliedIndex(meta.index));
    batch.put(layout.meta, META_SNAPSHOT, encodeSnapshotMeta(meta));
    batch.del(layout.meta, META_INSTALLING);
  };
  await writeBatch(layout, `finishing the install of the snapshot at ${meta.index}`, finish, { sync: true });
  await withLevelErrors('emptying the snapshot staging area', () => layout.snap.clear());
  return size;
}

function putRecords(batch: SublevelBatch, layout: Layout, records: readonly SnapshotRecord[]): void {
  for (const [space, key, value] of records) {
    const [sublevel, stored]: [Sublevel, Uint8Array] =
      space === SPACE_KV ? [layout.kv, key] : [layout.meta, Buffer.concat([META_SESSION_PREFIX, key])];
    batch.put(sublevel, stored, value);
  }
}
