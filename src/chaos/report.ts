/**
 * The run's summary and files (format in docs/chaos.md): summary.json and
 * summary.txt always, history.json always (other checkers can read it), and on a
 * linearizability failure failure.txt (the checker's explanation) and
 * minimal-history.json (the smallest failing one-key sub-history the shrinker found).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Operation } from '../check/history.js';
import type { MechanismChoice } from './net-faults.js';
import type { FaultRecord } from './nemesis.js';
import type { UnexpectedExit } from './node-process.js';
import type { HistoryRecorder } from './recorder.js';
import { countKinds, type FaultKind, type ScheduledFault } from './schedule.js';
import type { Verification } from './verify.js';

/** What a run was: shared by its inputs and its summary. */
export interface RunDescription {
  readonly runId: string;
  readonly seed: number;
  readonly dir: string;
  readonly nodes: number;
  readonly clients: number;
  readonly keys: number;
  readonly durationMs: number;
  readonly mechanism: MechanismChoice;
  /** With the seed, what the schedule was drawn from: the same options and seed give the same schedule. */
  readonly faults: readonly FaultKind[];
  readonly faultMs: readonly [number, number];
  readonly healMs: readonly [number, number];
  readonly rate: number;
}

export interface ChaosSummary extends Omit<RunDescription, 'faults'> {
  readonly ok: boolean;
  readonly operations: { total: number; byStatus: Record<string, number>; byKind: Record<string, number>; reasons: Record<string, number> };
  /** The kinds the run drew from. */
  readonly faultKinds: readonly FaultKind[];
  /** Faults carried out, per kind. */
  readonly faults: Record<FaultKind, number>;
  /** The planned schedule (kinds, start times, durations), from the seed. */
  readonly schedule: readonly ScheduledFault[];
  readonly faultLog: readonly FaultRecord[];
  /** The members at the start and at the end (the final checks use the end's). */
  readonly members: { readonly initial: readonly string[]; readonly final: readonly string[] };
  /** The command line that replays the run's schedule and client choices. */
  readonly reproduce: string;
  readonly checker: { verdict: 'linearizable' | 'not linearizable' | 'unknown'; timeMs: number; detail: string };
  readonly finalState: { ok: boolean; problems: string[]; convergedAtIndex: number };
  readonly unexpectedExits: readonly UnexpectedExit[];
  readonly files: Record<string, string>;
}

export interface SummaryInput extends RunDescription {
  readonly recorder: HistoryRecorder;
  readonly schedule: readonly ScheduledFault[];
  readonly initialMembers: readonly string[];
  readonly faultLog: readonly FaultRecord[];
  readonly verification: Verification;
  readonly unexpectedExits: readonly UnexpectedExit[];
}

export function summarize(input: SummaryInput): ChaosSummary {
  const { verification: v } = input;
  const counts = input.recorder.counts();
  const verdict = v.check.ok === true ? 'linearizable' : v.check.ok === false ? 'not linearizable' : 'unknown';
  const detail =
    v.check.ok === true
      ? `${v.check.keys} keys, ${v.check.operations} operations, ${v.check.steps} search steps`
      : v.check.ok === false
        ? `key ${v.check.key}: ${v.check.operations.length} operations, shrunk to ${v.check.minimal.length}`
        : `gave up (${v.check.reason}) on key ${v.check.key} after ${v.check.steps} steps`;
  const faultProblems = input.faultLog.flatMap((r) => r.problems);
  const ok = v.check.ok === true && v.finalState.ok && input.unexpectedExits.length === 0 && faultProblems.length === 0;
  return {
    ok,
    runId: input.runId,
    seed: input.seed,
    dir: input.dir,
    nodes: input.nodes,
    clients: input.clients,
    keys: input.keys,
    durationMs: input.durationMs,
    mechanism: input.mechanism,
    faultMs: input.faultMs,
    healMs: input.healMs,
    rate: input.rate,
    operations: { total: v.history.length, ...counts },
    faultKinds: input.faults,
    faults: countKinds(input.faultLog),
    schedule: input.schedule,
    faultLog: input.faultLog,
    members: { initial: input.initialMembers, final: v.members },
    reproduce: reproduceCommand(input),
    checker: { verdict, timeMs: v.checkMs, detail },
    finalState: { ok: v.finalState.ok, problems: v.finalState.problems, convergedAtIndex: v.convergedAtIndex },
    unexpectedExits: input.unexpectedExits,
    files: {},
  };
}

