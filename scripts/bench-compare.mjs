#!/usr/bin/env node
// raftkv, etcd and Redis side by side on this machine: `npm run bench:compare -- --help`.
// Installs Debian's etcd-server, redis-server and redis-tools when missing (as root).
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { runCompare } from '../dist/bench/compare/run.js';
import { formatTable, formatTargets } from '../dist/bench/compare/report.js';
import { ensureDebianPackages } from './debian-packages.mjs';

const USAGE = `usage: npm run bench:compare -- [options]
  --systems LIST    raftkv,etcd,redis (default: all three)
  --runs N          fresh starts per system; figures are medians (default 3)
  --clients LIST    closed-loop SET client counts (default 1,16,64,256)
  --read-clients N  clients for the linearizable GET figure (default 64)
  --duration S      measured seconds per load (default 8)
  --warmup S        unmeasured seconds before each load (default 1)
  --idle S          seconds of idle CPU measurement after start-up (default 5)
  --json FILE       also write every run's figures as JSON
  --keep            keep the data directories and logs (printed)`;

const { values } = parseArgs({
  options: {
    systems: { type: 'string', default: 'raftkv,etcd,redis' },
    runs: { type: 'string', default: '3' },
    clients: { type: 'string', default: '1,16,64,256' },
    'read-clients': { type: 'string', default: '64' },
    duration: { type: 'string', default: '8' },
    warmup: { type: 'string', default: '1' },
    idle: { type: 'string', default: '5' },
    json: { type: 'string' },
    keep: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}

function positive(name, text) {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) {
    console.error(`bench:compare: --${name} must be a positive number, got ${JSON.stringify(text)}\n${USAGE}`);
    process.exit(2);
  }
  return n;
}

const systems = values.systems.split(',').map((s) => s.trim());
for (const system of systems) {
  if (!['raftkv', 'etcd', 'redis'].includes(system)) {
    console.error(`bench:compare: unknown system ${JSON.stringify(system)} (raftkv, etcd, redis)`);
    process.exit(2);
  }
}
const clientCounts = values.clients.split(',').map((c) => Math.round(positive('clients', c)));

ensureDebianPackages('bench:compare', {
  'redis-benchmark': 'redis-tools',
  ...(systems.includes('etcd') ? { etcd: 'etcd-server' } : {}),
  ...(systems.includes('redis') ? { 'redis-server': 'redis-server' } : {}),
});
const commit = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).stdout.trim() || 'unknown';
console.log(`bench:compare at ${commit} on ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${new Date().toISOString()}`);
console.log(`load generator in this process; 256-byte values; every write synced before it is acknowledged`);

const result = await runCompare({
  systems,
  runs: Math.round(positive('runs', values.runs)),
  clientCounts,
  readClients: Math.round(positive('read-clients', values['read-clients'])),
  durationS: positive('duration', values.duration),
  warmupS: Number(values.warmup),
  idleS: positive('idle', values.idle),
  valueBytes: 256,
  keyspace: 10_000,
  keepDirs: values.keep,
  log: (line) => console.log(line),
});

console.log('\nMedians over runs:\n');
console.log(formatTable(result, clientCounts, Math.round(positive('read-clients', values['read-clients']))));
console.log('\nTargets (issue 13):\n');
console.log(formatTargets(result));
if (values.json !== undefined) {
  writeFileSync(values.json, JSON.stringify({ commit, cores: os.cpus().length, result }, null, 2));
  console.log(`\nfigures written to ${values.json}`);
}
