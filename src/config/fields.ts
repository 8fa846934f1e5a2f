/**
 * Small readers shared by the config validators. Each checks one value,
 * records an issue on failure and never throws, so that validation reports
 * every problem in a file at once instead of the first one only.
 */
import type { ConfigIssue } from './errors.js';

export class Issues {
  readonly errors: ConfigIssue[] = [];
  readonly warnings: ConfigIssue[] = [];

  error(path: string, message: string): void {
    this.errors.push({ path, message });
  }

  warn(path: string, message: string): void {
    this.warnings.push({ path, message });
  }
}

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function joinPath(prefix: string, key: string): string {
  return prefix === '' ? key : `${prefix}.${key}`;
}

const DESCRIBE_STRING_MAX = 40;

/** How a bad value appears after "got": JSON for scalars, a kind for containers. */
export function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return value.length === 0 ? 'an empty array' : 'an array';
  if (isObject(value)) return 'an object';
  if (typeof value !== 'string') return String(value);
  const shown = value.length > DESCRIBE_STRING_MAX ? `${value.slice(0, DESCRIBE_STRING_MAX)}...` : value;
  return JSON.stringify(shown);
}

/** Reports every key of `object` not in `known`, suggesting the field a typo was probably meant to be. */
export function checkKnownKeys(object: JsonObject, known: readonly string[], prefix: string, issues: Issues): void {
  for (const key of Object.keys(object)) {
    if (known.includes(key)) continue;
    const guess = closest(key, known);
    const hint = guess === undefined ? `known fields: ${known.join(', ')}` : `did you mean "${guess}"?`;
    issues.error(joinPath(prefix, key), `unknown field (${hint})`);
  }
}

/** A string field: required non-empty, matching `pattern` when given. */
export function readString(
  value: unknown,
  path: string,
  issues: Issues,
  rule: { pattern?: RegExp; what?: string } = {},
): string | undefined {
  const what = rule.what ?? 'a non-empty string';
  if (typeof value !== 'string' || value === '' || (rule.pattern !== undefined && !rule.pattern.test(value))) {
    issues.error(path, value === undefined ? 'is required' : `must be ${what}, got ${describe(value)}`);
    return undefined;
  }
  return value;
}

/** A value out of a fixed set of strings. */
export function readChoice<T extends string>(
  value: unknown,
  choices: readonly T[],
  path: string,
  issues: Issues,
): T | undefined {
  if (typeof value === 'string' && (choices as readonly string[]).includes(value)) return value as T;
  issues.error(path, `must be one of ${choices.map((c) => JSON.stringify(c)).join(', ')}, got ${describe(value)}`);
  return undefined;
}

const SUGGESTION_DISTANCE_MAX = 2;

function closest(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = SUGGESTION_DISTANCE_MAX + 1;
  for (const candidate of known) {
    // Case-only differences (`heartbeatms`) count as one edit, whatever their length.
    const distance = candidate.toLowerCase() === key.toLowerCase() ? 1 : editDistance(key, candidate);
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return best;
}

/** Levenshtein distance, two rows at a time. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
