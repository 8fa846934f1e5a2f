#!/usr/bin/env node
/**
 * Chaos run against real node processes (`npm run chaos -- --minutes 10`); see
 * docs/chaos.md. Needs the compiled dist (`npm run build`). Exit code 0 when the run
 * passes, 1 when a check fails, 2 on a setup error (bad options, iptables unusable
 * when asked for, a cluster that never converges).
 */
import { resolve } from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError } from 'commander';

const root = resolve(fileURLToPath(import.meta.url), '../..');
const chaos = await import(pathToFileURL(resolve(root, 'dist/chaos/index.js')).href);

const number = (value) => {
  const n = Number(value);
  if (!Number.isFinite(n)) throw new InvalidArgumentError('not a number');
  return n;
};
const range = (value) => {
  const parts = value.split('-').map(Number);
  if (parts.length !== 2 || parts.some((n) => !Number.isFinite(n))) throw new InvalidArgumentError('expected MIN-MAX in ms');
  return parts;
};

const program = new Command('chaos')
  .description('run a raftkv cluster under faults and check the client history')
  .option('--minutes <n>', 'workload duration in minutes', number, 1)
  .option('--seconds <n>', 'workload duration in seconds (instead of --minutes)', number)
  .option('--nodes <n>', '3 or 5', number, 3)
  .option('--clients <n>', 'concurrent clients', number, chaos.DEFAULT_OPTIONS.clients)
  .option('--keys <n>', 'keys in the workload', number, chaos.DEFAULT_OPTIONS.keys)
  .option('--rate <n>', 'operations per second over all clients (0: unpaced)', number, chaos.DEFAULT_OPTIONS.rate)
  .option('--seed <n>', 'seed for the nemesis and clients', number)
  .option('--mechanism <m>', 'auto | iptables | proxy', 'auto')
  .option('--faults <list>', `comma-separated subset of ${chaos.FAULT_KINDS.join(',')}`, chaos.FAULT_KINDS.join(','))
  .option('--fault-ms <min-max>', 'duration of one fault', range, chaos.DEFAULT_OPTIONS.faultMs)
  .option('--heal-ms <min-max>', 'healthy time between faults', range, chaos.DEFAULT_OPTIONS.healMs)
  .option('--out <dir>', 'directory for run directories', resolve(root, 'data/chaos'))
  .option('--keep-data', 'keep node data directories after a passing run', false)
  .parse();

const o = program.opts();
// Signals become exit(), so the harness's exit hook kills the nodes and removes iptables rules.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => process.exit(130));
try {
  const summary = await chaos.runChaos({
    durationMs: Math.round(o.seconds === undefined ? o.minutes * 60_000 : o.seconds * 1_000),
    nodes: o.nodes,
    clients: o.clients,
    keys: o.keys,
    rate: o.rate,
    ...(o.seed === undefined ? {} : { seed: o.seed }),
    mechanism: o.mechanism,
    faults: o.faults.split(',').filter(Boolean),
    faultMs: o.faultMs,
    healMs: o.healMs,
    outDir: o.out,
    keepData: o.keepData,
    log: (line) => console.log(`[chaos] ${line}`),
  });
  console.log(chaos.formatSummary(summary));
  process.exitCode = summary.ok ? 0 : 1;
} catch (error) {
  console.error(`chaos: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 2;
}
