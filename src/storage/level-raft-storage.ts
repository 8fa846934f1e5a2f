/**
 * RaftStorage on the `log` and `meta` sublevels. Every write is one synced
 * chained batch on the root database, so truncation, new entries and the
 * hard state become durable together or not at all. On disk a tail witness
 * (tail-witness.ts) outside LevelDB follows the durable tip, and load()
 * refuses a log or hard state that falls short of it.
 */
import { COMPACTED, EMPTY_HARD_STATE } from '../raft/types.js';
import type { Compacted, Entry, HardState, LogIndex, LogPoint, Term } from '../raft/types.js';
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
import { claimOf, type TailWitness } from './tail-witness.js';
import { WriteQueue } from './write-queue.js';

const ORIGIN: LogPoint = { index: 0, term: 0 };
const LOG_READ_BATCH = 1024;

export interface LevelRaftOptions {
  /** Follows the durable tip outside LevelDB (disk only). */
  readonly witness?: TailWitness;
  /** Names the database in errors ("data directory data/n1"). */
  readonly where?: string;
}

export class LevelRaftStorage implements RaftStorage {
  private readonly queue = new WriteQueue('raft log storage');
  private tip: Tip | undefined;
  /** The term of the entry at tip.lastIndex (the log start's term when the log is empty). */
  private lastTerm: Term = 0;
  private readonly witness: TailWitness | undefined;
  private readonly where: string;

  constructor(
    private readonly layout: Layout,
    options: LevelRaftOptions = {},
  ) {
    this.witness = options.witness;
    this.where = options.where ?? 'the database';
  }

  /** Queued behind earlier writes, so it sees all of them. */
  load(): Promise<RaftState> {
    return this.queue.run(() => this.loadNow().catch((err: unknown) => {
      // Name the data directory: the node's start-up error is all an operator sees.
      if (err instanceof StorageError && err.code === 'STORAGE_CORRUPT' && !err.message.includes(this.where)) {
        throw new StorageError('STORAGE_CORRUPT', `${this.where}: ${err.message}`, { cause: err });
      }
      throw err;
    }));
  }

