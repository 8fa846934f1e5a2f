#!/usr/bin/env node
/**
 * The snapshot benchmark of issue 8 (`npm run bench:snapshots`; not a test).
 * A 3-node cluster of real processes takes --writes SETs of 256 random bytes
 * from --clients concurrent clients, with one follower kept down the whole
 * time. Every --slice writes it prints each node's RSS, data directory size
 * and the slice's throughput. Then the follower starts and catches up by
 * snapshot (the rate is printed in MB/s of the leader's data directory), and
 * finally the whole cluster stops and restarts, timed to the first served
 * linearizable GET.
 *
 *   npm run bench:snapshots -- [--writes 2000000] [--slice 200000] [--clients 64] [--keys 1000000]
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RaftkvClient } from '../dist/client/client.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'bin', 'raftkv.js');
const args = { writes: 2_000_000, slice: 200_000, clients: 64, keys: 1_000_000 };
for (let i = 2; i < process.argv.length; i += 2) {
  const name = process.argv[i].replace(/^--/, '');
  if (!(name in args)) throw new Error(`unknown option --${name} (known: ${Object.keys(args).join(', ')})`);
  args[name] = Number(process.argv[i + 1]);
}

const freePort = () => new Promise((ok) => { const s = net.createServer().listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => ok(port)); }); });
const dir = mkdtempSync(join(tmpdir(), 'raftkv-bench-snap-'));
const members = [];
for (const id of ['n1', 'n2', 'n3']) members.push({ id, peer: `127.0.0.1:${await freePort()}`, client: `127.0.0.1:${await freePort()}` });
const nodes = members.map((m) => {
  const config = join(dir, `${m.id}.json`);
  writeFileSync(config, JSON.stringify({ nodeId: m.id, clusterId: 'bench-snapshots', dataDir: join(dir, m.id), members, logLevel: 'warn' }));
  return { ...m, config, dataDir: join(dir, m.id), child: null };
});
const start = (node) => { node.child = spawn(process.execPath, [bin, 'server', '--config', node.config], { stdio: 'ignore' }); };
const stop = (node) => new Promise((ok) => { if (!node.child) return ok(); node.child.once('exit', ok); node.child.kill('SIGTERM'); node.child = null; });
const rssMb = (node) => { try { return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${node.child.pid}/status`, 'utf8'))[1]) / 1024; } catch { return NaN; } };
const duMb = (path) => { let bytes = 0; try { for (const f of readdirSync(path, { recursive: true })) { const s = statSync(join(path, f)); if (s.isFile()) bytes += s.size; } } catch {} return bytes / 2 ** 20; };
const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));
async function until(what, check, timeoutMs = 600_000) {
  const t0 = Date.now();
  for (;;) { try { if (await check()) return; } catch {} if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`); await sleep(20); }
}

const behind = nodes[2];
const up = nodes.slice(0, 2);
up.forEach(start);
const client = new RaftkvClient({ nodes: up.map((n) => n.client), deadlineMs: 60_000 });
await until('a leader', async () => (await client.ping()) === 'PONG');
console.log(`bench:snapshots on ${cpus().length} cores: ${args.writes} SETs of 256 random bytes, ${args.clients} clients, ${args.keys} keys; ${behind.id} down throughout`);
console.log('writes      slice SET/s  ' + up.map((n) => `${n.id} RSS MB  ${n.id} data MB`).join('  '));
const value = randomBytes(256);
let written = 0;
let sliceStart = Date.now();
let sliceWritten = 0;
await Promise.all(Array.from({ length: args.clients }, async () => {
  const c = new RaftkvClient({ nodes: up.map((n) => n.client), deadlineMs: 60_000 });
  while (written < args.writes) {
    const i = written++;
    value.writeUInt32BE(i >>> 0, 0);
    await c.set(`key:${i % args.keys}`, value);
    if (++sliceWritten >= args.slice) {
      const rate = sliceWritten / ((Date.now() - sliceStart) / 1000);
      console.log(`${String(i + 1).padStart(8)}  ${rate.toFixed(0).padStart(11)}  ` + up.map((n) => `${rssMb(n).toFixed(0).padStart(10)}  ${duMb(n.dataDir).toFixed(0).padStart(11)}`).join('  '));
      sliceWritten = 0;
      sliceStart = Date.now();
    }
  }
  await c.close();
}));

const leaderInfo = async () => { for (const n of up) { const info = await client.info(n.client); if (info.role === 'leader') return info; } return null; };
// Retried: the first request after minutes of idling may meet a connection the node closed meanwhile (clientIdleTimeoutMs).
let commit = 0;
await until('the leader to report its commit index', async () => (commit = Number((await leaderInfo())?.commit_index ?? 0)) > 0, 30_000);
const stateMb = duMb(up[0].dataDir);
const t0 = Date.now();
start(behind);
await until(`${behind.id} to catch up`, async () => Number((await client.info(behind.client)).applied_index) >= commit);
const catchUpS = (Date.now() - t0) / 1000;
console.log(`${behind.id} caught up to index ${commit} in ${catchUpS.toFixed(1)} s: ${(stateMb / catchUpS).toFixed(1)} MB/s of a ${stateMb.toFixed(0)} MB data directory`);

await client.close();
await Promise.all(nodes.map(stop));
const t1 = Date.now();
nodes.forEach(start);
const fresh = new RaftkvClient({ nodes: nodes.map((n) => n.client), deadlineMs: 60_000 });
await until('the first linearizable GET', async () => (await fresh.get('key:0')) !== null);
console.log(`full restart to the first linearizable GET: ${((Date.now() - t1) / 1000).toFixed(2)} s`);
await fresh.close();
await Promise.all(nodes.map(stop));
rmSync(dir, { recursive: true, force: true });
