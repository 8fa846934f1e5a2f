#!/usr/bin/env node
/**
 * What metrics cost (`npm run bench:metrics`): two local 3-node clusters on
 * this machine, one with `httpAddress` set and its three /metrics endpoints
 * scraped every second, one with metrics off (no httpAddress: no bus tap, no
 * HTTP server). The same `raftkv bench` load runs against each in turn,
 * interleaved round by round (on, off, off, on, ...) so that whatever else
 * the machine is doing falls on both alike; only one cluster is loaded at a
 * time. Prints every round, the medians, the difference, and the spread
 * between rounds of the same kind as a measure of the noise; and, less
 * sensitive to a busy machine than throughput, the CPU time the three node
 * processes spent per request (from /proc/<pid>/stat). First, in this
 * process, the two costs separately: the tap per write, and one scrape.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Command, InvalidArgumentError } from 'commander';

const root = resolve(fileURLToPath(import.meta.url), '../..');
const { runBench } = await import(pathToFileURL(resolve(root, 'dist/client/bench/load.js')).href);
const { measureMicro } = await import('./bench-metrics-micro.mjs');
const { startMetricsCluster } = await import('./metrics-clusters.mjs');

const positive = (value) => {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('want a number above 0');
  return n;
};
const options = new Command('bench:metrics')
  .description('throughput with metrics scraped every second versus metrics off, interleaved in one run')
  .option('--rounds <n>', 'rounds per configuration', positive, 6)
  .option('--seconds <s>', 'measured seconds per round', positive, 5)
  .option('--connections <n>', 'bench connections', positive, 50)
  .option('--pipeline <n>', 'requests in flight per connection', positive, 1)
  .option('--scrape-ms <ms>', 'scrape interval of the metrics cluster', positive, 1000)
  .option('--micro-only', 'only the in-process measurements of the tap and a scrape')
  .parse()
  .opts();

async function startCluster(dir, name, withMetrics) {
  const cluster = await startMetricsCluster({ dir, name, codeRoot: root, withMetrics });
  return { ...cluster, http: cluster.urls };
}

/**
 * Scrapes every URL every interval until stopped; counts scrapes and bytes.
 * node:http on kept-alive connections, the body counted and dropped: the
 * scraper shares this process's event loop with the load generator, and
 * fetch() with the body decoded cost about 1 ms more CPU per scrape here.
 */
function startScraper(urls, intervalMs) {
  const stats = { scrapes: 0, bytes: 0, failures: 0 };
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const scrape = (url) => {
    const request = http.get(url, { agent, timeout: intervalMs }, (res) => {
      let bytes = 0;
      res.on('data', (chunk) => (bytes += chunk.length));
      res.on('end', () => {
        if (res.statusCode === 200) {
          stats.bytes += bytes;
          stats.scrapes++;
        } else stats.failures++;
      });
      res.on('error', () => stats.failures++);
    });
    request.on('timeout', () => request.destroy(new Error('scrape timed out')));
    request.on('error', () => stats.failures++);
  };
  const timer = setInterval(() => urls.forEach(scrape), intervalMs);
  return {
    stats,
    stop: () => {
      clearInterval(timer);
      agent.destroy();
    },
  };
}

/** User + system CPU seconds a process has used (Linux), or NaN elsewhere. */
function cpuSeconds(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
  } catch {
    return NaN;
  }
}

const clusterCpu = (cluster) => cluster.processes.reduce((sum, child) => sum + cpuSeconds(child.pid), 0);

/** One measured run: ops/s, and node CPU microseconds per successful request. */
async function round(cluster) {
  const cpuBefore = clusterCpu(cluster);
  const result = await runBench({
    nodes: cluster.clients,
    connections: options.connections,
    pipeline: options.pipeline,
    durationS: options.seconds,
    warmupS: 1,
    workload: 'set',
    readRatio: 0,
    keyspace: 10_000,
    valueSize: 256,
  });
  // The CPU delta covers the warmup second too: count its requests at the measured rate.
  const requests = result.ops + result.opsPerSecond * 1;
  return { opsPerSecond: result.opsPerSecond, cpuUsPerOp: ((clusterCpu(cluster) - cpuBefore) / requests) * 1e6 };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const spread = (xs) => {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  return Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / xs.length) / mean;
};
const pct = (x) => `${(x * 100).toFixed(1)}%`;

