/**
 * The nemesis schedule: which fault comes when and for how long, decided up front
 * from a seed (pure), so a run's fault sequence is known before it starts and unit
 * tests can check it without processes. Which node a fault hits is decided when it
 * starts, because "the leader" is only known then.
 */
import type { Rng } from './rng.js';

/**
 * `down-compact`: a follower is killed and stays down while the others go on (and compact), so it returns by snapshot.
 * `membership`: a voter is removed and stopped; at heal a fresh node joins, catches up and is promoted.
 * `rolling`: every member in turn is SIGTERM'd, restarted and caught up (a procedure: it lasts as long as it takes).
 */
export const FAULT_KINDS = ['kill', 'pause', 'halves', 'isolate-leader', 'bridge', 'one-way', 'down-compact', 'membership', 'rolling'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** Kinds that cut links between nodes (the proxy mechanism cannot follow a changed membership). */
export const NETWORK_KINDS: readonly FaultKind[] = ['halves', 'isolate-leader', 'bridge', 'one-way'];

export interface ScheduledFault {
  readonly kind: FaultKind;
  /** Milliseconds from the start of the run. */
  readonly startMs: number;
  readonly durationMs: number;
}

export interface ScheduleOptions {
  /** No fault is active at or after this time; the workload runs healthy to the end. */
  readonly durationMs: number;
  readonly kinds: readonly FaultKind[];
  /** How long one fault lasts: [min, max] ms. */
  readonly faultMs: readonly [number, number];
  /** Healthy time before the first fault and between two faults: [min, max] ms. */
  readonly healMs: readonly [number, number];
}

/**
 * Faults one at a time, separated by healthy gaps. Kinds come in shuffled rounds that
 * use every kind once, so a short run still sees each kind.
 */
export function planSchedule(options: ScheduleOptions, rng: Rng): ScheduledFault[] {
  checkOptions(options);
  const faults: ScheduledFault[] = [];
  let round: FaultKind[] = [];
  let at = rng.int(options.healMs[0], options.healMs[1]);
  for (;;) {
    const durationMs = rng.int(options.faultMs[0], options.faultMs[1]);
    if (at + durationMs > options.durationMs) break;
    if (round.length === 0) round = rng.shuffle(options.kinds);
    faults.push({ kind: round.pop() as FaultKind, startMs: at, durationMs });
    at += durationMs + rng.int(options.healMs[0], options.healMs[1]);
  }
  return faults;
}

function checkOptions(options: ScheduleOptions): void {
  const ranges = [options.faultMs, options.healMs];
  if (options.kinds.length === 0) throw new RangeError('schedule needs at least one fault kind');
  if (ranges.some(([min, max]) => !(min >= 0 && max >= min))) throw new RangeError('schedule ranges must be 0 <= min <= max');
  if (options.faultMs[0] === 0) throw new RangeError('a fault must last at least 1 ms');
}

/** Counts per kind, for summaries and tests. */
export function countKinds(faults: readonly { kind: FaultKind }[]): Record<FaultKind, number> {
  const counts = Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>;
  for (const fault of faults) counts[fault.kind]++;
  return counts;
}
