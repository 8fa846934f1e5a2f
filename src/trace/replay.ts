/**
 * Replay: rebuild a node from its trace's header (config, seed, restored
 * state) with inert storage, transport and clock, then walk the recorded
 * events in order. A recorded input is delivered with deliverNow(), as it
 * was; a recorded output must be what the replayed node delivers next
 * (bus.step()). The node's run depends only on its inputs (DESIGN.md,
 * principle 2), so any difference is a bug: a nondeterministic actor, or a
 * recording that was altered.
 */
import type { MessageBus } from '../bus/bus.js';
import { isInput, type BusEvent } from '../bus/events.js';
import { assembleNode } from '../node/assemble.js';
import { TraceError } from './errors.js';
import type { TraceHeader, TraceRecord } from './format.js';
import { inertClock, inertScheduler, inertStorage, inertTransport } from './inert.js';
import { firstDifference } from './same.js';

export interface ReplayDivergence {
  /** Index into the records of the first record that did not match. */
  readonly index: number;
  readonly seq: number;
  readonly reason: string;
  readonly expected: TraceRecord;
  /** What the replayed node delivered instead (null: nothing, or it threw). */
  readonly actual: BusEvent | null;
}

export type ReplayResult =
  | { readonly ok: true; readonly events: number; readonly queued: readonly BusEvent[] }
  | ({ readonly ok: false; readonly events: number } & ReplayDivergence);

/**
 * Replays `records` (a whole run, from seq 1) against a node rebuilt from
 * `header`. `queued` lists the outputs still waiting when the recording ended
 * (a trace cut off by a crash ends with some; they are not checked).
 */
export function replayRun(header: TraceHeader, records: readonly TraceRecord[]): ReplayResult {
  if (header.kind !== 'start' || header.firstSeq !== 1) {
    throw new TraceError('TRACE_INCOMPLETE',
      `trace of ${header.node} starts at event ${header.firstSeq}, not at the node's start: replay needs every event from seq 1 (the first segment, FILE, and the ones after it)`);
  }
  const { bus } = assembleNode({
    config: header.config,
    storage: inertStorage(),
    restored: header.restored,
    ...(header.sessions && { sessions: header.sessions }),
    transport: inertTransport,
    clock: inertClock,
    scheduler: inertScheduler,
    seed: header.seed,
  });
  for (let index = 0; index < records.length; index++) {
    const record = records[index]!;
    const divergence = isInput(record.event) ? feedInput(bus, record, index) : checkOutput(bus, record, index);
    if (divergence) return { ok: false, events: index, ...divergence };
  }
  const queued: BusEvent[] = [];
  for (let e = bus.step(); e !== undefined; e = bus.step()) queued.push(e);
  return { ok: true, events: records.length, queued };
}

function threw(record: TraceRecord, index: number, error: unknown): ReplayDivergence {
  return { index, seq: record.seq, expected: record, actual: null, reason: `the replayed node threw while handling it: ${(error as Error).message}` };
}

function feedInput(bus: MessageBus, record: TraceRecord, index: number): ReplayDivergence | null {
  try {
    bus.deliverNow(record.event);
    return null;
  } catch (error) {
    return threw(record, index, error);
  }
}

function checkOutput(bus: MessageBus, record: TraceRecord, index: number): ReplayDivergence | null {
  let actual: BusEvent | undefined;
  try {
    actual = bus.step();
  } catch (error) {
    return threw(record, index, error);
  }
  if (actual === undefined) {
    return { index, seq: record.seq, expected: record, actual: null, reason: 'the recording has this output; the replayed node produced nothing more' };
  }
  const diff = firstDifference(record.event, actual);
  if (diff === null) return null;
  return { index, seq: record.seq, expected: record, actual, reason: `the replayed node's output differs at ${diff.slice(1) || 'the event itself'}` };
}

/** Checks that records run from firstSeq without a gap (a lost line would make replay meaningless). */
export function checkContiguous(header: TraceHeader, records: readonly TraceRecord[]): void {
  let want = header.firstSeq;
  for (const record of records) {
    if (record.seq !== want) {
      throw new TraceError('TRACE_INCOMPLETE', `trace of ${header.node}: event seq ${want} is missing (next recorded is ${record.seq})`);
    }
    want++;
  }
}
