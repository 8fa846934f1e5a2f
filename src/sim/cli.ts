/**
 * `raftkv sim`: a batch of seeded runs with a progress bar and a summary, or
 * the replay of one run. The CLI in src/cli only parses flags and calls
 * runSimCommand.
 */
import { runBatch, type BatchSummary } from './batch.js';
import { FaultSpecError, parseFaults } from './faults.js';
import { createProgress } from './progress.js';
import { loadReplay, replayOptions, ReplayError } from './replay.js';
import { formatFailure, formatSummary } from './report.js';
import { runSimulation } from './run.js';

export interface SimCommandOptions {
  seeds: number;
  nodes: 3 | 5;
  faults: string;
  replay?: string;
  /** Run for this long instead of a fixed number of seeds (one core; see scripts/sim-soak.mjs for both). */
  minutes?: number;
  firstSeed?: number;
  json?: boolean;
  /** Instead of consecutive seeds: this many fast-check generated schedules, the first failure shrunk. */
  explore?: number;
  /** Where the traces of a failing seed are written (default sim-failures/). */
  traceDir?: string;
}

const DEFAULT_TRACE_DIR = 'sim-failures';

export const EXIT_OK = 0;
export const EXIT_VIOLATION = 1;
export const EXIT_USAGE = 2;

export async function runSimCommand(opts: SimCommandOptions): Promise<number> {
  try {
    if (opts.replay !== undefined) return await replay(opts.replay, opts.json ?? false);
    if (opts.explore !== undefined) return await explore(opts);
    return await batch(opts);
  } catch (err) {
    if (err instanceof FaultSpecError || err instanceof ReplayError) {
      process.stderr.write(`raftkv sim: ${err.message} (${err.code})\n`);
      return EXIT_USAGE;
    }
    throw err;
  }
}

async function replay(source: string, json: boolean): Promise<number> {
  const spec = loadReplay(source);
  const result = await runSimulation({ ...replayOptions(spec, true), failureTraceDir: DEFAULT_TRACE_DIR });
  if (json) {
    process.stdout.write(`${JSON.stringify({ ...result, history: undefined }, null, 2)}\n`);
  } else {
    process.stdout.write(`${formatFailure(result, spec.faults)}\n`);
    process.stdout.write(`events: ${result.events}, simulated ${(result.simulatedMs / 1000).toFixed(1)} s, operations: ${result.operations}, event hash ${result.hash}\n`);
  }
  return result.failure ? EXIT_VIOLATION : EXIT_OK;
}

async function explore(opts: SimCommandOptions): Promise<number> {
  // fast-check is a development dependency: load it only when asked to explore.
  const { exploreSchedules } = await import('./explore.js');
  const result = await exploreSchedules({ nodes: opts.nodes, faults: parseFaults(opts.faults), faultsSpec: opts.faults, runs: opts.explore! });
  if (result.failure) {
    process.stdout.write(`${formatFailure(result.failure, opts.faults)}\nshrunk ${result.shrinks} times to ${result.replay?.schedule?.length ?? 0} fault actions\n`);
    return EXIT_VIOLATION;
  }
  process.stdout.write(`${result.runs} generated schedules, no violation\n`);
  return EXIT_OK;
}

async function batch(opts: SimCommandOptions): Promise<number> {
  if (!Number.isSafeInteger(opts.seeds) || opts.seeds < 1) throw new ReplayError(`--seeds must be a positive integer, got ${opts.seeds}`);
  if (opts.nodes !== 3 && opts.nodes !== 5) throw new ReplayError(`--nodes must be 3 or 5, got ${String(opts.nodes)}`);
  const faults = parseFaults(opts.faults);
  const timed = opts.minutes !== undefined;
  const seeds = timed ? Number.MAX_SAFE_INTEGER : opts.seeds;
  const progress = createProgress(timed ? Math.round(opts.minutes! * 60) : seeds, process.stderr, timed ? 's' : 'seeds');
  const started = Date.now();
  let violations = 0;
  let events = 0;
  const summary = await runBatch({
    firstSeed: opts.firstSeed ?? 1,
    seeds,
    nodes: opts.nodes,
    faults,
    failureTraceDir: opts.traceDir ?? DEFAULT_TRACE_DIR,
    ...(timed ? { deadline: started + opts.minutes! * 60_000 } : {}),
    onRun: (result, done) => {
      events += result.events;
      if (result.failure) {
        violations++;
        if (!opts.json) process.stderr.write(`\n${formatFailure(result, opts.faults)}\n`);
      }
      progress.update(timed ? Math.round((Date.now() - started) / 1000) : done, violations, events);
    },
  });
  progress.stop();
  printSummary(summary, opts.faults, opts.json ?? false);
  return summary.failures.length > 0 || Object.keys(summary.violations).length > 0 ? EXIT_VIOLATION : EXIT_OK;
}

function printSummary(summary: BatchSummary, faults: string, json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify({ ...summary, failures: summary.failures.map((f) => ({ seed: f.seed, nodes: f.nodes, faults, failure: f.failure, schedule: f.schedule })) }, null, 2)}\n`);
    return;
  }
  process.stdout.write(`${formatSummary(summary)}\n`);
}
