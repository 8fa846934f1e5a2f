/**
 * The offset log (RaftLog): entries after a compaction point, whose term is
 * still known; a compacted index answers COMPACTED instead of failing.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RaftLog } from '../../src/raft/log.js';
import { COMPACTED, type Entry } from '../../src/raft/types.js';
import { AssertionError } from '../../src/util/assert.js';

const entry = (index: number, term: number): Entry => ({ index, term, type: 1, data: Uint8Array.of(index % 256) });
const run = (from: number, to: number, term: number): Entry[] =>
  Array.from({ length: to - from + 1 }, (_, i) => entry(from + i, term));

describe('RaftLog with an offset', () => {
  it('starts empty at the origin: index 0 has term 0', () => {
    const log = new RaftLog();
    expect([log.firstIndex(), log.lastIndex(), log.lastTerm(), log.term(0)]).toEqual([1, 0, 0, 0]);
    expect(log.term(1)).toBeUndefined();
  });

  it('answers the start term at the start, COMPACTED before it, undefined past the end', () => {
    const log = new RaftLog({ index: 10, term: 3 }, run(11, 13, 4));
    expect([log.firstIndex(), log.lastIndex(), log.lastTerm()]).toEqual([11, 13, 4]);
    expect(log.term(10)).toBe(3);
    expect(log.term(9)).toBe(COMPACTED);
    expect(log.term(0)).toBe(COMPACTED);
    expect(log.term(14)).toBeUndefined();
    expect(log.entry(10)).toBeUndefined();
    expect(log.entry(12)?.index).toBe(12);
    expect(log.matches(10, 3)).toBe(true);
    expect(log.matches(9, 3)).toBe(false);
  });

  it('an empty retained log reports the start as its last entry (section 5.4.1 uses it)', () => {
    const log = new RaftLog({ index: 7, term: 2 });
    expect([log.lastIndex(), log.lastTerm()]).toEqual([7, 2]);
    expect(log.isUpToDate(7, 2)).toBe(true);
    expect(log.isUpToDate(6, 2)).toBe(false);
    log.append([entry(8, 2)]);
    expect(log.lastIndex()).toBe(8);
  });

  it('refuses to slice, truncate or append at compacted indexes (programmer errors)', () => {
    const log = new RaftLog({ index: 5, term: 1 }, run(6, 8, 1));
    expect(() => log.slice(5, 8)).toThrow(AssertionError);
    expect(() => log.truncateFrom(5)).toThrow(AssertionError);
    expect(() => log.append([entry(5, 1)])).toThrow(AssertionError);
    expect(log.slice(6, 8).map((e) => e.index)).toEqual([6, 7]);
    expect(log.slice(7, 99).map((e) => e.index)).toEqual([7, 8]);
  });

  it('compactTo drops a prefix and keeps the new start term', () => {
    const log = new RaftLog({ index: 0, term: 0 }, [...run(1, 3, 1), ...run(4, 6, 2)]);
    log.compactTo(4);
    expect(log.start()).toEqual({ index: 4, term: 2 });
    expect(log.term(3)).toBe(COMPACTED);
    expect(log.slice(5, 7).map((e) => e.index)).toEqual([5, 6]);
    log.compactTo(6);
    expect([log.firstIndex(), log.lastIndex(), log.lastTerm()]).toEqual([7, 6, 2]);
    expect(() => log.compactTo(3)).toThrow(AssertionError);
    expect(() => log.compactTo(7)).toThrow(AssertionError);
  });

  it('restartAt keeps the entries after a matching snapshot point and discards a log that does not match (section 7)', () => {
    const kept = new RaftLog({ index: 0, term: 0 }, run(1, 6, 1));
    kept.restartAt({ index: 4, term: 1 });
    expect([kept.firstIndex(), kept.lastIndex()]).toEqual([5, 6]);
    const conflicting = new RaftLog({ index: 0, term: 0 }, run(1, 6, 1));
    conflicting.restartAt({ index: 4, term: 2 });
    expect([conflicting.firstIndex(), conflicting.lastIndex(), conflicting.lastTerm()]).toEqual([5, 4, 2]);
    const short = new RaftLog({ index: 0, term: 0 }, run(1, 2, 1));
    short.restartAt({ index: 9, term: 3 });
    expect(short.start()).toEqual({ index: 9, term: 3 });
    expect(short.lastIndex()).toBe(9);
  });

  it('findConflict skips entries at compacted indexes (committed, so they match)', () => {
    const log = new RaftLog({ index: 4, term: 1 }, run(5, 6, 1));
    expect(log.findConflict(run(3, 6, 1))).toBe(0);
    expect(log.findConflict([...run(3, 5, 1), entry(6, 2)])).toBe(6);
    expect(log.findConflict(run(3, 8, 1))).toBe(7);
  });

  it('the back-off hints never look before the start', () => {
    const log = new RaftLog({ index: 4, term: 2 }, [...run(5, 7, 2), ...run(8, 9, 3)]);
    expect(log.firstIndexOfTerm(7, 2)).toBe(5);
    expect(log.firstIndexOfTerm(9, 3)).toBe(8);
    expect(log.lastIndexOfTerm(2)).toBe(7);
    expect(log.lastIndexOfTerm(1)).toBe(0);
  });

  it('answers like a log that was never compacted, at every index it still holds', () => {
    const property = fc.property(
      fc.array(fc.nat({ max: 2 }), { minLength: 1, maxLength: 30 }),
      fc.nat({ max: 40 }),
      (steps, cut) => {
        let term = 1;
        const entries = steps.map((step, i) => entry(i + 1, (term += step)));
        const full = new RaftLog({ index: 0, term: 0 }, entries);
        const compacted = new RaftLog({ index: 0, term: 0 }, entries);
        const at = Math.min(cut, entries.length);
        compacted.compactTo(at);
        for (let i = at; i <= entries.length + 1; i++) expect(compacted.term(i)).toBe(full.term(i));
        for (let i = 0; i < at; i++) expect(compacted.term(i)).toBe(COMPACTED);
        expect([compacted.lastIndex(), compacted.lastTerm()]).toEqual([full.lastIndex(), full.lastTerm()]);
      },
    );
    fc.assert(property, { numRuns: 200 });
  });
});
