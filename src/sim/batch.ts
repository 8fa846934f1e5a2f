/**
 * Runs many seeds and sums them up: runs, delivered events, simulated time,
 * violations by kind, and the first failures in full.
 */
import { isMembershipChange, type FaultSet } from './faults.js';
import { runSimulation, type SimResult } from './run.js';
import type { ViolationKind } from './violation.js';

export interface BatchOptions {
  /** Where a failing seed's flight-recorder traces go (seed-N/ under it). */
  readonly failureTraceDir?: string;
  readonly firstSeed: number;
  readonly seeds: number;
  readonly nodes: 3 | 5;
  readonly faults: FaultSet;
  /** Stop starting seeds after this wall-clock time (soak). */
  readonly deadline?: number;
  readonly onRun?: (result: SimResult, done: number) => void;
  /** Stop at the first failure. */
  readonly stopOnFailure?: boolean;
}

export interface BatchSummary {
  runs: number;
  events: number;
  simulatedMs: number;
  operations: number;
  wallMs: number;
  undecidedHistories: number;
  /** Seeds whose nemesis changed membership, and the changes leaders took. */
  membershipSeeds: number;
  membershipChanges: number;
  violations: Partial<Record<ViolationKind, number>>;
  /** Failed runs, in seed order (the first few kept in full). */
  failures: SimResult[];
}

const FAILURES_KEPT = 20;

export function emptySummary(): BatchSummary {
  return { runs: 0, events: 0, simulatedMs: 0, operations: 0, wallMs: 0, undecidedHistories: 0, membershipSeeds: 0, membershipChanges: 0, violations: {}, failures: [] };
}

export function addResult(summary: BatchSummary, result: SimResult): void {
  summary.runs++;
  summary.events += result.events;
  summary.simulatedMs += result.simulatedMs;
  summary.operations += result.operations;
  if (result.linearizability === 'undecided') summary.undecidedHistories++;
  if (result.schedule.some(isMembershipChange)) summary.membershipSeeds++;
  summary.membershipChanges += result.stats.membership.proposed;
  if (result.failure) {
    summary.violations[result.failure.kind] = (summary.violations[result.failure.kind] ?? 0) + 1;
    // Histories are large; a kept failure needs only what reproduces and explains it.
    if (summary.failures.length < FAILURES_KEPT) summary.failures.push({ ...result, history: [] });
  }
}

export function mergeSummaries(a: BatchSummary, b: BatchSummary): BatchSummary {
  const violations = { ...a.violations };
  for (const [kind, n] of Object.entries(b.violations) as Array<[ViolationKind, number]>) violations[kind] = (violations[kind] ?? 0) + n;
  return {
    runs: a.runs + b.runs,
    events: a.events + b.events,
    simulatedMs: a.simulatedMs + b.simulatedMs,
    operations: a.operations + b.operations,
    wallMs: Math.max(a.wallMs, b.wallMs),
    undecidedHistories: a.undecidedHistories + b.undecidedHistories,
    membershipSeeds: (a.membershipSeeds ?? 0) + (b.membershipSeeds ?? 0),
    membershipChanges: (a.membershipChanges ?? 0) + (b.membershipChanges ?? 0),
    violations,
    failures: [...a.failures, ...b.failures].sort((x, y) => x.seed - y.seed).slice(0, FAILURES_KEPT),
  };
}

export async function runBatch(options: BatchOptions): Promise<BatchSummary> {
  const summary = emptySummary();
  const started = Date.now();
  for (let i = 0; i < options.seeds; i++) {
    if (options.deadline !== undefined && Date.now() >= options.deadline) break;
    const result = await runSimulation({
      seed: options.firstSeed + i,
      nodes: options.nodes,
      faults: options.faults,
      ...(options.failureTraceDir ? { failureTraceDir: options.failureTraceDir } : {}),
    });
    addResult(summary, result);
    options.onRun?.(result, i + 1);
    if (result.failure && options.stopOnFailure) break;
  }
  summary.wallMs = Date.now() - started;
  return summary;
}
