import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Operation } from '../../src/check/history.js';
import { relevantOps } from '../../src/check/history.js';
import { shrinkHistory } from '../../src/check/shrink.js';
import { safeRemoval } from '../../src/check/removal.js';
import { checkHistory, keyHistoryFails } from '../../src/check/linearizability.js';
import { registerModel } from '../../src/check/model.js';
import { bruteForceLinearizable } from './brute.js';
import { executedHistory, randomHistory } from './arbitraries.js';
import { cas, read, write } from './ops.js';

const oneKey = (history: Operation[]): Operation[] => relevantOps(history).filter((op) => op.key === history[0]?.key);
const fails = (ops: Operation[]): boolean => keyHistoryFails(ops, registerModel);

describe('safeRemoval', () => {
  it('never makes a linearizable history fail (removing read-only ops and unobserved setters)', () => {
    const withSubset = executedHistory(7)
      .map(oneKey)
      .chain((ops) => fc.tuple(fc.constant(ops), fc.subarray(ops)));
    fc.assert(
      fc.property(withSubset, ([ops, candidates]) => {
        const removed = safeRemoval(ops, new Set(candidates));
        expect(bruteForceLinearizable(ops.filter((op) => !removed.has(op)))).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('keeps a write whose value a remaining read observes', () => {
    const w = write(1, 0, 1, 'a');
    const r = read(2, 2, 3, 'a');
    expect(safeRemoval([w, r], new Set([w]))).toEqual(new Set());
    expect(safeRemoval([w, r], new Set([w, r]))).toEqual(new Set([w, r]));
  });

  it('keeps every write while a cas that did not swap remains', () => {
    const w = write(1, 0, 1, 'a');
    const c = cas(2, 2, 3, 'z', 'b', false);
    expect(safeRemoval([w, c], new Set([w]))).toEqual(new Set());
  });
});

describe('shrinkHistory', () => {
  it('returns a failing sub-history no larger than the input', () => {
    const failing = randomHistory(7)
      .map(oneKey)
      .filter((ops) => ops.length > 0 && !bruteForceLinearizable(ops));
    fc.assert(
      fc.property(failing, (ops) => {
        const small = shrinkHistory(ops, fails);
        expect(small.length).toBeLessThanOrEqual(ops.length);
        expect(small.every((op) => ops.includes(op))).toBe(true);
        expect(bruteForceLinearizable(small)).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('cuts a stale read out of a long history down to the operations that explain it', () => {
    const noise = Array.from({ length: 40 }, (_, i) => [write(1, 10 * i, 10 * i + 1, `n${i}`), read(2, 10 * i + 2, 10 * i + 3, `n${i}`)]).flat();
    const bad = [write(3, 1000, 1001, 'a'), write(3, 1002, 1003, 'b'), read(4, 1004, 1005, 'a')];
    const small = shrinkHistory([...noise, ...bad], fails);
    expect(small.map((op) => op.id).sort()).toEqual(bad.map((op) => op.id).sort());
  });

  it('stops after checksMax checks and still returns a failing history', () => {
    const ops = [write(1, 0, 1, 'a'), read(2, 0, 1, 'a'), write(1, 2, 3, 'b'), read(2, 4, 5, 'a'), read(3, 6, 7, 'b')];
    let calls = 0;
    const small = shrinkHistory(ops, (sub) => (calls++, fails(sub)), { checksMax: 2 });
    expect(calls).toBeLessThanOrEqual(2);
    expect(fails(small)).toBe(true);
  });

  it('the checker reports the shrunk history of a failing key', () => {
    const history = [...Array.from({ length: 10 }, (_, i) => read(5, i, i + 0.5, null)), write(1, 20, 21, 'a'), read(2, 22, 23, 'ghost')];
    const result = checkHistory(history);
    expect(result.ok).toBe(false);
    if (result.ok === false) expect(result.minimal.map((op) => op.output)).toEqual(['ghost']);
  });
});