/** Writes the run's files and returns the summary with their paths. */
export function writeRunFiles(summary: ChaosSummary, verification: Verification): ChaosSummary {
  const files: Record<string, string> = { summary: join(summary.dir, 'summary.json'), text: join(summary.dir, 'summary.txt'), history: join(summary.dir, 'history.json') };
  writeJsonLines(files['history']!, verification.history);
  if (verification.check.ok === false) {
    files['failure'] = join(summary.dir, 'failure.txt');
    files['minimal'] = join(summary.dir, 'minimal-history.json');
    writeFileSync(files['failure'], `${verification.check.explanation}\n`);
    writeJsonLines(files['minimal'], verification.check.minimal);
  }
  const withFiles = { ...summary, files };
  writeFileSync(files['summary']!, `${JSON.stringify(withFiles, null, 2)}\n`);
  writeFileSync(files['text']!, `${formatSummary(withFiles)}\n`);
  return withFiles;
}

/** A JSON array with one operation per line: valid JSON, and greppable. */
function writeJsonLines(path: string, ops: readonly Operation[]): void {
  writeFileSync(path, `[\n${ops.map((op) => JSON.stringify(op)).join(',\n')}\n]\n`);
}

/** `npm run chaos -- ...` with every option that shapes the schedule and the clients. */
export function reproduceCommand(d: RunDescription): string {
  return [
    'npm run chaos --',
    `--seed ${d.seed}`,
    `--minutes ${+(d.durationMs / 60_000).toFixed(4)}`,
    `--nodes ${d.nodes}`,
    `--clients ${d.clients}`,
    `--keys ${d.keys}`,
    `--rate ${d.rate}`,
    `--faults ${d.faults.join(',')}`,
    `--fault-ms ${d.faultMs.join('-')}`,
    `--heal-ms ${d.healMs.join('-')}`,
    `--mechanism ${d.mechanism.mechanism}`,
  ].join(' ');
}

export function formatSummary(s: ChaosSummary): string {
  const o = s.operations;
  const faults = Object.entries(s.faults).map(([kind, n]) => `${kind} ${n}`).join(', ');
  const reasons = Object.entries(o.reasons).map(([reason, n]) => `${reason} ${n}`).join(', ');
  return [
    `chaos run ${s.runId}: ${s.ok ? 'PASS' : 'FAIL'} (seed ${s.seed}, ${s.nodes} nodes, ${s.clients} clients, ${s.keys} keys, ${(s.durationMs / 1000).toFixed(0)} s)`,
    `mechanism: ${s.mechanism.mechanism} (${s.mechanism.reason})`,
    `operations: ${o.total} (ok ${o.byStatus['ok']}, fail ${o.byStatus['fail']}, unknown ${o.byStatus['unknown']}); ${Object.entries(o.byKind).map(([k, n]) => `${k} ${n}`).join(', ')}`,
    `not ok by reason: ${reasons || 'none'}`,
    `faults: ${faults}`,
    ...s.faultLog.flatMap((r) => r.problems.map((p) => `  fault problem (${r.kind} ${r.target} at ${r.startedMs.toFixed(0)} ms): ${p}`)),
    `members: ${s.members.initial.join(' ')}${s.members.final.join(' ') === s.members.initial.join(' ') ? '' : ` -> ${s.members.final.join(' ')}`}`,
    `checker: ${s.checker.verdict} in ${s.checker.timeMs} ms (${s.checker.detail})`,
    `final state: ${s.finalState.ok ? 'every acknowledged write on every node' : 'PROBLEMS'} (converged at index ${s.finalState.convergedAtIndex})`,
    ...s.finalState.problems.map((p) => `  ${p}`),
    ...s.unexpectedExits.map((e) => `node ${e.id} exited on its own: code ${e.code} signal ${e.signal}`),
    `files: ${s.dir}`,
    `reproduce: ${s.reproduce}`,
  ].join('\n');
}
