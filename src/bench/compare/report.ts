/**
 * The comparison table: medians over runs per figure, ratios, and each of
 * the performance issue's targets marked met or not met.
 */
import type { LoadFigures } from './load.js';
import type { CompareResult, RunFigures } from './run.js';
import type { SystemName } from './system.js';

type Result = Partial<CompareResult>;

export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function figure(result: Result, system: SystemName, pick: (run: RunFigures) => number | undefined): number | undefined {
  const values = (result[system] ?? []).map(pick).filter((v): v is number => v !== undefined && Number.isFinite(v));
  return median(values);
}

const setAt = (clients: number) => (run: RunFigures): LoadFigures | undefined => run.set[clients];
const opsAt = (clients: number) => (run: RunFigures) => setAt(clients)(run)?.opsPerSecond;
const cpuPerThousand = (figures: LoadFigures | undefined, which: 'serverCpuS' | 'clientCpuS'): number | undefined =>
  figures === undefined || figures.ops === 0 ? undefined : (figures[which] / figures.ops) * 1000;

interface Row {
  readonly label: string;
  readonly pick: (run: RunFigures) => number | undefined;
  readonly format: (value: number) => string;
}

const ops = (v: number): string => Math.round(v).toLocaleString('en-US');
const ms = (v: number): string => `${v.toFixed(2)} ms`;
const secs = (v: number): string => `${v.toFixed(3)} s`;
const cores = (v: number): string => `${v.toFixed(3)} cores`;

const clientsLabel = (n: number): string => `${n} ${n === 1 ? 'client' : 'clients'}`;

function rows(clientCounts: readonly number[], readClients: number): Row[] {
  const out: Row[] = [];
  for (const clients of clientCounts) {
    out.push({ label: `SET, ${clientsLabel(clients)}: ops/s`, pick: opsAt(clients), format: ops });
    out.push({ label: `SET, ${clientsLabel(clients)}: p50`, pick: (run) => setAt(clients)(run)?.p50Ms, format: ms });
    out.push({ label: `SET, ${clientsLabel(clients)}: p99`, pick: (run) => setAt(clients)(run)?.p99Ms, format: ms });
  }
  out.push({ label: `linearizable GET, ${readClients} clients: ops/s`, pick: (run) => run.get.opsPerSecond, format: ops });
  out.push({ label: 'redis-benchmark SET -c 50 -P 16: ops/s', pick: (run) => run.pipelinedSet, format: ops });
  const cpuClients = clientCounts.includes(64) ? 64 : clientCounts.at(-1)!;
  out.push({ label: `server CPU per 1,000 writes, ${cpuClients} clients`, pick: (run) => cpuPerThousand(setAt(cpuClients)(run), 'serverCpuS'), format: secs });
  out.push({ label: `load generator CPU per 1,000 writes, ${cpuClients} clients`, pick: (run) => cpuPerThousand(setAt(cpuClients)(run), 'clientCpuS'), format: secs });
  out.push({ label: 'idle CPU, no load', pick: (run) => run.idleCores, format: cores });
  return out;
}

export function formatTable(result: Result, clientCounts: readonly number[], readClients: number): string {
  const systems = (['raftkv', 'etcd', 'redis'] as const).filter((s) => result[s] !== undefined);
  const header = `| figure | ${systems.join(' | ')} | raftkv / etcd | raftkv / redis |`;
  const lines = [header, `|${' --- |'.repeat(systems.length + 3)}`];
  for (const row of rows(clientCounts, readClients)) {
    const values = systems.map((system) => figure(result, system, row.pick));
    const cells = values.map((v) => (v === undefined ? '-' : row.format(v)));
    const ratio = (other: SystemName): string => {
      const ours = figure(result, 'raftkv', row.pick);
      const theirs = figure(result, other, row.pick);
      return ours === undefined || theirs === undefined || theirs === 0 ? '-' : `${(ours / theirs).toFixed(2)}x`;
    };
    lines.push(`| ${row.label} | ${cells.join(' | ')} | ${ratio('etcd')} | ${ratio('redis')} |`);
  }
  return lines.join('\n');
}

interface Target {
  readonly goal: string;
  readonly check: (result: Result) => { met: boolean; detail: string } | undefined;
}

/** Server CPU per 1,000 writes at 64 clients before the performance work (issue 13's table). */
const BASELINE_CPU_PER_THOUSAND_S = 0.15;

function ratioTarget(goal: string, clients: number, other: SystemName, factor: number): Target {
  return {
    goal,
    check: (result) => {
      const ours = figure(result, 'raftkv', opsAt(clients));
      const theirs = figure(result, other, opsAt(clients));
      if (ours === undefined || theirs === undefined) return undefined;
      return { met: ours >= factor * theirs, detail: `${(ours / theirs).toFixed(2)}x ${other}` };
    },
  };
}

function absoluteTarget(goal: string, pick: (run: RunFigures) => number | undefined, ok: (v: number) => boolean, unit: (v: number) => string): Target {
  return {
    goal,
    check: (result) => {
      const value = figure(result, 'raftkv', pick);
      return value === undefined ? undefined : { met: ok(value), detail: unit(value) };
    },
  };
}

const TARGETS: readonly Target[] = [
  ratioTarget('SET, 64 clients: at least 10x etcd', 64, 'etcd', 10),
  ratioTarget('SET, 256 clients: at least 10x etcd', 256, 'etcd', 10),
  ratioTarget('SET, 64 clients: at least 0.7x Redis (appendfsync always)', 64, 'redis', 0.7),
  absoluteTarget('SET, 1 client: p50 at most 0.6 ms', (run) => setAt(1)(run)?.p50Ms, (v) => v <= 0.6, ms),
  ratioTarget('SET, 1 client: at least 2x etcd ops/s', 1, 'etcd', 2),
  absoluteTarget('redis-benchmark SET -c 50 -P 16: at least 100,000/s', (run) => run.pipelinedSet, (v) => v >= 100_000, ops),
  absoluteTarget('linearizable GET, 64 clients: at least 50,000/s', (run) => run.get.opsPerSecond, (v) => v >= 50_000, ops),
  absoluteTarget(
    `server CPU per write at most a third of ${BASELINE_CPU_PER_THOUSAND_S} s per 1,000`,
    (run) => cpuPerThousand(setAt(64)(run), 'serverCpuS'),
    (v) => v <= BASELINE_CPU_PER_THOUSAND_S / 3,
    secs,
  ),
  {
    goal: 'idle CPU no higher than etcd',
    check: (result) => {
      const ours = figure(result, 'raftkv', (run) => run.idleCores);
      const theirs = figure(result, 'etcd', (run) => run.idleCores);
      if (ours === undefined || theirs === undefined) return undefined;
      return { met: ours <= theirs, detail: `${cores(ours)} vs ${cores(theirs)}` };
    },
  },
];

export function formatTargets(result: Result): string {
  const lines = ['| target | status | figure |', '| --- | --- | --- |'];
  for (const target of TARGETS) {
    const verdict = target.check(result);
    lines.push(`| ${target.goal} | ${verdict === undefined ? 'not measured' : verdict.met ? 'met' : 'not met'} | ${verdict?.detail ?? '-'} |`);
  }
  return lines.join('\n');
}