const micro = await measureMicro();
console.log(`in-process: the bus tap costs ${micro.tapUsPerWrite.toFixed(2)} us CPU per write (${micro.eventsPerWrite} events a leader delivers for one SET);`);
console.log(`            through a MessageBus, with the tap minus without: ${micro.busTapUsPerWrite.toFixed(2)} us per write`);
console.log(`            rendering one scrape costs ${micro.scrapeCpuMs.toFixed(2)} ms CPU (${micro.scrapeWallMs.toFixed(2)} ms wall, ${micro.scrapeBytes} bytes)`);
if (options.microOnly) process.exit(0);

const dir = mkdtempSync(join(os.tmpdir(), 'raftkv-bench-metrics-'));
const clusters = [];
let scraper = null;
try {
  const loadBefore = os.loadavg();
  clusters.push(await startCluster(dir, 'on', true), await startCluster(dir, 'off', false));
  const [on, off] = clusters;
  scraper = startScraper(on.http, options.scrapeMs);
  console.log(`${options.rounds} rounds x ${options.seconds}s per configuration, ${options.connections} connections x pipeline ${options.pipeline}, SET 256 B, sessions on`);
  console.log(`machine: ${os.cpus().length} cores, load average before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}`);
  // One unmeasured round each: JIT, LevelDB and the connection pools warm up.
  for (const cluster of [on, off]) await round(cluster);
  // The fixed cost, apart from requests: both clusters idle side by side (the metrics one still scraped).
  const idleBefore = [clusterCpu(on), clusterCpu(off)];
  await new Promise((ok) => setTimeout(ok, options.seconds * 1000));
  const idleMsPerSecond = [clusterCpu(on) - idleBefore[0], clusterCpu(off) - idleBefore[1]].map((cpu) => (cpu / options.seconds) * 1000);
  console.log(`idle, ${options.seconds}s: node CPU ${idleMsPerSecond[0].toFixed(1)} ms/s with metrics (scraped), ${idleMsPerSecond[1].toFixed(1)} ms/s without (3 processes each)`);
  const results = { on: [], off: [] };
  const cpu = { on: [], off: [] };
  for (let i = 0; i < options.rounds; i++) {
    // ABBA order: neither configuration always runs first.
    for (const cluster of i % 2 === 0 ? [on, off] : [off, on]) {
      const { opsPerSecond, cpuUsPerOp } = await round(cluster);
      results[cluster.name].push(opsPerSecond);
      cpu[cluster.name].push(cpuUsPerOp);
      console.log(`round ${i + 1}  metrics ${cluster.name.padEnd(3)}  ${String(Math.round(opsPerSecond)).padStart(6)} ops/s  ${cpuUsPerOp.toFixed(0).padStart(5)} us node CPU per request`);
    }
  }
  const medianOn = median(results.on);
  const medianOff = median(results.off);
  const pairs = results.on.map((x, i) => x / results.off[i] - 1);
  console.log('');
  console.log(`metrics on  (scraped every ${options.scrapeMs} ms): median ${Math.round(medianOn)} ops/s, spread between rounds ${pct(spread(results.on))}`);
  console.log(`metrics off                        : median ${Math.round(medianOff)} ops/s, spread between rounds ${pct(spread(results.off))}`);
  console.log(`difference of medians: ${pct(medianOn / medianOff - 1)}; per round pair: ${pairs.map(pct).join(', ')} (median ${pct(median(pairs))})`);
  const cpuOn = median(cpu.on);
  const cpuOff = median(cpu.off);
  console.log(`node CPU per request (3 processes): on ${cpuOn.toFixed(0)} us, off ${cpuOff.toFixed(0)} us, difference ${pct(cpuOn / cpuOff - 1)} (spread ${pct(spread(cpu.on))} / ${pct(spread(cpu.off))})`);
  console.log(`scrapes: ${scraper.stats.scrapes} (${scraper.stats.failures} failed), ${Math.round(scraper.stats.bytes / Math.max(1, scraper.stats.scrapes))} bytes each`);
  console.log(`load average after ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
} finally {
  scraper?.stop();
  for (const cluster of clusters) for (const child of cluster.processes) child.kill('SIGTERM');
  await new Promise((ok) => setTimeout(ok, 500));
  for (const cluster of clusters) for (const child of cluster.processes) if (child.exitCode === null) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}
