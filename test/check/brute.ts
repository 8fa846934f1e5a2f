/**
 * A brute-force linearizability oracle for tiny histories (about 7 operations): tries
 * every subset of unknown operations and every order of the chosen ones consistent
 * with real time, running a map of registers written here independently of model.ts.
 */
import type { Operation } from '../../src/check/history.js';

const end = (op: Operation): number => (op.status === 'unknown' || op.return === null ? Infinity : op.return);

export function bruteForceLinearizable(history: readonly Operation[]): boolean {
  const ops = history.filter((op) => op.status !== 'fail');
  const unknown = ops.filter((op) => op.status === 'unknown');
  const ok = ops.filter((op) => op.status === 'ok');
  for (let mask = 0; mask < 1 << unknown.length; mask++) {
    const chosen = [...ok, ...unknown.filter((_, i) => (mask & (1 << i)) !== 0)];
    if (someOrderWorks(chosen, [], new Map())) return true;
  }
  return false;
}

function someOrderWorks(left: Operation[], done: Operation[], registers: Map<string, string | null>): boolean {
  if (left.length === 0) return true;
  for (const op of left) {
    const rest = left.filter((o) => o !== op);
    // op may go next only if nothing still left finished before op started.
    if (rest.some((o) => end(o) < op.call)) continue;
    const next = apply(registers, op);
    if (next !== undefined && someOrderWorks(rest, [...done, op], next)) return true;
  }
  return false;
}

function apply(registers: Map<string, string | null>, op: Operation): Map<string, string | null> | undefined {
  const current = registers.get(op.key) ?? null;
  const known = op.status === 'ok';
  const next = new Map(registers);
  if (op.kind === 'read') return !known || op.output === current ? next : undefined;
  if (op.kind === 'write') return next.set(op.key, op.value ?? null);
  if (op.kind === 'delete') return next.set(op.key, null);
  const swaps = current === op.expected;
  if (known && swaps !== op.swapped) return undefined;
  return swaps ? next.set(op.key, op.value ?? null) : next;
}
