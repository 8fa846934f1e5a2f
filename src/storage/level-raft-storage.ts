/**
 * RaftStorage on the `log` and `meta` sublevels. Every write is one synced
 * chained batch on the root database, so truncation, new entries and the
 * hard state become durable together or not at all.
 */
import { COMPACTED, EMPTY_HARD_STATE } from '../raft/types.js';
import type { Compacted, Entry, HardState, LogIndex, LogPoint } from '../raft/types.js';
import { assert } from '../util/assert.js';
import {
  META_HARD_STATE,
  META_LOG_START,
  decodeEntry,
  decodeHardState,
  decodeLogKey,
  decodeLogPoint,
  encodeEntry,
  encodeHardState,
  encodeLogKey,
  encodeLogPoint,
} from './codec.js';
import { StorageError } from './errors.js';
import type { RaftState, RaftStorage, RaftWrite } from './interfaces.js';
import { withLevelErrors, writeBatch, type SublevelBatch } from './level-layout.js';
import type { Layout } from './level-layout.js';
import { checkRaftWrite, tipAfter, type Tip } from './raft-write-check.js';
import { WriteQueue } from './write-queue.js';

const ORIGIN: LogPoint = { index: 0, term: 0 };

export class LevelRaftStorage implements RaftStorage {
  private readonly queue = new WriteQueue('raft log storage');
  private tip: Tip | undefined;

  constructor(private readonly layout: Layout) {}

  /** Queued behind earlier writes, so it sees all of them. */
  load(): Promise<RaftState> {
    return this.queue.run(async () => {
      const hardState = await this.readHardState();
      const logStart = await this.readLogStart();
      const entries = await this.readLog(logStart);
      this.tip = { start: logStart, lastIndex: entries.at(-1)?.index ?? logStart.index, hardState };
      return { hardState, logStart, entries };
    });
  }

  write(write: RaftWrite): Promise<void> {
    return this.queue.run(() => this.writeNow(write));
  }

  /** Resolves once every write queued so far has finished. */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  /** Not queued: it sees the writes that have finished, not those still in flight. */
  async entries(lo: LogIndex, hi: LogIndex): Promise<Entry[] | Compacted> {
    if (lo <= (await this.readLogStart()).index) return COMPACTED;
    if (hi <= lo) return [];
    const range = { gte: encodeLogKey(lo), lt: encodeLogKey(hi) };
    const records = await withLevelErrors('reading the log', () => this.layout.log.iterator(range).all());
    return records.map(([key, value]) => decodeEntry(decodeLogKey(key), value));
  }

  /** Call only from the queue. */
  private async writeNow(write: RaftWrite): Promise<void> {
    const tip = this.tip ?? (await this.readTip());
    const base = checkRaftWrite(write, tip);
    const doomed = write.truncateFrom !== undefined && write.truncateFrom <= tip.lastIndex
      ? await this.keysFrom(write.truncateFrom)
      : [];
    const lastIndex = Math.max(base, write.entries.at(-1)?.index ?? 0);
    const { compact } = write;
    const { log, meta } = this.layout;
    const build = (batch: SublevelBatch): void => {
      for (const key of doomed) batch.del(log, key);
      for (const entry of write.entries) batch.put(log, encodeLogKey(entry.index), encodeEntry(entry));
      if (compact && compact.index > tip.start.index) {
        // Every index in (start, compact] that may hold an entry: the log is contiguous.
        for (let i = tip.start.index + 1; i <= Math.min(compact.index, lastIndex); i++) batch.del(log, encodeLogKey(i));
        batch.put(meta, META_LOG_START, encodeLogPoint(compact));
      }
      if (write.hardState) batch.put(meta, META_HARD_STATE, encodeHardState(write.hardState));
    };
    // Synced: Raft votes and acknowledges on the strength of this write.
    await writeBatch(this.layout, 'writing the raft log', build, { sync: true });
    this.tip = tipAfter(write, tip);
  }

  private async readHardState(): Promise<HardState> {
    const bytes = await withLevelErrors('reading the hard state', () => this.layout.meta.get(META_HARD_STATE));
    return bytes === undefined ? EMPTY_HARD_STATE : decodeHardState(bytes);
  }

  private async readLogStart(): Promise<LogPoint> {
    const bytes = await withLevelErrors('reading the log start', () => this.layout.meta.get(META_LOG_START));
    return bytes === undefined ? ORIGIN : decodeLogPoint(bytes, 'log start record (meta key "logStart")');
  }

  /** Every retained entry, checked to be contiguous from the start. */
  private async readLog(start: LogPoint): Promise<Entry[]> {
    const records = await withLevelErrors('reading the log', () => this.layout.log.iterator().all());
    return records.map(([key, value], i) => {
      const index = decodeLogKey(key);
      const expected = start.index + i + 1;
      if (index !== expected) {
        throw new StorageError(
          'STORAGE_CORRUPT',
          `log is not contiguous from index ${start.index + 1}: expected index ${expected}, found ${index} (first bad index ${expected})`,
        );
      }
      return decodeEntry(index, value);
    });
  }

  /** The tip without reading the whole log: the hard state, the start and the last log key. */
  private async readTip(): Promise<Tip> {
    const hardState = await this.readHardState();
    const start = await this.readLogStart();
    const last = await withLevelErrors('reading the last log key', () =>
      this.layout.log.keys({ reverse: true, limit: 1 }).all(),
    );
    return { start, lastIndex: last[0] === undefined ? start.index : decodeLogKey(last[0]), hardState };
  }

  private keysFrom(index: LogIndex): Promise<Uint8Array[]> {
    return withLevelErrors('listing log keys to truncate', () =>
      this.layout.log.keys({ gte: encodeLogKey(index) }).all(),
    );
  }
}
