/**
 * `npm run bench:compare`: raftkv, etcd and Redis started fresh for each run,
 * driven with the same closed-loop load shapes, figures and CPU from /proc.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEtcd } from './etcd-system.js';
import { measureIdleCores } from './idle.js';
import { runLoad, type LoadFigures, type LoadShape } from './load.js';
import { runPipelinedSet } from './pipelined.js';
import { startRaftkv } from './raftkv-system.js';
import { startRedis } from './redis-system.js';
import type { RunningSystem, SystemName } from './system.js';

export interface CompareOptions {
  readonly systems: readonly SystemName[];
  readonly runs: number;
  readonly clientCounts: readonly number[];
  readonly readClients: number;
  readonly durationS: number;
  readonly warmupS: number;
  readonly idleS: number;
  readonly valueBytes: number;
  readonly keyspace: number;
  readonly keepDirs: boolean;
  readonly log: (line: string) => void;
}

/** One system's figures from one fresh start. */
export interface RunFigures {
  readonly idleCores: number;
  readonly set: Readonly<Record<number, LoadFigures>>;
  readonly get: LoadFigures;
  /** redis-benchmark pipelined SET, where the system speaks RESP. */
  readonly pipelinedSet?: number;
}

export type CompareResult = Record<SystemName, RunFigures[]>;

const STARTERS: Record<SystemName, (dir: string) => Promise<RunningSystem>> = {
  raftkv: startRaftkv,
  etcd: startEtcd,
  redis: startRedis,
};

export async function runCompare(options: CompareOptions): Promise<Partial<CompareResult>> {
  const result: Partial<CompareResult> = {};
  for (let run = 1; run <= options.runs; run += 1) {
    for (const name of options.systems) {
      options.log(`run ${run}/${options.runs}: ${name}`);
      const figures = await runOnce(name, options);
      (result[name] ??= []).push(figures);
    }
  }
  return result;
}

async function runOnce(name: SystemName, options: CompareOptions): Promise<RunFigures> {
  const dir = mkdtempSync(join(tmpdir(), `raftkv-compare-${name}-`));
  const system = await STARTERS[name](dir);
  try {
    const idleCores = await measureIdleCores(system.pids(), options.idleS);
    options.log(`  idle: ${idleCores.toFixed(3)} cores`);
    const set: Record<number, LoadFigures> = {};
    for (const connections of options.clientCounts) {
      set[connections] = await load(system, { ...shape(options), workload: 'set', connections });
      options.log(`  SET x${connections}: ${describe(set[connections]!)}`);
    }
    const get = await load(system, { ...shape(options), workload: 'get', connections: options.readClients });
    options.log(`  GET x${options.readClients}: ${describe(get)}`);
    const pipelinedSet = system.respPort === undefined ? undefined : await pipelined(system.respPort, options);
    if (pipelinedSet !== undefined) options.log(`  redis-benchmark SET -c 50 -P 16: ${Math.round(pipelinedSet)}/s`);
    return { idleCores, set, get, ...(pipelinedSet === undefined ? {} : { pipelinedSet }) };
  } finally {
    await system.stop();
    if (!options.keepDirs) rmSync(dir, { recursive: true, force: true });
  }
}

async function load(system: RunningSystem, loadShape: LoadShape): Promise<LoadFigures> {
  const target = system.target();
  try {
    return await runLoad(target, loadShape, system.pids());
  } finally {
    await target.close();
  }
}

function shape(options: CompareOptions): Omit<LoadShape, 'workload' | 'connections'> {
  return { warmupS: options.warmupS, durationS: options.durationS, keyspace: options.keyspace, valueBytes: options.valueBytes };
}

function describe(figures: LoadFigures): string {
  const errors = Object.entries(figures.errors).map(([word, n]) => `${word} ${n}`).join(', ');
  return `${Math.round(figures.opsPerSecond)}/s p50 ${figures.p50Ms.toFixed(2)} ms p99 ${figures.p99Ms.toFixed(2)} ms` +
    ` server ${((figures.serverCpuS / figures.ops) * 1000).toFixed(3)} s/1k` + (errors === '' ? '' : ` errors: ${errors}`);
}

/**
 * redis-benchmark stops at the first error reply: a leader change during the
 * run (a MOVED) leaves no figure. That run's figure is then missing (and said
 * so) rather than the whole comparison lost.
 */
async function pipelined(port: number, options: CompareOptions): Promise<number | undefined> {
  try {
    return await runPipelinedSet(port);
  } catch (error) {
    options.log(`  redis-benchmark SET -c 50 -P 16: no figure (${error instanceof Error ? error.message.slice(0, 200) : String(error)})`);
    return undefined;
  }
}
