/** Text for people: a failed run, with what reproduces it, and a batch summary. */
import type { BatchSummary } from './batch.js';
import { replayOf } from './replay.js';
import type { SimResult } from './run.js';

export function formatFailure(result: SimResult, faults: string): string {
  const f = result.failure;
  if (!f) return `seed ${result.seed}: ok`;
  return [
    `VIOLATION ${f.kind} — seed ${result.seed}, ${result.nodes} nodes, step ${f.step} (delivered event), t=${f.timeMs.toFixed(3)} ms${f.node ? `, node ${f.node}` : ''}`,
    `  ${f.message}`,
    `  last events of each node:`,
    ...f.lastEvents,
    `  replay: raftkv sim --replay '${JSON.stringify(replayOf(result, faults))}'`,
    ...(f.traceFiles && f.traceFiles.length > 0
      ? [`  traces of each node's last events: raftkv trace merge ${f.traceFiles.join(' ')}`]
      : []),
  ].join('\n');
}

export function formatSummary(s: BatchSummary): string {
  const seconds = s.wallMs / 1000;
  const kinds = Object.entries(s.violations).map(([kind, n]) => `${kind}: ${n}`);
  return [
    `runs: ${s.runs}   violations: ${kinds.length === 0 ? 'none' : kinds.join(', ')}`,
    `delivered events: ${s.events}   simulated time: ${(s.simulatedMs / 1000).toFixed(1)} s   client operations: ${s.operations}`,
    `seeds changing membership: ${s.membershipSeeds}   membership changes taken by a leader: ${s.membershipChanges}`,
    `wall time: ${seconds.toFixed(1)} s   ${seconds > 0 ? `${Math.round(s.events / seconds)} events/s, ${((s.runs / seconds) * 60).toFixed(0)} seeds/min` : ''}`,
    ...(s.undecidedHistories > 0 ? [`histories the checker could not decide within its budget: ${s.undecidedHistories}`] : []),
  ].join('\n');
}
