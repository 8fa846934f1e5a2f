/**
 * Bounding unknown operations before the search. An unknown operation returns at
 * +Infinity, so it stays pending to the end and every one of them multiplies the
 * orders to try; a few hundred timeouts would make the search explode. These rewrites
 * each give a history that is linearizable exactly when the input is:
 *
 * 1. Unknown setters nobody observed are dropped, when removal.ts's rule allows it.
 * 2. An unknown setter whose value is unique and observed (an ok read returned it, or
 *    an ok cas swapped on it) must have taken effect before each observer did: it
 *    becomes required, with its return at the earliest observer's return.
 * 3. Any other unknown setter of a value v gets a deadline T: the last return of an ok
 *    operation that observed v or of an ok failed cas. Were it linearized after T,
 *    only unknown cas could follow it before the next state change (an observer of v
 *    or a failed cas there would be linearized after its own return), and a cas that
 *    did not swap can be left out, so the setter can be left out too. After T the
 *    search treats it as never having taken effect. The argument fails if an unknown
 *    cas expecting v could swap right after it: then there is no deadline.
 *
 * 4. Unknown writes left by rule 3 whose value no operation reads or expects write a
 *    value nobody can tell apart from any other such value: they all write one fresh
 *    junk value instead, so search.ts finds them interchangeable (same effect, same
 *    deadline) and tries only one of them at a time.
 *
 * Output contract for search.ts: `return` is the deadline (Infinity when unbounded),
 * and status 'unknown' marks an operation the search may skip.
 */
import type { Operation } from './history.js';
import { isConditionalCas, observedValue, safeRemoval, valueSet } from './removal.js';

export function boundUnknowns(ops: readonly Operation[]): Operation[] {
  const unknownSetters = new Set(ops.filter((op) => op.status === 'unknown' && valueSet(op) !== undefined));
  if (unknownSetters.size === 0) return [...ops];
  const removed = safeRemoval(ops, unknownSetters);
  const kept = ops.filter((op) => !removed.has(op));
  const first = observations(kept, Math.min);
  const last = observations(kept, Math.max);
  const writers = writerCounts(kept);
  const failedCasEnd = kept.reduce((end, op) => (op.status === 'ok' && isConditionalCas(op) ? Math.max(end, op.return ?? end) : end), -Infinity);
  const expected = new Set(kept.map((op) => op.expected));
  const junk = freshValue(kept);
  const casExpects = new Set(kept.filter((op) => op.kind === 'cas' && op.status === 'unknown').map((op) => op.expected ?? null));
  return kept.map((op) => {
    const value = op.status === 'unknown' ? valueSet(op)?.value : undefined;
    if (value === undefined) return op;
    const observed = first.get(value);
    if (value !== null && observed !== undefined && writers.get(value) === 1) {
      return { ...op, status: 'ok', return: Math.max(op.call, observed), ...(op.kind === 'cas' ? { swapped: true } : {}) };
    }
    if (casExpects.has(value)) return { ...op, return: Infinity };
    const deadline = Math.max(op.call, failedCasEnd, last.get(value) ?? -Infinity);
    if (op.kind === 'write' && value !== null && !expected.has(value) && !last.has(value)) return { ...op, value: junk, return: deadline };
    return { ...op, return: deadline };
  });
}

/** A string no operation in `ops` mentions. */
function freshValue(ops: readonly Operation[]): string {
  const used = new Set(ops.flatMap((op) => [op.value, op.expected, op.output]));
  let junk = '\u0000junk';
  while (used.has(junk)) junk += '\u0000';
  return junk;
}

/** For each value some ok operation requires to be current, the min or max of their returns. */
function observations(ops: readonly Operation[], pick: (a: number, b: number) => number): Map<string | null, number> {
  const result = new Map<string | null, number>();
  for (const op of ops) {
    const observed = observedValue(op);
    if (observed === undefined || op.return === null) continue;
    const seen = result.get(observed.value);
    result.set(observed.value, seen === undefined ? op.return : pick(seen, op.return));
  }
  return result;
}

function writerCounts(ops: readonly Operation[]): Map<string | null, number> {
  const counts = new Map<string | null, number>();
  for (const op of ops) {
    const set = valueSet(op);
    if (set !== undefined) counts.set(set.value, (counts.get(set.value) ?? 0) + 1);
  }
  return counts;
}
