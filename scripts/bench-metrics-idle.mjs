#!/usr/bin/env node
/**
 * The fixed cost of metrics, side by side (`node scripts/bench-metrics-idle.mjs`
 * after `npm run build`): idle 3-node clusters running at the same time, one
 * with metrics (httpAddress, scraped), one without, and optionally one more
 * with metrics from another built checkout (`--other DIR`, e.g. an older
 * commit extracted with `git archive` and built, node_modules linked), so the
 * machine's load falls on all alike. Prints each cluster's node CPU (from
 * /proc) per second, and above the metrics-off cluster per node-second.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError } from 'commander';

const root = resolve(fileURLToPath(import.meta.url), '../..');
const { startMetricsCluster } = await import('./metrics-clusters.mjs');

const nonNegative = (value) => {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('want a number, 0 or more');
  return n;
};
const options = new Command('bench-metrics-idle')
  .description('node CPU of idle clusters with and without metrics, side by side')
  .option('--seconds <s>', 'measured seconds', nonNegative, 60)
  .option('--scrape-ms <ms>', 'scrape interval (0: no scrapes)', nonNegative, 1000)
  .option('--path <path>', 'the path scraped', '/metrics')
  .option('--other <dir>', 'a second metrics cluster from this built checkout')
  .parse()
  .opts();

function startCluster(dir, name, codeRoot, withMetrics) {
  return startMetricsCluster({ dir, name, codeRoot, withMetrics, scrapePath: options.path, leaderTimeoutMs: 30_000 });
}

/** User + system CPU milliseconds a process has used (Linux). */
function cpuMs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10; // clock ticks of 10 ms (USER_HZ 100)
}
const clusterCpuMs = (cluster) => cluster.processes.reduce((sum, child) => sum + cpuMs(child.pid), 0);

const dir = mkdtempSync(join(os.tmpdir(), 'raftkv-bench-metrics-idle-'));
const clusters = [];
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
let timer = null;
try {
  console.log(`load average before ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  clusters.push(await startCluster(dir, 'this', root, true));
  if (options.other) clusters.push(await startCluster(dir, 'other', resolve(options.other), true));
  const off = await startCluster(dir, 'off', root, false);
  clusters.push(off);
  await new Promise((ok) => setTimeout(ok, 3000));
  let scrapes = 0;
  let failures = 0;
  const before = clusters.map(clusterCpuMs);
  if (options.scrapeMs > 0) {
    timer = setInterval(() => {
      for (const url of clusters.flatMap((c) => c.urls)) {
        http
          .get(url, { agent }, (res) => {
            res.resume();
            res.on('end', () => (res.statusCode === 200 ? scrapes++ : failures++));
          })
          .on('error', () => failures++);
      }
    }, options.scrapeMs);
  }
  await new Promise((ok) => setTimeout(ok, options.seconds * 1000));
  clearInterval(timer);
  const used = clusters.map((c, i) => clusterCpuMs(c) - before[i]);
  const offUsed = used.at(-1);
  console.log(`${options.seconds} s idle, 3 nodes each, ${options.path} scraped every ${options.scrapeMs || '-'} ms: ${scrapes} scrapes, ${failures} failed`);
  for (const [i, cluster] of clusters.entries()) {
    const above = cluster === off ? '' : `, above off ${((used[i] - offUsed) / options.seconds).toFixed(1)} ms/s = ${((used[i] - offUsed) / options.seconds / 3).toFixed(2)} ms per node-second`;
    console.log(`  ${cluster.name.padEnd(5)} ${(used[i] / options.seconds).toFixed(1)} ms/s${above}`);
  }
  console.log(`load average after ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
} finally {
  clearInterval(timer);
  agent.destroy();
  for (const cluster of clusters) for (const child of cluster.processes) child.kill('SIGTERM');
  await new Promise((ok) => setTimeout(ok, 1000));
  for (const cluster of clusters) for (const child of cluster.processes) if (child.exitCode === null) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}
