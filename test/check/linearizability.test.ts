import { describe, expect, it } from 'vitest';
import { checkHistory, HistoryError } from '../../src/check/linearizability.js';
import type { Operation } from '../../src/check/history.js';
import { cas, del, read, write } from './ops.js';
import { bruteForceLinearizable } from './brute.js';

/** Checks with the checker and, for tiny histories, confirms with the brute-force oracle. */
function verdict(history: Operation[]): boolean {
  const result = checkHistory(history);
  expect(result.ok).not.toBe('unknown');
  if (history.length <= 7) expect(bruteForceLinearizable(history)).toBe(result.ok);
  return result.ok === true;
}

describe('linearizable histories', () => {
  it('an unknown write after a failed CAS may never have happened (found by the simulator, seeds 30023 and 10075)', () => {
    const history: Operation[] = [
      { id: 1, client: 1, key: 'k', kind: 'cas', status: 'ok', call: 0, return: 1, value: 'b', expected: 'a', swapped: false },
      { id: 2, client: 2, key: 'k', kind: 'write', status: 'unknown', call: 2, return: null, value: 'c' },
      { id: 3, client: 3, key: 'k', kind: 'read', status: 'ok', call: 3, return: 4, output: null },
    ];
    expect(checkHistory(history).ok).toBe(true);
    expect(bruteForceLinearizable(history)).toBe(true);
  });

  it('sequential operations', () => {
    expect(verdict([write(1, 0, 1, 'a'), read(1, 2, 3, 'a'), write(1, 4, 5, 'b'), read(2, 6, 7, 'b')])).toBe(true);
  });

  it('overlapping writes read in either order', () => {
    const writes = (): Operation[] => [write(1, 0, 10, 'a'), write(2, 1, 9, 'b')];
    expect(verdict([...writes(), read(3, 11, 12, 'a')])).toBe(true);
    expect(verdict([...writes(), read(3, 11, 12, 'b')])).toBe(true);
  });

  it('a read concurrent with a write sees the old or the new value', () => {
    const before = (): Operation[] => [write(1, 0, 1, 'old'), write(1, 2, 10, 'new')];
    expect(verdict([...before(), read(2, 3, 5, 'old')])).toBe(true);
    expect(verdict([...before(), read(2, 3, 5, 'new')])).toBe(true);
  });

  it('cas success and failure', () => {
    expect(verdict([write(1, 0, 1, 'a'), cas(1, 2, 3, 'a', 'b', true), read(1, 4, 5, 'b')])).toBe(true);
    expect(verdict([write(1, 0, 1, 'a'), cas(1, 2, 3, 'z', 'b', false), read(1, 4, 5, 'a')])).toBe(true);
  });

  it('delete then read null', () => {
    expect(verdict([write(1, 0, 1, 'a'), del(1, 2, 3), read(2, 4, 5, null)])).toBe(true);
  });

  it('a read of an absent key sees null', () => {
    expect(verdict([read(1, 0, 1, null)])).toBe(true);
  });

  it('an unknown write that later appears in a read', () => {
    expect(verdict([write(1, 0, null, 'a', { status: 'unknown' }), read(2, 50, 51, 'a')])).toBe(true);
  });

  it('an unknown write that never appears', () => {
    expect(verdict([write(1, 0, 1, 'a'), write(1, 2, null, 'b', { status: 'unknown' }), read(2, 50, 51, 'a')])).toBe(true);
  });

  it('an unknown write seen, then overwritten, then not seen', () => {
    const history = [write(1, 0, null, 'u', { status: 'unknown' }), read(2, 5, 6, 'u'), write(2, 7, 8, 'w'), read(2, 9, 10, 'w')];
    expect(verdict(history)).toBe(true);
  });

  it('failed operations are ignored', () => {
    expect(verdict([write(1, 0, 1, 'a'), write(1, 2, 3, 'b', { status: 'fail' }), read(2, 4, 5, 'a')])).toBe(true);
  });

  it('operations touching at the same instant count as concurrent', () => {
    expect(verdict([write(1, 0, 5, 'a'), read(2, 5, 6, null)])).toBe(true);
  });

  it('keys are independent', () => {
    const y = (op: Operation): Operation => ({ ...op, key: 'y' });
    const history = [write(1, 0, 1, 'a'), y(write(2, 0, 1, 'b')), read(1, 2, 3, 'a'), y(read(2, 2, 3, 'b'))];
    const result = checkHistory(history);
    expect(result).toMatchObject({ ok: true, keys: 2, operations: 4 });
  });
});

