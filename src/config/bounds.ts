/**
 * Integer fields checked in two passes: first each field alone (an integer
 * in a range), then the relations between fields (`heartbeatMs >= tickMs`).
 * A relation is checked only when every field it reads passed the first
 * pass, so one typo produces one message, not a cascade.
 */
import { describe, joinPath, type Issues } from './fields.js';

export interface IntegerRange {
  readonly min: number;
  readonly max: number;
  /** Why the maximum is what it is, when it is not just "a safe integer". */
  readonly maxWhy?: string;
}

export interface BoundRule<K extends string> {
  readonly field: K;
  readonly op: '>=' | '>' | '<=';
  /** The fields `bound` reads; the rule is skipped unless all of them are valid. */
  readonly uses: readonly K[];
  readonly bound: (values: Readonly<Record<K, number>>) => number;
  /** How the bound reads in a message (`2 * heartbeatMs`); omitted for a constant. */
  readonly label?: string;
  /** Why a constant bound is what it is (`CAS takes 4 words`). */
  readonly why?: string;
}

/** Checks each field is an integer in `range`; returns the fields that are. */
export function checkIntegers<K extends string>(
  values: Readonly<Record<K, unknown>>,
  fields: readonly K[],
  range: IntegerRange,
  prefix: string,
  issues: Issues,
): Set<K> {
  const valid = new Set<K>();
  for (const field of fields) {
    const value = values[field];
    const path = joinPath(prefix, field);
    if (!Number.isSafeInteger(value) || (value as number) < range.min) {
      issues.error(path, `must be an integer >= ${range.min}, got ${describe(value)}`);
    } else if ((value as number) > range.max) {
      const why = range.maxWhy === undefined ? '' : ` (${range.maxWhy})`;
      issues.error(path, `must be an integer <= ${range.max}${why}, got ${describe(value)}`);
    } else {
      valid.add(field);
    }
  }
  return valid;
}

/** Checks every rule whose fields all passed checkIntegers. */
export function checkBounds<K extends string>(
  values: Readonly<Record<K, unknown>>,
  valid: ReadonlySet<K>,
  rules: readonly BoundRule<K>[],
  prefix: string,
  issues: Issues,
): void {
  const numbers = values as Readonly<Record<K, number>>;
  for (const rule of rules) {
    if (!valid.has(rule.field) || !rule.uses.every((field) => valid.has(field))) continue;
    const bound = rule.bound(numbers);
    const value = numbers[rule.field];
    if (holds(value, rule.op, bound)) continue;
    const wanted = rule.label === undefined ? `${bound}` : `${rule.label} (${bound})`;
    const why = rule.why === undefined ? '' : ` (${rule.why})`;
    issues.error(joinPath(prefix, rule.field), `must be an integer ${rule.op} ${wanted}${why}, got ${value}`);
  }
}

function holds(value: number, op: BoundRule<string>['op'], bound: number): boolean {
  switch (op) {
    case '>=':
      return value >= bound;
    case '>':
      return value > bound;
    case '<=':
      return value <= bound;
  }
}
