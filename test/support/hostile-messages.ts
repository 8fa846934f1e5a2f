/**
 * fast-check arbitraries for structurally valid but semantically hostile Raft
 * messages (without from and to): terms and indexes near a cluster's own and
 * at the bounds, entries that skip or go back, and plausible appends that pass
 * the edge checks.
 */
import fc from 'fast-check';
import { INDEX_MAX, TERM_MAX } from '../../src/raft/message-checks.js';
import { ENTRY_COMMAND, ENTRY_NOOP, type Entry } from '../../src/raft/types.js';

/** Terms and indexes near the interesting values: around the cluster's, and at the bounds. */
const near = (max: number) =>
  fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min: 0, max }) },
    { weight: 1, arbitrary: fc.constantFrom(TERM_MAX, TERM_MAX + 1, INDEX_MAX + 1, Number.MAX_SAFE_INTEGER, 1e12) },
  );

const entries = (max: number) =>
  fc.array(
    fc.record({
      index: near(max),
      term: near(max),
      type: fc.constantFrom(ENTRY_NOOP, ENTRY_COMMAND),
      data: fc.uint8Array({ maxLength: 8 }),
    }),
    { maxLength: 4 },
  );

/** Contiguous entries from prevLogIndex + 1 with non-decreasing terms: they pass the edge. */
const plausibleAppend = (max: number) =>
  fc.record({ prev: near(max), prevTerm: near(max), count: fc.integer({ min: 0, max: 4 }), commit: near(max), term: near(max) }).map(
    ({ prev, prevTerm, count, commit, term }) => ({
      type: 'AppendEntries' as const,
      term,
      prevLogIndex: prev,
      prevLogTerm: prev === 0 ? 0 : Math.min(prevTerm, term),
      entries: Array.from({ length: count }, (_, i): Entry => ({ index: prev + 1 + i, term, type: ENTRY_COMMAND, data: Uint8Array.of(i) })),
      leaderCommit: commit,
    }),
  );

export function hostileBody(max: number) {
  return fc.oneof(
    fc.record({ type: fc.constant('RequestVote' as const), term: near(max), lastLogIndex: near(max), lastLogTerm: near(max) }),
    fc.record({ type: fc.constant('RequestVoteResponse' as const), term: near(max), granted: fc.boolean() }),
    fc.record({
      type: fc.constant('AppendEntries' as const), term: near(max), prevLogIndex: near(max), prevLogTerm: near(max),
      entries: entries(max), leaderCommit: near(max),
    }),
    plausibleAppend(max),
    fc.record({
      type: fc.constant('AppendEntriesResponse' as const), term: near(max), success: fc.boolean(), matchIndex: near(max),
      conflictIndex: near(max), conflictTerm: near(max), rejectedIndex: near(max),
    }),
    fc.record({ type: fc.constant('Heartbeat' as const), term: near(max), commit: near(max), readRound: near(max) }),
    fc.record({ type: fc.constant('HeartbeatResponse' as const), term: near(max), readRound: near(max) }),
  );
}

