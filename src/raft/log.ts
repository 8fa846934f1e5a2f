/**
 * The in-memory view of a node's Raft log: the entries after a compaction
 * point (etcd's "dummy entry"). Every entry the node still holds is here
 * (durable or not yet); the PersistTracker knows which prefix is on disk.
 *
 * The log holds entries start.index + 1 .. lastIndex. start is the last entry
 * compacted away (into a snapshot): its term is still known, so a consistency
 * check at start.index works; anything before it answers COMPACTED (etcd's
 * ErrCompacted), a typed answer the caller must handle, never a crash.
 * A fresh log starts at { index: 0, term: 0 }.
 */
import { assert } from '../util/assert.js';
import { COMPACTED, type Compacted, type Entry, type LogIndex, type LogPoint, type Term } from './types.js';

export const LOG_ORIGIN: LogPoint = { index: 0, term: 0 };

export class RaftLog {
  private entries: Entry[] = [];
  private first: LogPoint;

  constructor(start: LogPoint = LOG_ORIGIN, initial: readonly Entry[] = []) {
    assert(Number.isSafeInteger(start.index) && start.index >= 0, `log start index ${start.index}`);
    this.first = start;
    for (const entry of initial) this.append([entry]);
  }

  /** The compaction point: the last index no longer held, and its term. */
  start(): LogPoint {
    return this.first;
  }

  /** The first index the log holds (lastIndex + 1 when it holds none). */
  firstIndex(): LogIndex {
    return this.first.index + 1;
  }

  lastIndex(): LogIndex {
    return this.first.index + this.entries.length;
  }

  lastTerm(): Term {
    return this.entries.at(-1)?.term ?? this.first.term;
  }

  /** The term at index: COMPACTED before the start, undefined past the end. */
  term(index: LogIndex): Term | Compacted | undefined {
    if (index < this.first.index) return COMPACTED;
    if (index === this.first.index) return this.first.term;
    return this.entries[index - this.first.index - 1]?.term;
  }

  /** The entry at index, undefined when compacted or past the end. */
  entry(index: LogIndex): Entry | undefined {
    if (index <= this.first.index) return undefined;
    return this.entries[index - this.first.index - 1];
  }

  /** Entries with lo <= index < hi, clamped to the end; lo must not be compacted. */
  slice(lo: LogIndex, hi: LogIndex): Entry[] {
    assert(lo > this.first.index, `slice from ${lo}, but the log starts after ${this.first.index}`);
    const offset = this.first.index + 1;
    return this.entries.slice(lo - offset, Math.max(lo - offset, hi - offset));
  }

  matches(index: LogIndex, term: Term): boolean {
    return this.term(index) === term;
  }

  /** Section 5.4.1: is a log ending at (lastIndex, lastTerm) at least as up-to-date as ours? */
  isUpToDate(lastIndex: LogIndex, lastTerm: Term): boolean {
    const ourTerm = this.lastTerm();
    return lastTerm > ourTerm || (lastTerm === ourTerm && lastIndex >= this.lastIndex());
  }

  append(entries: readonly Entry[]): void {
    for (const entry of entries) {
      assert(entry.index === this.lastIndex() + 1, `append index ${entry.index} after ${this.lastIndex()}`);
      assert(entry.term >= this.lastTerm(), `append term ${entry.term} below ${this.lastTerm()}`);
      this.entries.push(entry);
    }
  }

  /** Removes every entry with index >= from (never a compacted one). */
  truncateFrom(from: LogIndex): void {
    assert(from > this.first.index && from <= this.lastIndex(), `truncate from ${from} of ${this.firstIndex()}..${this.lastIndex()}`);
    this.entries.length = from - this.first.index - 1;
  }

  /**
   * Drops every entry up to and including index, which becomes the new start.
   * The log keeps its term, so consistency checks at index still work.
   */
  compactTo(index: LogIndex): void {
    assert(index >= this.first.index && index <= this.lastIndex(), `compact to ${index} of ${this.first.index}..${this.lastIndex()}`);
    const term = this.term(index) as Term;
    this.entries = this.entries.slice(index - this.first.index);
    this.first = { index, term };
  }

  /**
   * Replaces the log by a snapshot's point (section 7): entries after it are
   * kept when the log holds the snapshot's last entry with the same term,
   * else the whole log is discarded.
   */
  restartAt(point: LogPoint): void {
    if (point.index <= this.lastIndex() && point.index >= this.first.index && this.matches(point.index, point.term)) {
      this.compactTo(point.index);
      return;
    }
    this.entries = [];
    this.first = point;
  }

  /**
   * The first index at which `entries` disagree with this log (a different
   * term at the same index), or the first index past this log's end, or 0 when
   * every entry is already here. Entries at compacted indexes are committed,
   * so they agree by the Log Matching property.
   */
  findConflict(entries: readonly Entry[]): LogIndex {
    for (const entry of entries) {
      if (entry.index <= this.first.index) continue;
      if (!this.matches(entry.index, entry.term)) return entry.index;
    }
    return 0;
  }

  /** The first index holding `term`, searching back from index to the start (fast back-off hint). */
  firstIndexOfTerm(index: LogIndex, term: Term): LogIndex {
    let i = index;
    while (i > this.firstIndex() && this.term(i - 1) === term) i--;
    return i;
  }

  /** The last index holding `term` or an earlier term at or before the end (leader side of the hint); 0 if none is held. */
  lastIndexOfTerm(term: Term): LogIndex {
    for (let i = this.lastIndex(); i > this.first.index; i--) {
      const t = this.term(i) as Term;
      if (t === term) return i;
      if (t < term) return 0;
    }
    return 0;
  }
}
