#!/usr/bin/env node
// CPU profiles of a 3-node raftkv cluster under a closed-loop load:
//   npm run build --silent && node scripts/profile-cluster.mjs [--workload set|get] [--clients 64] [--duration 8] [--out DIR]
// `--workload idle` measures an idle cluster for --duration seconds instead.
// Each server runs with `node --cpu-prof`; the profiles (one per process, named
// after the node and its role) land in DIR, and a summary of where each spent
// its time is printed (scripts/profile-summary.mjs).
import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { RaftkvBenchCluster, hostOf, portOf } from '../dist/bench/clusters/raftkv-cluster.js';
import { RespTarget } from '../dist/bench/clusters/resp.js';
import { runLoad } from '../dist/bench/compare/load.js';
import { totalCpuSeconds } from '../dist/bench/clusters/proc.js';
import { summarize } from './profile-summary.mjs';

const { values } = parseArgs({
  options: {
    workload: { type: 'string', default: 'set' },
    clients: { type: 'string', default: '64' },
    duration: { type: 'string', default: '8' },
    out: { type: 'string' },
  },
});
const out = resolve(values.out ?? mkdtempSync(join(tmpdir(), 'raftkv-profile-')));
mkdirSync(out, { recursive: true });
const dir = mkdtempSync(join(tmpdir(), 'raftkv-profile-data-'));
const cluster = await RaftkvBenchCluster.start({ dir, nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${join(out, 'raw')}`] });
const leader = await cluster.leader();
const pidToNode = new Map();
for (const m of cluster.members) pidToNode.set(String(cluster.processPid(m.id)), m.id === leader.id ? `${m.id}-leader` : `${m.id}-follower`);
// Start-up is left out of the summaries: only what the servers did from here on counts.
const steadyFromUs = Number(process.hrtime.bigint() / 1000n);
if (values.workload === 'idle') {
  const before = totalCpuSeconds(cluster.pids());
  await new Promise((resolve) => setTimeout(resolve, Number(values.duration) * 1000));
  console.log(`idle: ${((totalCpuSeconds(cluster.pids()) - before) / Number(values.duration)).toFixed(3)} cores (3 nodes)`);
} else {
  const target = new RespTarget(hostOf(leader.client), portOf(leader.client));
  const figures = await runLoad(
    target,
    { workload: values.workload, connections: Number(values.clients), warmupS: 1, durationS: Number(values.duration), keyspace: 10_000, valueBytes: 256 },
    cluster.pids(),
  );
  console.log(`${values.workload} x${values.clients}: ${Math.round(figures.opsPerSecond)}/s p50 ${figures.p50Ms.toFixed(2)} ms, server ${((figures.serverCpuS / figures.ops) * 1000).toFixed(3)} s/1k`);
}
await cluster.stop();
rmSync(dir, { recursive: true, force: true });
for (const file of readdirSync(join(out, 'raw'))) {
  const pid = file.split('.')[3];
  const name = pidToNode.get(pid) ?? pid;
  renameSync(join(out, 'raw', file), join(out, `${name}.cpuprofile`));
}
for (const file of readdirSync(out).filter((f) => f.endsWith('.cpuprofile')).sort()) {
  console.log(`\n== ${file}`);
  console.log(summarize(join(out, file), { fromUs: steadyFromUs }));
}
console.log(`\nprofiles in ${out}`);
