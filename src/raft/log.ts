/**
 * The in-memory view of a node's Raft log. Every entry the node holds is here
 * (durable or not yet); the PersistTracker knows which prefix is on disk.
 * Indices start at 1; index 0 is the empty prefix with term 0.
 */
import { assert } from '../util/assert.js';
import type { Entry, LogIndex, Term } from './types.js';

export class RaftLog {
  private readonly entries: Entry[] = [];

  constructor(initial: readonly Entry[] = []) {
    for (const entry of initial) this.append([entry]);
  }

  lastIndex(): LogIndex {
    return this.entries.length;
  }

  lastTerm(): Term {
    return this.term(this.lastIndex()) ?? 0;
  }

  /** The term of the entry at index, 0 for index 0, undefined past the end. */
  term(index: LogIndex): Term | undefined {
    if (index === 0) return 0;
    return this.entries[index - 1]?.term;
  }

  entry(index: LogIndex): Entry | undefined {
    return this.entries[index - 1];
  }

  /** Entries with lo <= index < hi, clamped to what exists. */
  slice(lo: LogIndex, hi: LogIndex): Entry[] {
    assert(lo >= 1, `slice from ${lo}`);
    return this.entries.slice(lo - 1, Math.max(lo - 1, hi - 1));
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

  /** Removes every entry with index >= from. */
  truncateFrom(from: LogIndex): void {
    assert(from >= 1 && from <= this.lastIndex(), `truncate from ${from} of ${this.lastIndex()}`);
    this.entries.length = from - 1;
  }

  /**
   * The first index at which `entries` disagree with this log (a different
   * term at the same index), or the first index past this log's end, or 0 when
   * every entry is already here.
   */
  findConflict(entries: readonly Entry[]): LogIndex {
    for (const entry of entries) {
      if (!this.matches(entry.index, entry.term)) return entry.index;
    }
    return 0;
  }

  /** The first index holding `term`, searching back from index (fast back-off hint). */
  firstIndexOfTerm(index: LogIndex, term: Term): LogIndex {
    let i = index;
    while (i > 1 && this.term(i - 1) === term) i--;
    return i;
  }

  /** The last index holding `term` or an earlier term at or before index (leader side of the hint). */
  lastIndexOfTerm(term: Term): LogIndex {
    for (let i = this.lastIndex(); i >= 1; i--) {
      const t = this.term(i)!;
      if (t === term) return i;
      if (t < term) return 0;
    }
    return 0;
  }
}
