/**
 * The CPU cost of the log record codec on the write path, in this process
 * (no disk, so a busy machine disturbs it least): nanoseconds per entry to
 * encode (what every persisted entry pays) and to decode (what load and
 * entries() pay), for a SET-sized entry. Usage: npm run build, then
 * node scripts/bench-codec-micro.mjs [--entries N] [--rounds R]
 */
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(fileURLToPath(import.meta.url), '../..');
const { encodeEntry, decodeEntry, encodeLogKey } = await import(pathToFileURL(resolve(root, 'dist/storage/codec.js')).href);
const { values } = parseArgs({ options: { entries: { type: 'string', default: '20000' }, rounds: { type: 'string', default: '41' }, bytes: { type: 'string', default: '280' } } });
const count = Number(values.entries);
const entries = Array.from({ length: count }, (_, i) => ({ index: 1_000_000 + i, term: 7, type: 1, data: new Uint8Array(Number(values.bytes)).fill(i & 0xff) }));

function timeNs(fn) {
  const start = process.cpuUsage();
  fn();
  const used = process.cpuUsage(start);
  return ((used.user + used.system) * 1000) / count;
}

const encodeRuns = [];
const decodeRuns = [];
let sink = 0;
for (let round = 0; round < Number(values.rounds); round++) {
  let encoded = [];
  encodeRuns.push(timeNs(() => {
    for (const entry of entries) {
      const key = encodeLogKey(entry.index);
      encoded.push(encodeEntry(entry));
      sink += key.length;
    }
  }));
  decodeRuns.push(timeNs(() => {
    for (let i = 0; i < count; i++) sink += decodeEntry(entries[i].index, encoded[i]).term;
  }));
  encoded = [];
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
// The minimum is the figure least disturbed by other processes on a shared machine.
const summary = (xs) => ({ min: Math.round(Math.min(...xs)), median: Math.round(median(xs)) });
console.log(JSON.stringify({ entryDataBytes: Number(values.bytes), entries: count, encodeNsPerEntry: summary(encodeRuns), decodeNsPerEntry: summary(decodeRuns), sink }));
