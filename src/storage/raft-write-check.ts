/**
 * The rules every RaftStorage write must keep, checked against the state
 * after every earlier write (the tip) before any of it lands. Shared by the
 * LevelDB storage and the simulator's disk, so the two cannot drift apart.
 * A write that breaks them is a bug in the caller: these are assertions.
 */
import type { HardState, LogIndex, LogPoint } from '../raft/types.js';
import { assert } from '../util/assert.js';
import type { RaftWrite } from './interfaces.js';

/** What the next write is checked against: the log's bounds and hard state after every earlier write. */
export interface Tip {
  readonly start: LogPoint;
  readonly lastIndex: LogIndex;
  readonly hardState: HardState;
}

/**
 * Asserts that the write keeps the log contiguous and the hard state moving
 * forward (Figure 2: currentTerm only grows; votedFor is fixed within a term).
 * Returns the last index left after the truncation.
 */
export function checkRaftWrite(write: RaftWrite, tip: Tip): LogIndex {
  const { truncateFrom, entries, hardState, compact } = write;
  assert(truncateFrom === undefined || (Number.isSafeInteger(truncateFrom) && truncateFrom > tip.start.index),
    `truncateFrom must be an index after the log's start ${tip.start.index}, got ${truncateFrom}`);
  assert(compact === undefined || (Number.isSafeInteger(compact.index) && compact.index >= tip.start.index),
    `the log's start must not go back: at ${tip.start.index}, compact to ${compact?.index}`);
  const base = truncateFrom === undefined ? tip.lastIndex : Math.min(tip.lastIndex, truncateFrom - 1);
  const first = entries[0];
  if (first) {
    assert(first.index > tip.start.index && first.index <= base + 1,
      `write would leave a gap: first new index ${first.index}, log holds ${tip.start.index + 1}..${base}`);
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

/** The tip once `write` (already checked) has landed. */
export function tipAfter(write: RaftWrite, tip: Tip): Tip {
  const base = write.truncateFrom === undefined ? tip.lastIndex : Math.min(tip.lastIndex, write.truncateFrom - 1);
  const lastIndex = Math.max(base, write.entries.at(-1)?.index ?? 0);
  const start = write.compact && write.compact.index > tip.start.index ? write.compact : tip.start;
  return { start, lastIndex: Math.max(lastIndex, start.index), hardState: write.hardState ?? tip.hardState };
}
