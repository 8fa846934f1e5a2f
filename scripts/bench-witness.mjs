/**
 * What the tail witness (src/storage/tail-witness.ts) costs a persistence
 * cycle: N sequential Raft writes of one entry each (one client's SETs, one
 * fsync each) on classic-level in a temporary directory, with the witness
 * (--witness on, what a node does) or without it (--witness off). Prints the
 * wall time per write (mean, p50, p99) and this process's CPU time per write.
 * Usage: npm run build, then node scripts/bench-witness.mjs --witness on|off [--writes N] [--dir D]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { ClassicLevel } from 'classic-level';

const root = resolve(fileURLToPath(import.meta.url), '../..');
const load = (path) => import(pathToFileURL(resolve(root, 'dist', path)).href);
const { createLevelStorage } = await load('storage/level-storage.js');
const { TailWitness } = await load('storage/tail-witness.js');

const { values } = parseArgs({ options: { witness: { type: 'string', default: 'on' }, writes: { type: 'string', default: '2000' }, dir: { type: 'string' } } });
const writes = Number(values.writes);
const dir = mkdtempSync(join(values.dir ?? tmpdir(), 'raftkv-witness-bench-'));
const db = new ClassicLevel(join(dir, 'db'), { keyEncoding: 'view', valueEncoding: 'view' });
const storage = await createLevelStorage(db, values.witness === 'on' ? { openWitness: () => TailWitness.open(dir, { create: true }) } : {});
await storage.raft.write({ hardState: { term: 1, vote: 'n1' }, entries: [] });

const data = new Uint8Array(280).fill(7);
const latencies = [];
const cpu = process.cpuUsage();
const start = performance.now();
for (let i = 1; i <= writes; i++) {
  const t0 = performance.now();
  await storage.raft.write({ entries: [{ index: i, term: 1, type: 1, data }] });
  latencies.push(performance.now() - t0);
}
const wallMs = performance.now() - start;
const used = process.cpuUsage(cpu);
await storage.close();
rmSync(dir, { recursive: true, force: true });
latencies.sort((a, b) => a - b);
const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))].toFixed(3);
console.log(JSON.stringify({
  witness: values.witness,
  writes,
  meanMs: (wallMs / writes).toFixed(3),
  p50Ms: at(0.5),
  p99Ms: at(0.99),
  cpuUsPerWrite: ((used.user + used.system) / writes).toFixed(1),
}));
