/**
 * Text for the trace commands: a file's header, a merged timeline, and a
 * replay's verdict with the events around a divergence.
 */
import { isInput, type BusEvent } from '../bus/events.js';
import { canonical, type TraceHeader, type TraceRecord } from './format.js';
import { describeEvent, describeRecord } from './describe.js';
import type { MergedRecord } from './merge.js';
import type { ReplayResult } from './replay.js';

/** Records shown before and after a divergence. */
const CONTEXT_BEFORE = 8;
const CONTEXT_AFTER = 3;

export function describeHeader(header: TraceHeader, file: string): string {
  const r = header.restored;
  const start = r.logStart?.index ?? 0;
  const held = r.entries.length === 0 ? 'empty log' : `log ${start + 1}..${r.entries.at(-1)!.index}`;
  const log = start === 0 ? held : `${held} after a snapshot at ${start}`;
  const started = new Date(header.startMs).toISOString();
  const window = header.firstSeq === 1 ? '' : `, events from #${header.firstSeq}`;
  const reason = header.reason === undefined ? '' : `, dumped on ${header.reason}`;
  return (
    `# ${file}: node ${header.node} pid ${header.pid} started ${started} seed ${header.seed}; ` +
    `restored term ${r.hardState.term} vote ${r.hardState.vote ?? '-'}, ${log}, applied ${r.appliedIndex}` +
    ` (${header.source} ${header.kind}${header.segment > 0 ? ` segment ${header.segment}` : ''}${window}${reason})`
  );
}

export function describeMerged(m: MergedRecord): string {
  const line = describeRecord(m.record);
  return m.sentBy === null ? line : `${line}  <- ${m.sentBy.node} #${m.sentBy.seq}`;
}

function replayedLine(event: BusEvent): string {
  const details = describeEvent(event);
  return `${isInput(event) ? 'in ' : 'out'} ${event.type}${details ? `  ${details}` : ''}`;
}

/** The verdict: `identical (N events)`, or the divergence and what surrounds it. */
export function describeReplay(result: ReplayResult, records: readonly TraceRecord[]): string[] {
  if (result.ok) {
    const lines = [`identical (${result.events} events)`];
    if (result.queued.length > 0) {
      lines.push(`(the node still had ${result.queued.length} output(s) queued when the recording ended, not checked: ${result.queued.map((e) => e.type).join(', ')})`);
    }
    return lines;
  }
  const lines = [
    `DIVERGENCE at ${result.expected.node} #${result.seq} (after ${result.events} identical events): ${result.reason}`,
    `  recorded: ${replayedLine(result.expected.event)}`,
    `  replayed: ${result.actual === null ? '(nothing)' : replayedLine(result.actual)}`,
  ];
  if (result.actual !== null) {
    lines.push(`  recorded JSON: ${canonical(result.expected.event)}`, `  replayed JSON: ${canonical(result.actual)}`);
  }
  lines.push('events around it (recorded):');
  const from = Math.max(0, result.index - CONTEXT_BEFORE);
  const to = Math.min(records.length, result.index + CONTEXT_AFTER + 1);
  for (let i = from; i < to; i++) lines.push(`${i === result.index ? '>>' : '  '} ${describeRecord(records[i]!)}`);
  return lines;
}
