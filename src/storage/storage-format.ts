/**
 * Which on-disk format a database holds (codec.ts, STORAGE_FORMAT), recorded
 * under `format` in the meta sublevel. A new database gets the current format
 * before its first record. A database without the record but with data was
 * written by raftkv before checksums (format 1): it is upgraded in place, once,
 * in one synced batch that rewrites every checksummed record and the format
 * (a crash leaves format 1 intact, and the next start upgrades again). A
 * format this code does not know (a newer raftkv's) is refused.
 */
import {
  FORMAT_1,
  META_APPLIED_INDEX,
  META_FORMAT,
  META_HARD_STATE,
  META_INSTALLING,
  META_LOG_START,
  META_SNAPSHOT,
  STORAGE_FORMAT,
  decodeFormat,
  decodeLogKey,
  encodeAppliedIndex,
  encodeEntry,
  encodeFormat,
  encodeHardState,
  encodeLogPoint,
  encodeSnapshotMeta,
} from './codec.js';
import { StorageError } from './errors.js';
import { withLevelErrors, writeBatch, type Layout, type SublevelBatch } from './level-layout.js';

/** new: an empty database; current: STORAGE_FORMAT; format1: written before checksums. */
export type FoundFormat = 'new' | 'current' | 'format1';

export async function readFormat(layout: Layout, where: string): Promise<FoundFormat> {
  const bytes = await withLevelErrors('reading the storage format', () => layout.meta.get(META_FORMAT));
  if (bytes !== undefined) {
    const format = decodeFormat(bytes);
    if (format !== STORAGE_FORMAT) {
      throw new StorageError('STORAGE_OPEN_FAILED',
        `${where} holds storage format ${format}, which this raftkv does not read (it reads format ${STORAGE_FORMAT}); run the raftkv that wrote it`);
    }
    return 'current';
  }
  const any = await withLevelErrors('looking for data', () => layout.db.keys({ limit: 1 }).all());
  return any.length === 0 ? 'new' : 'format1';
}

/** Records the current format on a new database, or upgrades a format 1 one. */
export async function settleFormat(layout: Layout, found: FoundFormat): Promise<void> {
  if (found === 'current') return;
  const rewrites = found === 'format1' ? await format1Rewrites(layout) : [];
  const build = (batch: SublevelBatch): void => {
    for (const rewrite of rewrites) rewrite(batch);
    batch.put(layout.meta, META_FORMAT, encodeFormat(STORAGE_FORMAT));
  };
  await writeBatch(layout, found === 'new' ? 'recording the storage format' : 'upgrading the storage to format 2', build, { sync: true });
}

type Rewrite = (batch: SublevelBatch) => void;

/** Every record format 2 checksums, read as format 1 (shape-checked) and re-encoded. */
async function format1Rewrites(layout: Layout): Promise<Rewrite[]> {
  const { log, meta } = layout;
  const rewrites: Rewrite[] = [];
  const records = await withLevelErrors('reading the format 1 log', () => log.iterator().all());
  for (const [key, value] of records) {
    const entry = FORMAT_1.entry(decodeLogKey(key), value);
    rewrites.push((batch) => batch.put(log, key, encodeEntry(entry, key)));
  }
  const read = (key: Uint8Array): Promise<Uint8Array | undefined> => withLevelErrors('reading format 1 metadata', () => meta.get(key));
  const hardState = await read(META_HARD_STATE);
  if (hardState) rewrites.push((b) => b.put(meta, META_HARD_STATE, encodeHardState(FORMAT_1.hardState(hardState))));
  const logStart = await read(META_LOG_START);
  if (logStart) rewrites.push((b) => b.put(meta, META_LOG_START, encodeLogPoint(FORMAT_1.logPoint(logStart, 'format 1 log start record'), META_LOG_START)));
  const applied = await read(META_APPLIED_INDEX);
  if (applied) rewrites.push((b) => b.put(meta, META_APPLIED_INDEX, encodeAppliedIndex(FORMAT_1.appliedIndex(applied))));
  for (const key of [META_SNAPSHOT, META_INSTALLING]) {
    const bytes = await read(key);
    if (bytes) rewrites.push((b) => b.put(meta, key, encodeSnapshotMeta(FORMAT_1.snapshotMeta(bytes, 'format 1 snapshot record'), key)));
  }
  return rewrites;
}
