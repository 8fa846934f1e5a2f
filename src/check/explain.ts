/**
 * Failure explanations: the shrunk history as a timeline, then the deepest partial
 * linearization the search found and why no pending operation could come next.
 */
import type { Operation } from './history.js';
import { returnTime } from './history.js';
import { boundUnknowns } from './unknowns.js';
import type { Model } from './model.js';
import { searchLinearization } from './search.js';
import { formatHistory, formatOperation, formatOutcome } from './format.js';

const EXPLAIN_STEPS_MAX = 1_000_000;

export function explainFailure<S>(key: string, all: readonly Operation[], minimal: readonly Operation[], model: Model<S>): string {
  const lines = [
    `key ${JSON.stringify(key)}: not linearizable (${all.length} operations; shrunk to ${minimal.length}).`,
    formatHistory(minimal),
  ];
  const result = searchLinearization(boundUnknowns(minimal), model, { stepsMax: EXPLAIN_STEPS_MAX, deadlineMs: Infinity }, true);
  if (result.kind === 'fail' && result.best !== null) lines.push(...describeDeadEnd(minimal, result.best.order, result.best.state, model));
  return lines.join('\n');
}

function describeDeadEnd<S>(ops: readonly Operation[], bounded: readonly Operation[], state: S, model: Model<S>): string[] {
  // The search saw boundUnknowns' rewritten copies; show the operations as recorded.
  const byId = new Map(ops.map((op) => [op.id, op]));
  const order = bounded.map((op) => byId.get(op.id) ?? op);
  const done = new Set(order.map((op) => op.id));
  const pending = ops.filter((op) => !done.has(op.id));
  // Operations that could come next: called before every pending operation returned.
  const firstReturn = Math.min(...pending.map(returnTime));
  const candidates = pending.filter((op) => op.call <= firstReturn);
  const show = (op: Operation): string => `#${op.id} ${formatOperation(op)} ${formatOutcome(op)}`;
  const stateText = model.describe?.(state) ?? model.hash(state);
  return [
    order.length === 0
      ? 'No operation can be linearized first.'
      : `Longest linearizable prefix found: ${order.map(show).join(', ')}; the register is then ${stateText}.`,
    'None of the operations that could come next fits:',
    ...candidates.map((op) => `  ${show(op)}: ${model.step(state, op).ok ? 'fits, but no order of the rest works after it' : `impossible when the register is ${stateText}`}`),
  ];
}
