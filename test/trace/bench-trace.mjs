// Not a test: the tracing micro-benchmark of docs/benchmarks.md ("Tracing cost"). Run: npm run build && node test/trace/bench-trace.mjs
// Cost per event of the recorders, on a realistic event mix, without the cluster's noise.
import { openSync, writeSync, closeSync, rmSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { TraceRecorder } from '../../dist/trace/recorder.js';
import { FlightRecorder } from '../../dist/trace/flight-recorder.js';
import { encodeLine } from '../../dist/trace/format.js';
const dir = mkdtempSync(join(tmpdir(), 'raftkv-bench-trace-'));
const value = Buffer.alloc(256, 120);
const entry = (i) => ({ index: i, term: 3, type: 1, data: Buffer.concat([Buffer.from([0x93]), value]) });
const mix = (i) => [
  { type: 'timer.tick' },
  { type: 'client.request', conn: i % 50, seq: i, request: { kind: 'write', command: { op: 'set', key: Buffer.from(`key:${i}`), value } } },
  { type: 'raft.propose', proposals: [{ id: i, data: entry(i).data }] },
  { type: 'raft.ready' },
  { type: 'storage.persist', request: { seq: i, entries: [entry(i)] } },
  { type: 'net.send', messages: [{ type: 'AppendEntries', from: 'n1', to: 'n2', term: 3, prevLogIndex: i - 1, prevLogTerm: 3, entries: [entry(i)], leaderCommit: i - 1 }, { type: 'AppendEntries', from: 'n1', to: 'n3', term: 3, prevLogIndex: i - 1, prevLogTerm: 3, entries: [entry(i)], leaderCommit: i - 1 }] },
  { type: 'storage.persisted', seq: i },
  { type: 'net.recv', message: { type: 'AppendEntriesResponse', from: 'n2', to: 'n1', term: 3, success: true, matchIndex: i, conflictIndex: 0, conflictTerm: 0, rejectedIndex: 0 } },
  { type: 'storage.apply', entries: [entry(i)] },
  { type: 'storage.applied', index: i, results: [{ index: i, term: 3, result: { type: 'ok' } }] },
  { type: 'client.reply', conn: i % 50, seq: i, reply: { type: 'simple', value: 'OK' } },
];
const events = []; for (let i = 1; i <= 10_000; i++) events.push(...mix(i));
const start = { node: 'n1', pid: process.pid, startMs: Date.now(), seed: 1, config: {}, restored: { hardState: { term: 0, vote: null }, entries: [], appliedIndex: 0 } };
const TURN = 64; // events per simulated event-loop turn
function time(name, fn) {
  const runs = [];
  for (let r = 0; r < 5; r++) { const t0 = process.hrtime.bigint(); fn(r); runs.push(Number(process.hrtime.bigint() - t0) / events.length); }
  runs.sort((a, b) => a - b);
  console.log(`${name.padEnd(44)} ${runs[2].toFixed(0).padStart(6)} ns/event (median of 5, ${events.length} events)`);
}
time('encode only (JSON + $b64)', () => { let n = 0; for (const e of events) n += encodeLine({ seq: 1, t: 1, node: 'n1', event: e }).length; });
time('naive: one writeSync per event', (r) => { const fd = openSync(join(dir, `naive${r}`), 'w'); for (const [i, e] of events.entries()) writeSync(fd, encodeLine({ seq: i, t: Date.now(), node: 'n1', event: e })); closeSync(fd); });
time('TraceRecorder: one write per turn', (r) => { const queue = []; const rec = new TraceRecorder({ path: join(dir, `rec${r}`), start, defer: (fn) => queue.push(fn) }); for (const [i, e] of events.entries()) { rec.record(e, i + 1); if (i % TURN === 0) queue.splice(0).forEach((f) => f()); } rec.close(); });
time('FlightRecorder (ring of 10,000)', () => { const fr = new FlightRecorder({ start }); for (const [i, e] of events.entries()) fr.record(e, i + 1); });
rmSync(dir, { recursive: true, force: true });
