/**
 * Text timelines of histories for failure reports: one line per operation in call
 * order, with a bar showing its interval against the distinct event times (ranks, not
 * scale, so every overlap stays visible however uneven the clock).
 *
 *   #3   c1  [  10 ..   14]  |  ===      |  write "a"            ok
 *   #4   c2  [  12 ..    ∞]  |    =======>|  cas "a" -> "b"       unknown
 */
import type { Operation } from './history.js';
import { returnTime } from './history.js';

const BAR_WIDTH_MAX = 40;

export function formatOperation(op: Operation): string {
  switch (op.kind) {
    case 'read':
      return 'read';
    case 'write':
      return `write ${show(op.value)}`;
    case 'delete':
      return 'delete';
    case 'cas':
      return `cas ${show(op.expected)} -> ${show(op.value)}`;
  }
}

export function formatOutcome(op: Operation): string {
  if (op.status !== 'ok') return op.status;
  if (op.kind === 'read') return `-> ${show(op.output)}`;
  if (op.kind === 'cas') return op.swapped === true ? 'swapped' : 'not swapped';
  return 'ok';
}

/** The whole history, one line per operation sorted by call time. */
export function formatHistory(ops: readonly Operation[]): string {
  const sorted = [...ops].sort((a, b) => a.call - b.call || a.id - b.id);
  const ranks = timeRanks(sorted);
  const width = Math.min(BAR_WIDTH_MAX, ranks.size + 1);
  const idWidth = Math.max(...sorted.map((op) => String(op.id).length), 1) + 1;
  const timeWidth = Math.max(...sorted.map((op) => String(op.call).length), 1);
  return sorted
    .map((op) => {
      const end = returnTime(op);
      const times = `[${pad(op.call, timeWidth)} .. ${pad(Number.isFinite(end) ? end : '∞', timeWidth)}]`;
      const label = `#${op.id}`.padEnd(idWidth);
      const what = formatOperation(op).padEnd(24);
      return `${label} c${String(op.client).padEnd(3)} ${times}  |${bar(op, ranks, width)}|  ${what} ${formatOutcome(op)}`;
    })
    .join('\n');
}

function timeRanks(ops: readonly Operation[]): Map<number, number> {
  const times = new Set<number>();
  for (const op of ops) {
    times.add(op.call);
    const end = returnTime(op);
    if (Number.isFinite(end)) times.add(end);
  }
  const sorted = [...times].sort((a, b) => a - b);
  return new Map(sorted.map((t, i) => [t, i]));
}

function bar(op: Operation, ranks: Map<number, number>, width: number): string {
  const scale = (time: number): number => Math.floor(((ranks.get(time) ?? 0) * (width - 1)) / Math.max(ranks.size - 1, 1));
  const from = scale(op.call);
  const end = returnTime(op);
  const to = Number.isFinite(end) ? scale(end) : width - 1;
  const body = '='.repeat(to - from + 1);
  const tail = Number.isFinite(end) ? body : `${body.slice(1)}>`;
  return (' '.repeat(from) + tail).padEnd(width);
}

function show(value: string | null | undefined): string {
  return value === null || value === undefined ? 'null' : JSON.stringify(value);
}

function pad(value: number | string, width: number): string {
  return String(value).padStart(width);
}
