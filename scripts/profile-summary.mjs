#!/usr/bin/env node
// Where a V8 .cpuprofile spent its time: self time by area and the top functions.
//   node scripts/profile-summary.mjs FILE.cpuprofile [...]
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The area a frame's self time is counted under. */
function areaOf(node) {
  const { functionName, url } = node.callFrame;
  if (functionName === '(idle)') return 'idle';
  if (functionName === '(garbage collector)') return 'GC';
  if (functionName === '(program)') return 'program (native, unattributed)';
  if (url.includes('classic-level') || url.includes('abstract-level')) return 'LevelDB (JS side)';
  if (url.includes('msgpackr')) return 'msgpack';
  if (url.includes('pino')) return 'logging';
  const src = url.match(/\/dist\/([^/]+)\//);
  if (src) return `raftkv ${src[1]}/`;
  if (url.startsWith('node:')) {
    if (/node:(net|stream|internal\/stream_base_commons|internal\/streams)/.test(url)) return 'node sockets/streams';
    return `node ${url.slice(5).split('/').slice(-1)[0]}`;
  }
  if (url === '') return `native ${functionName}`;
  return url.split('/').slice(-2).join('/');
}

/**
 * `fromUs` (a CLOCK_MONOTONIC reading in microseconds, process.hrtime's clock,
 * which V8 stamps samples with) skips what came before it: start-up.
 */
export function summarize(path, { top = 25, fromUs = 0 } = {}) {
  const profile = JSON.parse(readFileSync(path, 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  let total = 0;
  let at = profile.startTime;
  for (let i = 0; i < profile.samples.length; i += 1) {
    at += profile.timeDeltas[i];
    if (at < fromUs) continue;
    const dt = profile.timeDeltas[i + 1] ?? 0;
    const id = profile.samples[i];
    self.set(id, (self.get(id) ?? 0) + dt);
    total += dt;
  }
  const areas = new Map();
  const functions = new Map();
  let idle = 0;
  for (const [id, us] of self) {
    const node = byId.get(id);
    const area = areaOf(node);
    if (area === 'idle') {
      idle += us;
      continue;
    }
    areas.set(area, (areas.get(area) ?? 0) + us);
    const f = node.callFrame;
    const key = `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*\/(dist|node_modules)\//, '')}:${f.lineNumber + 1}`;
    functions.set(key, (functions.get(key) ?? 0) + us);
  }
  const busy = total - idle;
  const lines = [`wall ${(total / 1e6).toFixed(2)} s, busy ${(busy / 1e6).toFixed(2)} s (${((busy / total) * 100).toFixed(0)} %)`, 'self time by area (% of busy):'];
  for (const [area, us] of [...areas].sort((a, b) => b[1] - a[1]).slice(0, 16)) lines.push(`  ${((us / busy) * 100).toFixed(1).padStart(5)} %  ${area}`);
  lines.push('top functions by self time (% of busy):');
  for (const [key, us] of [...functions].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`  ${((us / busy) * 100).toFixed(1).padStart(5)} %  ${key}`);
  return lines.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const path of process.argv.slice(2)) console.log(`== ${path}\n${summarize(path)}\n`);
}