  private async loadNow(): Promise<RaftState> {
    const hardState = await this.readHardState();
    const logStart = await this.readLogStart();
    const entries = await this.readLog(logStart);
    const state = { hardState, logStart, entries };
    this.witness?.check(state, this.where);
    this.tip = { start: logStart, lastIndex: entries.at(-1)?.index ?? logStart.index, hardState };
    this.lastTerm = entries.at(-1)?.term ?? logStart.term;
    return state;
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
    return records.map(([key, value]) => decodeEntry(decodeLogKey(key), value, key));
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
      for (const entry of write.entries) {
        const key = encodeLogKey(entry.index);
        batch.put(log, key, encodeEntry(entry, key));
      }
      if (compact && compact.index > tip.start.index) {
        // Every index in (start, compact] that may hold an entry: the log is contiguous.
        for (let i = tip.start.index + 1; i <= Math.min(compact.index, lastIndex); i++) batch.del(log, encodeLogKey(i));
        batch.put(meta, META_LOG_START, encodeLogPoint(compact, META_LOG_START));
      }
      if (write.hardState) batch.put(meta, META_HARD_STATE, encodeHardState(write.hardState));
    };
    // Synced: Raft votes and acknowledges on the strength of this write.
    const persist = (): Promise<void> => writeBatch(this.layout, 'writing the raft log', build, { sync: true });
    if (this.witness === undefined) {
      await persist();
      this.tip = tipAfter(write, tip);
      return;
    }
    await this.persistWitnessed(this.witness, write, tip, base, persist);
  }

  /**
   * The batch and the witness (see tail-witness.ts): the witness never claims
   * more than LevelDB holds whether or not this batch lands.
   */
  private async persistWitnessed(witness: TailWitness, write: RaftWrite, tip: Tip, base: LogIndex, persist: () => Promise<void>): Promise<void> {
    witness.throwIfFailed();
    // The last index this write leaves untouched: it cuts the log back when that is below the tip.
    const keep = Math.min(base, (write.entries[0]?.index ?? Infinity) - 1);
    const after = tipAfter(write, tip);
    const lastTerm = await this.lastTermAfter(write, tip, after);
    if (keep < tip.lastIndex) await witness.record(claimOf(tip.hardState, keep, await this.termAt(keep, tip.start)));
    await persist();
    this.lastTerm = lastTerm;
    this.tip = after;
    witness.advance(claimOf(after.hardState, after.lastIndex, lastTerm));
  }

  /** The term at the tip once `write` lands; read before it does. */
  private async lastTermAfter(write: RaftWrite, tip: Tip, after: Tip): Promise<Term> {
    const written = write.entries.find((entry) => entry.index === after.lastIndex);
    if (written !== undefined) return written.term;
    if (after.lastIndex === after.start.index) return after.start.term;
    if (after.lastIndex === tip.lastIndex) return this.lastTerm;
    return this.termAt(after.lastIndex, tip.start); // a truncation: an entry this write leaves in place
  }

  /** The term of the entry at `index`, which the log holds (or is its start). */
  private async termAt(index: LogIndex, start: LogPoint): Promise<Term> {
    if (index === start.index) return start.term;
    const key = encodeLogKey(index);
    const bytes = await withLevelErrors('reading a log entry', () => this.layout.log.get(key));
    assert(bytes !== undefined, `the log must hold index ${index}`);
    return decodeEntry(index, bytes, key).term;
  }

  private async readHardState(): Promise<HardState> {
    const bytes = await withLevelErrors('reading the hard state', () => this.layout.meta.get(META_HARD_STATE));
    return bytes === undefined ? EMPTY_HARD_STATE : decodeHardState(bytes);
  }

  private async readLogStart(): Promise<LogPoint> {
    const bytes = await withLevelErrors('reading the log start', () => this.layout.meta.get(META_LOG_START));
    return bytes === undefined ? ORIGIN : decodeLogPoint(bytes, META_LOG_START, 'log start record (sublevel "meta", key "logStart")');
  }

  /**
   * Every retained entry, checked to be contiguous from the start. Read in
   * batches, so a record LevelDB itself cannot read (a damaged table block)
   * is reported with the last index read before it.
   */
  private async readLog(start: LogPoint): Promise<Entry[]> {
    const entries: Entry[] = [];
    const iterator = this.layout.log.iterator();
    try {
      for (;;) {
        const after = entries.at(-1)?.index ?? start.index;
        const records = await withLevelErrors(`reading the log after index ${after}`, () => iterator.nextv(LOG_READ_BATCH));
        if (records.length === 0) return entries;
        for (const [key, value] of records) entries.push(this.nextEntry(start, entries.length, key, value));
      }
    } finally {
      await iterator.close().catch(() => undefined);
    }
  }

  private nextEntry(start: LogPoint, position: number, key: Uint8Array, value: Uint8Array): Entry {
    const index = decodeLogKey(key);
    const expected = start.index + position + 1;
    if (index !== expected) {
      throw new StorageError(
        'STORAGE_CORRUPT',
        `log is not contiguous from index ${start.index + 1}: expected index ${expected}, found ${index} (first bad index ${expected})`,
      );
    }
    return decodeEntry(index, value, key);
  }

  /** The tip without reading the whole log: the hard state, the start and the last log record. */
  private async readTip(): Promise<Tip> {
    const hardState = await this.readHardState();
    const start = await this.readLogStart();
    const [last] = await withLevelErrors('reading the last log record', () =>
      this.layout.log.iterator({ reverse: true, limit: 1 }).all(),
    );
    if (last === undefined) {
      this.lastTerm = start.term;
      return { start, lastIndex: start.index, hardState };
    }
    const lastIndex = decodeLogKey(last[0]);
    this.lastTerm = decodeEntry(lastIndex, last[1], last[0]).term;
    return { start, lastIndex, hardState };
  }

  private keysFrom(index: LogIndex): Promise<Uint8Array[]> {
    return withLevelErrors('listing log keys to truncate', () =>
      this.layout.log.keys({ gte: encodeLogKey(index) }).all(),
    );
  }
}
