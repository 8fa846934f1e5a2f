/**
 * Which operations can be removed from a one-key history without turning a
 * linearizable history into a non-linearizable one. The shrinker removes only these,
 * so a shrunk history that fails proves the original fails (no artificial failures
 * such as a read whose write was shrunk away); unknowns.ts uses the same rule to drop
 * unknown writes nobody observed before searching.
 *
 * Why the rule holds. Take a linearization L of history H and remove a set S of
 * state-setting operations (writes, deletes, swapping or unknown cas) such that
 *   (a) no remaining operation observes a value an op in S sets: no read returns it and
 *       no swapped cas expects it, and
 *   (b) no failed (swapped=false) or unknown cas remains: their outcome depends on the
 *       exact current value, not just on it being some observed value.
 * In L minus S, every remaining operation whose predecessor setter was in S is an
 * unconditional write or delete (anything else would observe that value), so it is
 * still valid, and every other operation sees the same state as in L. Read-only
 * operations (reads, failed cas) can always be removed: they never change the state.
 */
import type { Operation } from './history.js';

/** The value a state-setting operation leaves, or undefined for read-only operations. */
export function valueSet(op: Operation): { value: string | null } | undefined {
  switch (op.kind) {
    case 'write':
      return { value: op.value ?? null };
    case 'delete':
      return { value: null };
    case 'cas':
      return op.status === 'ok' && op.swapped === false ? undefined : { value: op.value ?? null };
    case 'read':
      return undefined;
  }
}

export function isConditionalCas(op: Operation): boolean {
  return op.kind === 'cas' && !(op.status === 'ok' && op.swapped === true);
}

/** Values `op` requires to be current: a read's output, a swapped cas's expected value. */
export function observedValue(op: Operation): { value: string | null } | undefined {
  if (op.status !== 'ok') return undefined;
  if (op.kind === 'read') return { value: op.output ?? null };
  if (op.kind === 'cas' && op.swapped === true) return { value: op.expected ?? null };
  return undefined;
}

/**
 * The largest part of `candidates` whose removal from `ops` is safe by the rule above:
 * every read-only candidate, plus the setters still unobserved once the rest is known.
 */
export function safeRemoval(ops: readonly Operation[], candidates: ReadonlySet<Operation>): Set<Operation> {
  const readOnly = new Set([...candidates].filter((op) => valueSet(op) === undefined));
  let setters = new Set([...candidates].filter((op) => valueSet(op) !== undefined));
  // Removing fewer setters can only add observers back, so iterate to a fixed point.
  for (;;) {
    const rest = ops.filter((op) => !setters.has(op) && !readOnly.has(op));
    if (setters.size > 0 && rest.some(isConditionalCas)) setters = new Set();
    const observed = new Set(rest.map(observedValue).filter((o) => o !== undefined).map((o) => o.value));
    const kept = new Set([...setters].filter((op) => !observed.has(valueSet(op)!.value)));
    if (kept.size === setters.size) break;
    setters = kept;
  }
  return new Set([...readOnly, ...setters]);
}
