#!/usr/bin/env node
/**
 * Where metrics spend their CPU (`node scripts/bench-metrics-profile.mjs`,
 * after `npm run build`): the two clusters of bench-metrics.mjs (metrics on
 * and scraped every second, metrics off), each node under `node --cpu-prof`,
 * the same `raftkv bench` load on each in turn (on, off, off, on, ...). Then,
 * per role (leader, followers), the self time of every function and area per
 * request served, only over the load rounds, with metrics on minus metrics
 * off, largest first. Self time per request is what a busy machine disturbs
 * least: it counts the node's own samples, not how long anything waited.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Command, InvalidArgumentError } from 'commander';

const root = resolve(fileURLToPath(import.meta.url), '../..');
const { runBench } = await import(pathToFileURL(resolve(root, 'dist/client/bench/load.js')).href);
const { startMetricsCluster } = await import('./metrics-clusters.mjs');

const positive = (value) => {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('want a number above 0');
  return n;
};
const options = new Command('bench-metrics-profile')
  .description('CPU profiles of a metrics-on and a metrics-off cluster under the same load, compared per request')
  .option('--rounds <n>', 'rounds per configuration', positive, 4)
  .option('--seconds <s>', 'seconds per round', positive, 5)
  .option('--connections <n>', 'bench connections', positive, 50)
  .option('--top <n>', 'functions listed per role', positive, 30)
  .option('--out <dir>', 'where the .cpuprofile files are kept')
  .parse()
  .opts();

async function startCluster(dir, out, name, withMetrics) {
  const profileDir = join(out, name);
  mkdirSync(profileDir, { recursive: true });
  const nodeArgs = ['--cpu-prof', `--cpu-prof-dir=${profileDir}`];
  const { clients, urls, processes, leader } = await startMetricsCluster({ dir, name, codeRoot: root, withMetrics, nodeArgs });
  const roles = new Map(clients.map((client, i) => [String(processes[i].pid), client === leader ? 'leader' : 'follower']));
  return { name, clients, http: urls, processes, profileDir, roles, windows: [], requests: 0 };
}

function startScraper(urls, intervalMs) {
  const timer = setInterval(() => {
    for (const url of urls) fetch(url, { signal: AbortSignal.timeout(intervalMs) }).then((r) => r.text()).catch(() => {});
  }, intervalMs);
  return () => clearInterval(timer);
}

const nowUs = () => Number(process.hrtime.bigint() / 1000n);

async function round(cluster, measured) {
  const from = nowUs();
  const result = await runBench({
    nodes: cluster.clients,
    connections: options.connections,
    pipeline: 1,
    durationS: options.seconds,
    warmupS: 0,
    workload: 'set',
    readRatio: 0,
    keyspace: 10_000,
    valueSize: 256,
  });
  if (!measured) return;
  cluster.windows.push([from, nowUs()]);
  cluster.requests += result.ops;
  console.log(`metrics ${cluster.name.padEnd(3)} ${Math.round(result.opsPerSecond)} ops/s`);
}

/** Self microseconds per function key and per area inside the windows. */
function selfTimes(path, windows) {
  const profile = JSON.parse(readFileSync(path, 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const functions = new Map();
  const areas = new Map();
  let at = profile.startTime;
  for (let i = 0; i < profile.samples.length; i += 1) {
    at += profile.timeDeltas[i];
    if (!windows.some(([from, to]) => at >= from && at < to)) continue;
    const dt = profile.timeDeltas[i + 1] ?? 0;
    const node = byId.get(profile.samples[i]);
    const f = node.callFrame;
    if (f.functionName === '(idle)') continue;
    const key = `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*\/(dist|node_modules)\//, '')}:${f.lineNumber + 1}`;
    functions.set(key, (functions.get(key) ?? 0) + dt);
    const area = areaOf(f);
    areas.set(area, (areas.get(area) ?? 0) + dt);
  }
  return { functions, areas };
}

function areaOf({ functionName, url }) {
  if (functionName.startsWith('(')) return functionName;
  if (url.includes('prom-client')) return 'prom-client';
  const src = url.match(/\/dist\/([^/]+)\//);
  if (src) return `raftkv ${src[1]}/`;
  const dep = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (dep) return dep[1];
  if (url.startsWith('node:')) return `node ${url.slice(5).split('/').slice(-1)[0]}`;
  return url === '' ? `native ${functionName}` : url.split('/').slice(-2).join('/');
}

function add(into, from) {
  for (const [key, us] of from) into.set(key, (into.get(key) ?? 0) + us);
}

/** Per role: self us per request, summed over that role's processes. */
function perRole(cluster) {
  const byRole = { leader: { functions: new Map(), areas: new Map() }, follower: { functions: new Map(), areas: new Map() } };
  for (const file of readdirSync(cluster.profileDir).filter((f) => f.endsWith('.cpuprofile'))) {
    const role = cluster.roles.get(file.split('.')[3]) ?? 'follower';
    const times = selfTimes(join(cluster.profileDir, file), cluster.windows);
    add(byRole[role].functions, times.functions);
    add(byRole[role].areas, times.areas);
  }
  for (const role of Object.values(byRole)) for (const map of [role.functions, role.areas]) for (const [k, us] of map) map.set(k, us / cluster.requests);
  return byRole;
}

function compare(title, on, off, top) {
  const keys = new Set([...on.keys(), ...off.keys()]);
  const rows = [...keys].map((k) => ({ k, on: on.get(k) ?? 0, off: off.get(k) ?? 0 })).map((r) => ({ ...r, d: r.on - r.off }));
  const sum = (m) => [...m.values()].reduce((a, b) => a + b, 0);
  console.log(`\n${title}: busy ${sum(on).toFixed(1)} us/request with metrics, ${sum(off).toFixed(1)} without (${(sum(on) - sum(off)).toFixed(1)})`);
  console.log('     on     off    diff  (us of self time per request)');
  for (const r of rows.sort((a, b) => Math.abs(b.d) - Math.abs(a.d)).slice(0, top)) {
    console.log(`${r.on.toFixed(2).padStart(7)} ${r.off.toFixed(2).padStart(7)} ${(r.d >= 0 ? '+' : '') + r.d.toFixed(2).padStart(6)}  ${r.k}`);
  }
}

const out = resolve(options.out ?? mkdtempSync(join(os.tmpdir(), 'raftkv-metrics-profile-')));
const dir = mkdtempSync(join(os.tmpdir(), 'raftkv-metrics-profile-data-'));
const clusters = [];
let stopScraper = () => {};
try {
  console.log(`load average before ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  clusters.push(await startCluster(dir, out, 'on', true), await startCluster(dir, out, 'off', false));
  const [on, off] = clusters;
  stopScraper = startScraper(on.http, 1000);
  for (const cluster of clusters) await round(cluster, false);
  for (let i = 0; i < options.rounds; i++) for (const cluster of i % 2 === 0 ? [on, off] : [off, on]) await round(cluster, true);
  console.log(`load average after ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
} finally {
  stopScraper();
  await Promise.all(clusters.flatMap((c) => c.processes).map((child) => new Promise((ok) => {
    if (child.exitCode !== null) return ok();
    const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => (clearTimeout(kill), ok()));
    child.kill('SIGTERM');
  })));
  rmSync(dir, { recursive: true, force: true });
}
const [on, off] = clusters;
const a = perRole(on);
const b = perRole(off);
for (const role of ['leader', 'follower']) {
  compare(`${role}${role === 'follower' ? 's (both)' : ''}, by area`, a[role].areas, b[role].areas, 15);
  compare(`${role}${role === 'follower' ? 's (both)' : ''}, by function`, a[role].functions, b[role].functions, options.top);
}
console.log(`\nprofiles in ${out}`);
