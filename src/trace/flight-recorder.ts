/**
 * The flight recorder: an always-on ring buffer of the last N events a node
 * delivered, dumped as a trace file when something goes wrong (an uncaught
 * error, SIGUSR2, a DEBUG FLIGHTDUMP request, a failed simulator invariant).
 *
 * Recording costs one slot write per event: the event object is kept by
 * reference (bus events are immutable values) and encoded only at dump time.
 * Memory is bounded by N events; a dump of a node that has delivered more
 * than N events is a 'segment' file (firstSeq > 1): readable with trace show
 * and merge, not replayable, since the node's state before it is gone.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { MessageBus } from '../bus/bus.js';
import type { BusEvent } from '../bus/events.js';
import { assert } from '../util/assert.js';
import { TraceError } from './errors.js';
import { encodeLine, makeHeader, type TraceRecord, type TraceStart } from './format.js';

export const FLIGHT_EVENTS_DEFAULT = 10_000;

export interface FlightRecorderOptions {
  readonly start: TraceStart;
  /** Events kept (N). */
  readonly capacity?: number;
  readonly now?: () => number;
  /** Virtual clock (the simulator). */
  readonly virtualNow?: () => number;
}

interface Slot {
  seq: number;
  t: number;
  vt: number | undefined;
  event: BusEvent;
}

export class FlightRecorder {
  readonly capacity: number;
  private readonly slots: Slot[] = [];
  /** Index of the next slot to overwrite once the ring is full. */
  private next = 0;
  private dumps = 0;
  private readonly now: () => number;

  constructor(private readonly options: FlightRecorderOptions) {
    this.capacity = options.capacity ?? FLIGHT_EVENTS_DEFAULT;
    assert(Number.isInteger(this.capacity) && this.capacity >= 1, `flight recorder capacity ${this.capacity}`);
    this.now = options.now ?? Date.now;
  }

  attach(bus: MessageBus): () => void {
    return bus.tap((event, seq) => this.record(event, seq));
  }

  record(event: BusEvent, seq: number): void {
    const t = this.now();
    const vt = this.options.virtualNow?.();
    if (this.slots.length < this.capacity) {
      this.slots.push({ seq, t, vt, event });
      return;
    }
    // Reuse the slot object: no allocation per event once the ring is full.
    const slot = this.slots[this.next]!;
    slot.seq = seq;
    slot.t = t;
    slot.vt = vt;
    slot.event = event;
    this.next = (this.next + 1) % this.capacity;
  }

  /** Events held, at most capacity. */
  size(): number {
    return this.slots.length;
  }

  /** The held events, oldest first. */
  records(): TraceRecord[] {
    const ordered = [...this.slots.slice(this.next), ...this.slots.slice(0, this.next)];
    return ordered.map((s) => ({ seq: s.seq, t: s.t, ...(s.vt !== undefined && { vt: s.vt }), node: this.options.start.node, event: s.event }));
  }

  /** The whole dump as NDJSON text. */
  toText(reason: string): string {
    const records = this.records();
    const firstSeq = records[0]?.seq ?? 1;
    const header = makeHeader(this.options.start, { kind: firstSeq === 1 ? 'start' : 'segment', source: 'flight', segment: 0, firstSeq, reason });
    return [encodeLine(header), ...records.map((r) => encodeLine(r))].join('');
  }

  /**
   * Writes the dump synchronously (it must work inside an uncaught-error
   * handler) into dir, and returns the file's path.
   */
  dump(dir: string, reason: string): string {
    const stamp = new Date(this.now()).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
    const base = `${this.options.start.node}-flight-${stamp}-${this.options.start.pid}`;
    const text = this.toText(reason);
    try {
      mkdirSync(dir, { recursive: true });
    } catch (error) {
      throw new TraceError('TRACE_WRITE_FAILED', `cannot create ${dir}: ${(error as Error).message}`, { cause: error });
    }
    // Never overwrite: several incarnations of one simulated node share pid and (virtual) time.
    for (let n = ++this.dumps; ; n++) {
      const file = path.join(dir, `${base}-${n}.ndjson`);
      try {
        writeFileSync(file, text, { flag: 'wx' });
        return file;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue;
        throw new TraceError('TRACE_WRITE_FAILED', `cannot write flight dump ${file}: ${(error as Error).message}`, { cause: error });
      }
    }
  }
}

/**
 * For the simulator: dumps every node's flight recorder into dir when an
 * invariant fails, and returns the files written (one per node).
 */
export function dumpFlightRecorders(recorders: Iterable<FlightRecorder>, dir: string, reason: string): string[] {
  return [...recorders].map((recorder) => recorder.dump(dir, reason));
}
