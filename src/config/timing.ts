/**
 * The `timing` section: a preset name, or an object naming a preset (fast
 * by default) and overriding some of its fields. The rules are the Raft
 * paper's: heartbeats must come well inside the election timeout, or
 * followers start elections against a healthy leader.
 */
import { checkBounds, checkIntegers, type BoundRule } from './bounds.js';
import { checkKnownKeys, describe, isObject, joinPath, readChoice, type Issues } from './fields.js';
import { TIMING_PRESETS, type TimingConfig, type TimingPreset } from './types.js';

export const DEFAULT_TIMING_PRESET: TimingPreset = 'fast';
export const TIMING_PRESET_NAMES = Object.keys(TIMING_PRESETS) as TimingPreset[];

type TimingField = keyof TimingConfig;

export const TIMING_FIELDS: readonly TimingField[] = [
  'tickMs',
  'heartbeatMs',
  'electionTimeoutMinMs',
  'electionTimeoutMaxMs',
  'requestTimeoutMs',
];

/** setTimeout fires at once for delays above 2^31-1 ms, so no timing may exceed it. */
export const TIMER_MS_MAX = 2 ** 31 - 1;
const TIMING_RANGE = { min: 1, max: TIMER_MS_MAX, maxWhy: 'the longest Node.js timer' } as const;

export const TIMING_RULES: readonly BoundRule<TimingField>[] = [
  { field: 'heartbeatMs', op: '>=', uses: ['tickMs'], bound: (t) => t.tickMs, label: 'tickMs' },
  {
    field: 'electionTimeoutMinMs',
    op: '>=',
    uses: ['heartbeatMs'],
    bound: (t) => 2 * t.heartbeatMs,
    label: '2 * heartbeatMs',
  },
  {
    field: 'electionTimeoutMaxMs',
    op: '>',
    uses: ['electionTimeoutMinMs'],
    bound: (t) => t.electionTimeoutMinMs,
    label: 'electionTimeoutMinMs',
  },
  { field: 'requestTimeoutMs', op: '>=', uses: ['tickMs'], bound: (t) => t.tickMs, label: 'tickMs' },
];

/** Resolves and checks a `timing` value; undefined when it has errors (recorded in issues). */
export function resolveTiming(raw: unknown, path: string, issues: Issues): TimingConfig | undefined {
  const errorsBefore = issues.errors.length;
  const merged = mergeWithPreset(raw, path, issues);
  if (merged === undefined) return undefined;
  const valid = checkIntegers(merged, TIMING_FIELDS, TIMING_RANGE, path, issues);
  checkBounds(merged, valid, TIMING_RULES, path, issues);
  if (issues.errors.length > errorsBefore) return undefined;
  const timing = merged as unknown as TimingConfig;
  warnSlowElection(timing, path, issues);
  return timing;
}

function mergeWithPreset(raw: unknown, path: string, issues: Issues): Record<TimingField, unknown> | undefined {
  if (raw === undefined) return { ...TIMING_PRESETS[DEFAULT_TIMING_PRESET] };
  if (typeof raw === 'string') {
    const preset = readChoice(raw, TIMING_PRESET_NAMES, path, issues);
    return preset === undefined ? undefined : { ...TIMING_PRESETS[preset] };
  }
  if (!isObject(raw)) {
    issues.error(path, `must be a preset name (${TIMING_PRESET_NAMES.join(', ')}) or an object, got ${describe(raw)}`);
    return undefined;
  }
  checkKnownKeys(raw, ['preset', ...TIMING_FIELDS], path, issues);
  const presetRaw = raw['preset'] ?? DEFAULT_TIMING_PRESET;
  const preset = readChoice(presetRaw, TIMING_PRESET_NAMES, joinPath(path, 'preset'), issues);
  const base = TIMING_PRESETS[preset ?? DEFAULT_TIMING_PRESET];
  const merged: Record<TimingField, unknown> = { ...base };
  for (const field of TIMING_FIELDS) if (raw[field] !== undefined) merged[field] = raw[field];
  return merged;
}

/** Legal but surprising: a request can time out while the cluster is still electing a leader. */
function warnSlowElection(timing: TimingConfig, path: string, issues: Issues): void {
  if (timing.requestTimeoutMs >= timing.electionTimeoutMaxMs) return;
  issues.warn(
    joinPath(path, 'requestTimeoutMs'),
    `${timing.requestTimeoutMs} is shorter than electionTimeoutMaxMs (${timing.electionTimeoutMaxMs}): ` +
      'requests may time out during every election',
  );
}
