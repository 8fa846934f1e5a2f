/**
 * The flight recorder: an always-on ring buffer of the last N events a node
 * delivered, dumped as a trace file when something goes wrong (an uncaught
 * error, SIGUSR2, a DEBUG FLIGHTDUMP request, a failed simulator invariant).
 *
 * Recording costs one slot write per event: the event object is kept by
 * reference (bus events are immutable values) and encoded only at dump time.
 * Memory is bounded by N events and by a byte budget for the values they
 * hold (a request, reply or message can carry megabytes: 10,000 replies of a
 * 1 MB value would pin 10 GB); past either, the oldest events go. A dump of a
 * node whose first events went is a 'segment' file (firstSeq > 1): readable
 * with trace show and merge, not replayable, since the node's state before
 * it is gone.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { MessageBus } from '../bus/bus.js';
import type { BusEvent } from '../bus/events.js';
import { assert } from '../util/assert.js';
import { TraceError } from './errors.js';
import { encodeLine, makeHeader, type TraceRecord, type TraceStart } from './format.js';
import type { Reply } from '../protocol/reply.js';
import type { Message } from '../raft/types.js';

export const FLIGHT_EVENTS_DEFAULT = 10_000;
/** The values held events may pin, at most (their payload bytes, estimated: see payloadBytes). */
export const FLIGHT_BYTES_DEFAULT = 64 * 1024 * 1024;

export interface FlightRecorderOptions {
  readonly start: TraceStart;
  /** Events kept (N). */
  readonly capacity?: number;
  /** Payload bytes the held events may pin. */
  readonly bytesMax?: number;
  readonly now?: () => number;
  /** Virtual clock (the simulator). */
  readonly virtualNow?: () => number;
}

interface Slot {
  seq: number;
  t: number;
  vt: number | undefined;
  event: BusEvent;
  bytes: number;
}

export class FlightRecorder {
  readonly capacity: number;
  private readonly bytesMax: number;
  private readonly slots: Slot[] = [];
  /** The ring: `count` events from slot `head` (the oldest) on. */
  private head = 0;
  private count = 0;
  private heldBytes = 0;
  private dumps = 0;
  private readonly now: () => number;

  constructor(private readonly options: FlightRecorderOptions) {
    this.capacity = options.capacity ?? FLIGHT_EVENTS_DEFAULT;
    this.bytesMax = options.bytesMax ?? FLIGHT_BYTES_DEFAULT;
    assert(Number.isInteger(this.capacity) && this.capacity >= 1, `flight recorder capacity ${this.capacity}`);
    this.now = options.now ?? Date.now;
  }

  attach(bus: MessageBus): () => void {
    return bus.tap((event, seq) => this.record(event, seq));
  }

  record(event: BusEvent, seq: number): void {
    const t = this.now();
    const vt = this.options.virtualNow?.();
    const bytes = payloadBytes(event);
    if (this.count === this.capacity) this.dropOldest();
    while (this.count > 0 && this.heldBytes + bytes > this.bytesMax) this.dropOldest();
    this.heldBytes += bytes;
    const at = (this.head + this.count) % this.capacity;
    this.count++;
    const slot = this.slots[at];
    if (slot === undefined) {
      this.slots.push({ seq, t, vt, event, bytes });
      return;
    }
    // Reuse the slot object: no allocation per event once the ring has filled.
    slot.seq = seq;
    slot.t = t;
    slot.vt = vt;
    slot.event = event;
    slot.bytes = bytes;
  }

  /** Events held, at most capacity. */
  size(): number {
    return this.count;
  }

  /** The held events, oldest first. */
  records(): TraceRecord[] {
    const ordered: Slot[] = [];
    for (let i = 0; i < this.count; i++) ordered.push(this.slots[(this.head + i) % this.capacity]!);
    return ordered.map((s) => ({ seq: s.seq, t: s.t, ...(s.vt !== undefined && { vt: s.vt }), node: this.options.start.node, event: s.event }));
  }

  private dropOldest(): void {
    const slot = this.slots[this.head]!;
    this.heldBytes -= slot.bytes;
    slot.event = DROPPED;
    this.head = (this.head + 1) % this.capacity;
    this.count--;
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

/** What a dropped slot holds until it is reused: nothing that pins memory. */
const DROPPED: BusEvent = { type: 'raft.ready' };

/**
 * The bytes of the values an event carries (keys, values, entries, snapshot
 * chunks), estimated cheaply: the events that can carry megabytes are
 * measured, the rest (ticks, small messages, outcomes) count as nothing.
 */
export function payloadBytes(event: BusEvent): number {
  switch (event.type) {
    case 'client.request':
      return event.request.kind === 'write' ? commandBytes(event.request.command) : 0;
    case 'client.reply':
      return replyBytes(event.reply);
    case 'storage.queryResult':
      return commandBytes(event.result);
    case 'net.recv':
      return messageBytes(event.message);
    case 'net.send': {
      let bytes = 0;
      for (const message of event.messages) bytes += messageBytes(message);
      return bytes;
    }
    case 'storage.snapshotRead':
      return messageBytes(event.message);
    case 'storage.apply':
    case 'storage.persist': {
      const entries = event.type === 'storage.apply' ? event.entries : event.request.entries;
      let bytes = 0;
      for (const entry of entries) bytes += entry.data.length;
      return bytes;
    }
    default:
      return 0;
  }
}

function messageBytes(message: Message): number {
  if (message.type === 'AppendEntries') {
    let bytes = 0;
    for (const entry of message.entries) bytes += entry.data.length;
    return bytes;
  }
  return message.type === 'InstallSnapshot' ? message.data.length : 0;
}

function replyBytes(reply: Reply): number {
  switch (reply.type) {
    case 'bulk':
      return reply.value?.length ?? 0;
    case 'list':
    case 'push': {
      let bytes = 0;
      for (const item of reply.items ?? []) bytes += replyBytes(item);
      return bytes;
    }
    case 'map': {
      let bytes = 0;
      for (const [key, value] of reply.entries) bytes += replyBytes(key) + replyBytes(value);
      return bytes;
    }
    default:
      return 0;
  }
}

/** Every byte string one level down in a command or a query result (values, keys, pairs), and one more in nested lists. */
function commandBytes(command: object): number {
  let bytes = 0;
  for (const value of Object.values(command)) {
    if (value instanceof Uint8Array) bytes += value.length;
    else if (Array.isArray(value)) for (const item of value) bytes += item instanceof Uint8Array ? item.length : Array.isArray(item) ? commandBytes(item) : 0;
  }
  return bytes;
}
