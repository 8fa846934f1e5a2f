#!/usr/bin/env node
/**
 * Soak: run the simulator for a given wall-clock time on every core
 * (`npm run sim:soak -- --minutes M`). Each worker thread runs its own seed
 * range; failures print with the replay command that reproduces them.
 * Needs the compiled simulator (`npm run build`).
 *
 *   node scripts/sim-soak.mjs --minutes 10 [--nodes 3|5] [--faults all] [--first-seed N] [--workers W]
 */
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const simUrl = pathToFileURL(join(root, 'dist', 'sim', 'index.js')).href;
/** Seed ranges of different workers never overlap. */
const SEEDS_PER_WORKER = 100_000_000;

function parseArgs(argv) {
  const args = { minutes: 1, nodes: 3, faults: 'all', firstSeed: Math.floor(Date.now() / 1000) % 1_000_000 * 1000, workers: Math.max(1, Math.min(2, availableParallelism())) };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[++i];
    if (a === '--minutes') args.minutes = Number(v);
    else if (a === '--nodes') args.nodes = Number(v);
    else if (a === '--faults') args.faults = v;
    else if (a === '--first-seed') args.firstSeed = Number(v);
    else if (a === '--workers') args.workers = Number(v);
    else {
      console.error(`sim-soak: unknown argument ${a}`);
      process.exit(2);
    }
  }
  if (!(args.minutes > 0) || (args.nodes !== 3 && args.nodes !== 5)) {
    console.error('sim-soak: --minutes must be positive and --nodes 3 or 5');
    process.exit(2);
  }
  return args;
}

async function workerMain() {
  const sim = await import(simUrl);
  const { firstSeed, nodes, faults, deadline } = workerData;
  const summary = await sim.runBatch({
    firstSeed,
    seeds: SEEDS_PER_WORKER,
    nodes,
    faults: sim.parseFaults(faults),
    deadline,
    onRun: (result, done) => {
      if (result.failure) parentPort.postMessage({ type: 'failure', text: sim.formatFailure(result, faults) });
      parentPort.postMessage({ type: 'progress', done, events: result.events, failed: result.failure !== null });
    },
  });
  parentPort.postMessage({ type: 'done', summary });
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const sim = await import(simUrl);
  const deadline = Date.now() + args.minutes * 60_000;
  console.log(`sim soak: ${args.minutes} min, ${args.workers} workers, ${args.nodes} nodes, faults ${args.faults}, seeds from ${args.firstSeed}`);
  let runs = 0;
  let failures = 0;
  let lastLine = Date.now();
  const summaries = await Promise.all(Array.from({ length: args.workers }, (_, k) => new Promise((resolvePromise, reject) => {
    const worker = new Worker(fileURLToPath(import.meta.url), {
      workerData: { firstSeed: args.firstSeed + k * SEEDS_PER_WORKER, nodes: args.nodes, faults: args.faults, deadline },
    });
    worker.on('message', (m) => {
      if (m.type === 'failure') console.log(m.text);
      if (m.type === 'progress') {
        runs++;
        if (m.failed) failures++;
        if (Date.now() - lastLine > 10_000) {
          lastLine = Date.now();
          console.log(`  ${runs} runs, ${failures} failed, ${Math.max(0, Math.round((deadline - Date.now()) / 1000))} s left`);
        }
      }
      if (m.type === 'done') resolvePromise(m.summary);
    });
    worker.on('error', reject);
  })));
  const total = summaries.reduce((a, b) => sim.mergeSummaries(a, b));
  console.log(sim.formatSummary(total));
  process.exit(Object.keys(total.violations).length > 0 ? 1 : 0);
}

if (isMainThread) await main();
else await workerMain();
