/**
 * The local 3-node clusters the metrics benchmarks compare (bench-metrics,
 * bench-metrics-profile, bench-metrics-idle): real `raftkv server`
 * processes on free loopback ports, with `httpAddress` (and so metrics) or
 * without, started from a built checkout, resolved once a leader is known.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

async function freePorts(count) {
  const servers = await Promise.all(
    Array.from({ length: count }, () => new Promise((ok, fail) => {
      const server = net.createServer().once('error', fail);
      server.listen(0, '127.0.0.1', () => ok(server));
    })),
  );
  const ports = servers.map((s) => s.address().port);
  await Promise.all(servers.map((s) => new Promise((ok) => s.close(ok))));
  return ports;
}

/**
 * Starts a cluster named `name` with its data and configs in `dir`, running
 * `codeRoot`'s bin/raftkv.js with `nodeArgs` before it (for example
 * --cpu-prof). Returns its client addresses, the metrics URLs (`scrapePath`
 * on each node's HTTP port; none without metrics), the processes and the
 * client address of the leader.
 */
export async function startMetricsCluster({ dir, name, codeRoot, withMetrics, nodeArgs = [], scrapePath = '/metrics', leaderTimeoutMs = 20_000 }) {
  const { collectStatus, leaderOf } = await import(pathToFileURL(resolve(codeRoot, 'dist/client/status.js')).href);
  const { pollUntil } = await import(pathToFileURL(resolve(codeRoot, 'dist/util/poll.js')).href);
  const ports = await freePorts(9);
  const members = [0, 1, 2].map((i) => ({ id: `n${i + 1}`, peer: `127.0.0.1:${ports[i]}`, client: `127.0.0.1:${ports[3 + i]}` }));
  const processes = members.map((member, i) => {
    const config = join(dir, `${name}-${member.id}.json`);
    writeFileSync(
      config,
      JSON.stringify({
        nodeId: member.id,
        clusterId: `bench-${name}`,
        dataDir: join(dir, `${name}-${member.id}`),
        members,
        logLevel: 'warn',
        ...(withMetrics && { httpAddress: `127.0.0.1:${ports[6 + i]}` }),
      }),
    );
    return spawn(process.execPath, [...nodeArgs, join(codeRoot, 'bin/raftkv.js'), 'server', '--config', config], { stdio: 'ignore' });
  });
  const clients = members.map((m) => m.client);
  const leader = await pollUntil(async () => leaderOf(await collectStatus(clients, 500)), { timeoutMs: leaderTimeoutMs, intervalMs: 100, what: `a leader in cluster ${name}` });
  const urls = withMetrics ? ports.slice(6).map((p) => `http://127.0.0.1:${p}${scrapePath}`) : [];
  return { name, clients, urls, processes, leader };
}
