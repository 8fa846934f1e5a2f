/**
 * Sequential specifications for the checker: a pure state machine that says whether an
 * operation, with the outcome the client saw, is possible from a state.
 */
import type { Operation } from './history.js';
import { assertNever } from '../util/assert.js';

export interface StepResult<S> {
  ok: boolean;
  state: S;
}

export interface Model<S, Op = Operation> {
  init(): S;
  /** Applies `op` to `state`; ok is false when the outcome `op` reports is impossible there. */
  step(state: S, op: Op): StepResult<S>;
  /** Equal states must hash equally; the memo relies on it to prune repeated searches. */
  hash(state: S): string;
  /** Human-readable state, for failure explanations. */
  describe?(state: S): string;
}

/** One key's register: a string, or null when absent. */
export type RegisterState = string | null;

export const registerModel: Model<RegisterState> = {
  init: () => null,
  step: stepRegister,
  // Prefix so that null and the string "null" hash differently.
  hash: (state) => (state === null ? '-' : `+${state}`),
  describe: (state) => (state === null ? 'absent' : JSON.stringify(state)),
};

function stepRegister(state: RegisterState, op: Operation): StepResult<RegisterState> {
  // An unknown outcome constrains nothing: only the effect is modelled.
  const known = op.status !== 'unknown';
  switch (op.kind) {
    case 'read':
      return { ok: !known || (op.output ?? null) === state, state };
    case 'write':
      return { ok: true, state: op.value ?? null };
    case 'delete':
      return { ok: true, state: null };
    case 'cas':
      return stepCas(state, op, known);
    default:
      return assertNever(op.kind, 'operation kind');
  }
}

function stepCas(state: RegisterState, op: Operation, known: boolean): StepResult<RegisterState> {
  const matches = state === op.expected;
  if (known && op.swapped !== matches) return { ok: false, state };
  return { ok: true, state: matches ? (op.value ?? null) : state };
}
