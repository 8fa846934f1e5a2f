#!/usr/bin/env node
/**
 * The large-GET flood of issue 10 against one node process: --connections
 * sockets each pipeline --pipeline GETs of a --value-bytes value and never
 * read; a socket the node closes is replaced at once (an attacker's loop),
 * for --seconds. Meanwhile a probe client PINGs and GETs a small key every
 * 100 ms. Prints the node's peak RSS (sampled from /proc every 50 ms), the
 * probe's latencies, and the node's guard counters (INFO stats).
 *
 *   node scripts/flood-get.mjs [--bin bin/raftkv.js] [--connections 64] [--pipeline 1024]
 *                              [--value-bytes 1000000] [--seconds 20] [--rss-cap-mb 4096] [--json]
 *
 * --bin picks the build to measure (another checkout's bin/raftkv.js for a before/after).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values: flags } = parseArgs({
  options: {
    bin: { type: 'string', default: resolve(import.meta.dirname, '../bin/raftkv.js') },
    connections: { type: 'string', default: '64' },
    pipeline: { type: 'string', default: '1024' },
    'value-bytes': { type: 'string', default: '1000000' },
    seconds: { type: 'string', default: '20' },
    json: { type: 'boolean', default: false },
    'rss-cap-mb': { type: 'string', default: '4096' },
    /** Extra `raftkv server` arguments, e.g. --server-arg=--flight-events --server-arg=100. */
    'server-arg': { type: 'string', multiple: true, default: [] },
  },
});
const connections = Number(flags.connections);
const pipeline = Number(flags.pipeline);
const valueBytes = Number(flags['value-bytes']);
const seconds = Number(flags.seconds);
/** A node past this RSS is killed (and reported as capped): the unbounded build would take the machine with it. */
const rssCapBytes = Number(flags['rss-cap-mb']) * 2 ** 20;
let capped = false;

const freePort = () =>
  new Promise((done) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });

const dir = mkdtempSync(join(tmpdir(), 'raftkv-flood-'));
const [peerPort, clientPort] = [await freePort(), await freePort()];
const config = join(dir, 'n1.json');
writeFileSync(config, JSON.stringify({ nodeId: 'n1', clusterId: 'flood', dataDir: join(dir, 'n1'), members: [{ id: 'n1', peer: `127.0.0.1:${peerPort}`, client: `127.0.0.1:${clientPort}` }], logLevel: 'warn' }));
const node = spawn(process.execPath, [flags.bin, 'server', '--config', config, ...flags['server-arg']], { stdio: ['ignore', 'ignore', 'inherit'] });
let crashed = null;
node.once('exit', (code, signal) => (crashed = { code, signal }));

/** One request-reply connection for the probe and setup. */
async function client() {
  for (;;) {
    try {
      return await new Promise((done, fail) => {
        const socket = net.connect(clientPort, '127.0.0.1', () => done(wrap(socket)));
        socket.once('error', fail);
      });
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
function wrap(socket) {
  let buffered = '';
  const waiters = [];
  socket.setEncoding('latin1');
  socket.on('data', (text) => {
    buffered += text;
    // Replies here are simple or small bulk strings, except INFO (one bulk); count complete ones.
    for (;;) {
      const reply = takeReply();
      if (reply === null) break;
      waiters.shift()?.(reply);
    }
  });
  function takeReply() {
    const end = buffered.indexOf('\r\n');
    if (end < 0) return null;
    if (buffered[0] === '$') {
      const length = Number(buffered.slice(1, end));
      if (length < 0) return take(end + 2, null);
      if (buffered.length < end + 2 + length + 2) return null;
      return take(end + 2 + length + 2, buffered.slice(end + 2, end + 2 + length));
    }
    return take(end + 2, buffered.slice(0, end));
  }
  function take(n, value) {
    buffered = buffered.slice(n);
    return value;
  }
  return {
    call: (...args) =>
      new Promise((done) => {
        waiters.push(done);
        socket.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a, 'latin1')}\r\n${a}\r\n`).join('')}`);
      }),
    close: () => socket.destroy(),
  };
}

const setup = await client();
for (;;) {
  const reply = await setup.call('SET', 'big', 'x'.repeat(valueBytes));
  if (reply === '+OK') break;
  await new Promise((r) => setTimeout(r, 200));
}
await setup.call('SET', 'small', 'v');

let rssPeak = 0;
const rssSamples = [];
const sampler = setInterval(() => {
  try {
    const kb = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${node.pid}/status`, 'utf8'))[1]);
    rssPeak = Math.max(rssPeak, kb * 1024);
    rssSamples.push(kb * 1024);
    if (kb * 1024 > rssCapBytes && !capped) {
      capped = true;
      node.kill('SIGKILL');
    }
  } catch {
    // the node is gone; reported below
  }
}, 50);

const request = '*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n'.repeat(pipeline);
let opened = 0;
let closedByNode = 0;
let stopping = false;
const floods = new Set();
function flood() {
  if (stopping) return;
  const socket = net.connect(clientPort, '127.0.0.1', () => socket.write(request));
  socket.pause();
  opened++;
  floods.add(socket);
  socket.on('error', () => {});
  socket.on('close', () => {
    floods.delete(socket);
    if (!stopping) closedByNode++;
    setTimeout(flood, 10);
  });
}
for (let i = 0; i < connections; i++) flood();

const probe = await client();
const latencies = [];
let probeFailures = 0;
const started = performance.now();
while (performance.now() - started < seconds * 1000 && crashed === null) {
  const t0 = performance.now();
  const reply = await Promise.race([probe.call('GET', 'small'), new Promise((r) => setTimeout(() => r(null), 10_000))]);
  if (reply === 'v') latencies.push(performance.now() - t0);
  else probeFailures++;
  await new Promise((r) => setTimeout(r, 100));
}
stopping = true;
for (const socket of floods) socket.destroy();
clearInterval(sampler);
const info = crashed === null ? await Promise.race([setup.call('INFO', 'stats'), new Promise((r) => setTimeout(() => r(''), 5_000))]) : '';
const stats = Object.fromEntries(String(info).split('\r\n').filter((l) => l.includes(':')).map((l) => l.split(':')));
node.kill('SIGKILL');
rmSync(dir, { recursive: true, force: true });

latencies.sort((a, b) => a - b);
const pct = (p) => (latencies.length === 0 ? null : Math.round(latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]));
const result = {
  bin: flags.bin,
  serverArgs: flags['server-arg'],
  connections,
  pipeline,
  valueBytes,
  seconds,
  crashed: capped ? `killed by this script at --rss-cap-mb ${flags['rss-cap-mb']}` : crashed,
  rssPeakMB: Math.round(rssPeak / 2 ** 20),
  rssLastMB: Math.round((rssSamples.at(-1) ?? 0) / 2 ** 20),
  floodConnectionsOpened: opened,
  floodConnectionsClosedByNode: closedByNode,
  probe: { answered: latencies.length, failed: probeFailures, p50Ms: pct(50), p99Ms: pct(99), maxMs: latencies.length ? Math.round(latencies.at(-1)) : null },
  guards: stats,
};
console.log(flags.json ? JSON.stringify(result) : result);
process.exit(0);
