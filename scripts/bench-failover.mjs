#!/usr/bin/env node
// Unavailability during leadership changes: `npm run bench:failover -- --help`.
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { runFailover } from '../dist/bench/failover/run.js';
import { median } from '../dist/bench/compare/report.js';
import { ensureDebianPackages } from './debian-packages.mjs';

const USAGE = `usage: npm run bench:failover -- [options]
  --repeats N        transfers and kills of each kind (default 5)
  --clients N        writing clients (default 16)
  --heartbeat MS     heartbeat interval for raftkv and etcd (default 50)
  --election MIN-MAX raftkv election timeout range; etcd gets MIN (it randomizes up to 2x) (default 300-600)
  --no-etcd          raftkv only`;

const { values } = parseArgs({
  options: {
    repeats: { type: 'string', default: '5' },
    clients: { type: 'string', default: '16' },
    heartbeat: { type: 'string', default: '50' },
    election: { type: 'string', default: '300-600' },
    'no-etcd': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const [electionMinMs, electionMaxMs] = values.election.split('-').map(Number);
const whole = (name, text) => {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) {
    console.error(`bench:failover: --${name} must be a positive whole number, got ${JSON.stringify(text)}\n${USAGE}`);
    process.exit(2);
  }
  return n;
};
whole('election', electionMinMs);
whole('election', electionMaxMs);
const etcd = !values['no-etcd'];
if (etcd) ensureDebianPackages('bench:failover', { etcd: 'etcd-server', etcdctl: 'etcd-client' });
const commit = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).stdout.trim() || 'unknown';
console.log(`bench:failover at ${commit} on ${os.cpus().length} cores, Node ${process.version}, ${new Date().toISOString()}`);
const clients = whole('clients', values.clients);
const heartbeatMs = whole('heartbeat', values.heartbeat);
console.log(`${clients} writing clients; heartbeat ${heartbeatMs} ms; raftkv election ${electionMinMs}-${electionMaxMs} ms, etcd --election-timeout ${electionMinMs}`);
const result = await runFailover({
  repeats: whole('repeats', values.repeats),
  clients,
  heartbeatMs,
  electionMinMs,
  electionMaxMs,
  etcd,
  log: (line) => console.log(line),
});
console.log('\nLongest gap between acknowledged writes (ms):\n');
console.log('| change | runs | median | max |');
console.log('| --- | --- | --- | --- |');
for (const [name, gaps] of Object.entries(result)) {
  console.log(`| ${name} | ${gaps.map(Math.round).join(' / ')} | ${Math.round(median(gaps))} | ${Math.round(Math.max(...gaps))} |`);
}
