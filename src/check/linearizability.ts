/**
 * Linearizability checking of key-value client histories (format: history.ts).
 *
 * Linearizability is compositional (Herlihy & Wing): a history is linearizable exactly
 * when each key's sub-history is, so every key is searched on its own, which keeps the
 * exponential part of the search small.
 */
import type { Operation } from './history.js';
import { partitionByKey, relevantOps, validateHistory } from './history.js';
import type { Model } from './model.js';
import { registerModel } from './model.js';
import { boundUnknowns } from './unknowns.js';
import { searchLinearization } from './search.js';
import { shrinkHistory } from './shrink.js';
import { explainFailure } from './explain.js';

export interface CheckOptions {
  /** Wall-clock limit for the whole check, shrinking excluded. */
  timeoutMs?: number;
  /** Limit on model steps over all keys; unlike timeoutMs, reproducible. */
  budgetSteps?: number;
  /** Limit on sub-history checks while shrinking a failure (default 2000). */
  shrinkChecksMax?: number;
}

export type CheckResult =
  | { ok: true; keys: number; operations: number; steps: number }
  | {
      ok: false;
      key: string;
      /** The failing key's history, without failed operations and unknown reads. */
      operations: Operation[];
      /** A sub-history of `operations` that also fails (and whose failure implies it). */
      minimal: Operation[];
      explanation: string;
    }
  | { ok: 'unknown'; reason: 'budget' | 'timeout'; key: string; steps: number };

export class HistoryError extends Error {
  override readonly name = 'HistoryError';
  readonly code = 'BAD_HISTORY';
  constructor(readonly problems: string[]) {
    super(`invalid history: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? ' ...' : ''}`);
  }
}

// A sub-history that needs more steps to refute is kept as if it passed: shrinking
// stays sound, just less small, and a failure report never hangs on it.
const SHRINK_STEPS_PER_CHECK = 50_000;

/** Checks a whole history against the register-per-key model; throws HistoryError on malformed input. */
export function checkHistory(ops: readonly Operation[], options: CheckOptions = {}): CheckResult {
  const problems = validateHistory(ops);
  if (problems.length > 0) throw new HistoryError(problems);
  const deadlineMs = options.timeoutMs === undefined ? Infinity : Date.now() + options.timeoutMs;
  let stepsLeft = options.budgetSteps ?? Infinity;
  let steps = 0;
  const byKey = partitionByKey(relevantOps(ops));
  for (const [key, keyOps] of byKey) {
    const result = searchLinearization(boundUnknowns(keyOps), registerModel, { stepsMax: stepsLeft, deadlineMs });
    steps += result.steps;
    stepsLeft -= result.steps;
    if (result.kind === 'budget' || result.kind === 'timeout') return { ok: 'unknown', reason: result.kind, key, steps };
    if (result.kind === 'fail') return failure(key, keyOps, registerModel, options.shrinkChecksMax);
  }
  return { ok: true, keys: byKey.size, operations: ops.length, steps };
}

/** True when the one-key history `ops` is not linearizable under `model` within `stepsMax` steps. */
export function keyHistoryFails<S>(ops: readonly Operation[], model: Model<S>, stepsMax = SHRINK_STEPS_PER_CHECK): boolean {
  return searchLinearization(boundUnknowns(ops), model, { stepsMax, deadlineMs: Infinity }).kind === 'fail';
}

function failure<S>(key: string, keyOps: Operation[], model: Model<S>, checksMax: number | undefined): CheckResult {
  const minimal = shrinkHistory(keyOps, (sub) => keyHistoryFails(sub, model), checksMax === undefined ? {} : { checksMax });
  return { ok: false, key, operations: keyOps, minimal, explanation: explainFailure(key, keyOps, minimal, model) };
}
