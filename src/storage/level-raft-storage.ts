/**
 * RaftStorage on the `log` and `meta` sublevels. Every write is one synced
 * chained batch on the root database, so truncation, new entries and the
 * hard state become durable together or not at all.
 */
import { EMPTY_HARD_STATE } from '../raft/types.js';
import type { Entry, HardState, LogIndex } from '../raft/types.js';
import { assert } from '../util/assert.js';
import {
  META_HARD_STATE,
  decodeEntry,
  decodeHardState,
  decodeLogKey,
  encodeEntry,
  encodeHardState,
  encodeLogKey,
} from './codec.js';
import { StorageError } from './errors.js';
import type { RaftState, RaftStorage, RaftWrite } from './interfaces.js';
import { withLevelErrors, writeBatch, type SublevelBatch } from './level-layout.js';
import type { Layout } from './level-layout.js';
import { WriteQueue } from './write-queue.js';

/** What the next write is checked against: the state after every earlier write. */
interface Tip {
  readonly lastIndex: LogIndex;
  readonly hardState: HardState;
}

export class LevelRaftStorage implements RaftStorage {
  private readonly queue = new WriteQueue('raft log storage');
  private tip: Tip | undefined;

  constructor(private readonly layout: Layout) {}

  /** Queued behind earlier writes, so it sees all of them. */
  load(): Promise<RaftState> {
    return this.queue.run(async () => {
      const hardState = await this.readHardState();
      const entries = await this.readLog();
      this.tip = { lastIndex: entries.at(-1)?.index ?? 0, hardState };
      return { hardState, entries };
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
  async entries(lo: LogIndex, hi: LogIndex): Promise<Entry[]> {
    if (hi <= lo) return [];
    const range = { gte: encodeLogKey(lo), lt: encodeLogKey(hi) };
    const records = await withLevelErrors('reading the log', () => this.layout.log.iterator(range).all());
    return records.map(([key, value]) => decodeEntry(decodeLogKey(key), value));
  }

  /** Call only from the queue. */
  private async writeNow(write: RaftWrite): Promise<void> {
    const tip = this.tip ?? (await this.readTip());
    const base = checkWrite(write, tip);
    const doomed = write.truncateFrom !== undefined && write.truncateFrom <= tip.lastIndex
      ? await this.keysFrom(write.truncateFrom)
      : [];
    const { log, meta } = this.layout;
    const build = (batch: SublevelBatch): void => {
      for (const key of doomed) batch.del(log, key);
      for (const entry of write.entries) batch.put(log, encodeLogKey(entry.index), encodeEntry(entry));
      if (write.hardState) batch.put(meta, META_HARD_STATE, encodeHardState(write.hardState));
    };
    // Synced: Raft votes and acknowledges on the strength of this write.
    await writeBatch(this.layout, 'writing the raft log', build, { sync: true });
    this.tip = {
      lastIndex: Math.max(base, write.entries.at(-1)?.index ?? 0),
      hardState: write.hardState ?? tip.hardState,
    };
  }

  private async readHardState(): Promise<HardState> {
    const bytes = await withLevelErrors('reading the hard state', () => this.layout.meta.get(META_HARD_STATE));
    return bytes === undefined ? EMPTY_HARD_STATE : decodeHardState(bytes);
  }

  /** Every entry, checked to be contiguous from index 1. */
  private async readLog(): Promise<Entry[]> {
    const records = await withLevelErrors('reading the log', () => this.layout.log.iterator().all());
    return records.map(([key, value], i) => {
      const index = decodeLogKey(key);
      if (index !== i + 1) {
        throw new StorageError(
          'STORAGE_CORRUPT',
          `log is not contiguous from index 1: expected index ${i + 1}, found ${index} (first bad index ${i + 1})`,
        );
      }
      return decodeEntry(index, value);
    });
  }

  /** The tip without reading the whole log: the hard state and the last log key. */
  private async readTip(): Promise<Tip> {
    const hardState = await this.readHardState();
    const last = await withLevelErrors('reading the last log key', () =>
      this.layout.log.keys({ reverse: true, limit: 1 }).all(),
    );
    return { lastIndex: last[0] === undefined ? 0 : decodeLogKey(last[0]), hardState };
  }

  private keysFrom(index: LogIndex): Promise<Uint8Array[]> {
    return withLevelErrors('listing log keys to truncate', () =>
      this.layout.log.keys({ gte: encodeLogKey(index) }).all(),
    );
  }
}

/**
 * Asserts that the write keeps the log contiguous and the hard state moving
 * forward (Figure 2: currentTerm only grows; votedFor is fixed within a term).
 * Returns the last index left after the truncation.
 */
function checkWrite(write: RaftWrite, tip: Tip): LogIndex {
  const { truncateFrom, entries, hardState } = write;
  assert(truncateFrom === undefined || (Number.isSafeInteger(truncateFrom) && truncateFrom >= 1),
    `truncateFrom must be a positive integer, got ${truncateFrom}`);
  const base = truncateFrom === undefined ? tip.lastIndex : Math.min(tip.lastIndex, truncateFrom - 1);
  const first = entries[0];
  if (first) {
    assert(first.index >= 1 && first.index <= base + 1,
      `write would leave a gap: first new index ${first.index}, log ends at ${base}`);
  }
  entries.forEach((entry, i) => {
    const prev = entries[i - 1];
    if (!prev) return;
    assert(entry.index === prev.index + 1, `entries not contiguous: ${prev.index} then ${entry.index}`);
    assert(entry.term >= prev.term, `entry terms go back: ${prev.term} then ${entry.term} at ${entry.index}`);
  });
  if (hardState) checkHardState(tip.hardState, hardState);
  return base;
}

function checkHardState(prev: HardState, next: HardState): void {
  assert(next.term >= prev.term, `hard state term goes back from ${prev.term} to ${next.term}`);
  assert(next.term > prev.term || prev.vote === null || next.vote === prev.vote,
    `vote changes within term ${next.term}: ${prev.vote} to ${next.vote}`);
}