describe('non-linearizable histories', () => {
  it('a stale read after a completed write', () => {
    expect(verdict([write(1, 0, 1, 'a'), write(1, 2, 3, 'b'), read(2, 4, 5, 'a')])).toBe(false);
  });

  it('a read of a value never written', () => {
    expect(verdict([write(1, 0, 1, 'a'), read(2, 2, 3, 'ghost')])).toBe(false);
  });

  it('two sequential reads going back in time', () => {
    const history = [write(1, 0, 1, 'old'), write(1, 2, 20, 'new'), read(2, 3, 4, 'new'), read(3, 5, 6, 'old')];
    expect(verdict(history)).toBe(false);
  });

  it('cas reported swapped when the expected value could not be current', () => {
    expect(verdict([write(1, 0, 1, 'a'), write(1, 2, 3, 'b'), cas(2, 4, 5, 'a', 'c', true)])).toBe(false);
  });

  it('cas reported not swapped when the expected value must be current', () => {
    expect(verdict([write(1, 0, 1, 'a'), cas(2, 2, 3, 'a', 'c', false)])).toBe(false);
  });

  it('a lost write: write ok, a later read sees the older value', () => {
    const history = [write(1, 0, 1, 'v1'), read(2, 2, 3, 'v1'), write(1, 4, 5, 'v2'), read(2, 6, 7, 'v1')];
    expect(verdict(history)).toBe(false);
  });

  it('an unknown write appearing before its call', () => {
    expect(verdict([read(2, 0, 1, 'late'), write(1, 5, null, 'late', { status: 'unknown' })])).toBe(false);
  });

  it('a read of null after a completed write with no delete', () => {
    expect(verdict([write(1, 0, 1, 'a'), read(2, 2, 3, null)])).toBe(false);
  });

  it('reports the key, the failing sub-history, a smaller one and an explanation', () => {
    const y = (op: Operation): Operation => ({ ...op, key: 'y' });
    const bad = [write(1, 0, 1, 'a'), write(1, 2, 3, 'b'), read(2, 4, 5, 'a')];
    const noise = [read(3, -5, -4, null), read(3, 0, 0.5, null), read(4, 1.5, 2.5, 'a')];
    const result = checkHistory([...bad, ...noise, y(write(5, 0, 1, 'q'))]);
    expect(result.ok).toBe(false);
    if (result.ok !== false) return;
    expect(result.key).toBe('x');
    expect(result.operations.map((op) => op.id).sort()).toEqual([...bad, ...noise].map((op) => op.id).sort());
    expect(result.minimal.map((op) => op.id).sort()).toEqual(bad.map((op) => op.id).sort());
    expect(result.explanation).toContain('not linearizable');
    expect(result.explanation).toContain(`#${bad[2]!.id} read -> "a"`);
  });
});

describe('limits and input errors', () => {
  it('returns unknown when the step budget runs out', () => {
    const history = Array.from({ length: 12 }, (_, i) => write(i, 0, 100, `w${i}`)).concat([read(99, 101, 102, 'nobody')]);
    const result = checkHistory(history, { budgetSteps: 50 });
    expect(result).toMatchObject({ ok: 'unknown', reason: 'budget', key: 'x' });
  });

  it('rejects malformed histories with a coded error', () => {
    const bad = [write(1, 0, 1, 'a'), { ...read(1, 5, 3, 'a') }];
    expect(() => checkHistory(bad)).toThrow(HistoryError);
    const first = write(1, 0, 1, 'a');
    expect(() => checkHistory([first, { ...write(2, 0, 1, 'b'), id: first.id }])).toThrow(/duplicate id/);
    expect(() => checkHistory([write(1, 0, 10, 'a'), read(1, 5, 12, 'a')])).toThrow(/overlap/);
  });

  it('accepts the JSON form of a history', () => {
    const history = [write(1, 0, null, 'a', { status: 'unknown' }), read(2, 3, 4, 'a')];
    const parsed = JSON.parse(JSON.stringify(history)) as Operation[];
    expect(checkHistory(parsed).ok).toBe(true);
  });
});
