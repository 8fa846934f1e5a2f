/**
 * The trace file format, version 1 (docs/trace-format.md is the reference).
 *
 * NDJSON: one JSON object per line, so `head`, `grep`, `jq` and `tail -f` all
 * work on a trace. The first line of every file is a header; every other line
 * is one delivered bus event, in delivery order. Byte fields (Uint8Array /
 * Buffer anywhere in an event) are written as `{"$b64":"..."}` and read back
 * as Buffers, so decode(encode(event)) is structurally equal to the event.
 */
import type { BusEvent } from '../bus/events.js';
import type { StoredSession } from '../kv/sessions.js';
import type { NodeSettings } from '../node/assemble.js';
import type { RestoredState } from '../raft/core.js';

export const TRACE_FORMAT = 'raftkv-trace';
export const TRACE_VERSION = 1;

/** How the file came to be written. */
export type TraceSource = 'recorder' | 'flight' | 'sim' | 'test';

/**
 * The first line of a file. `kind: 'start'` files begin at the node's first
 * delivered event (firstSeq 1) and carry everything replay needs to rebuild
 * the node; `kind: 'segment'` files continue an earlier file of the same run
 * (rotation, or a flight-recorder window that lost its oldest events) and
 * carry the same start state for reference, but replay needs every event from
 * seq 1, so it follows the segment chain (see reader.ts).
 */
export interface TraceHeader {
  readonly format: typeof TRACE_FORMAT;
  readonly version: number;
  readonly kind: 'start' | 'segment';
  readonly source: TraceSource;
  readonly node: string;
  readonly pid: number;
  /** Wall time the node (this incarnation) started, ms since the epoch. */
  readonly startMs: number;
  /** Election-timeout seed of this incarnation. */
  readonly seed: number;
  /** 0 for the first file of a run, then 1, 2, ... as the recorder rotates. */
  readonly segment: number;
  /** Delivery seq of the first event this file holds (1 for a whole run). */
  readonly firstSeq: number;
  readonly config: NodeSettings;
  readonly restored: RestoredState;
  /** The client-session table the node restarted with (absent: none). */
  readonly sessions?: readonly StoredSession[];
  /** Why a flight-recorder dump was written (signal, request, error, invariant). */
  readonly reason?: string;
}

/** One delivered event. */
export interface TraceRecord {
  /** The bus's delivery sequence number: 1, 2, 3, ... without gaps within a run. */
  readonly seq: number;
  /** Wall-clock ms since the epoch when the event was delivered. */
  readonly t: number;
  /** Virtual ms (simulation only). */
  readonly vt?: number;
  readonly node: string;
  readonly event: BusEvent;
}

/** Everything a node run needs in its header, before file details are known. */
export type TraceStart = Omit<TraceHeader, 'format' | 'version' | 'kind' | 'segment' | 'firstSeq' | 'source' | 'reason'>;

export function makeHeader(
  start: TraceStart,
  fields: { kind: TraceHeader['kind']; source: TraceSource; segment: number; firstSeq: number; reason?: string },
): TraceHeader {
  // Only the start fields are taken from `start`: a header passed as a start (tests, re-dumps) must not bring its own kind.
  const { node, pid, startMs, seed, config, restored, sessions } = start;
  return { format: TRACE_FORMAT, version: TRACE_VERSION, ...fields, node, pid, startMs, seed, config, restored, ...(sessions && { sessions }) };
}

/**
 * A copy of value with every byte array replaced by {$b64}. Done before
 * JSON.stringify rather than in a replacer: stringify calls Buffer's toJSON
 * (an array of one number per byte) before a replacer sees the value, which
 * made encoding 256-byte values several times slower.
 */
function toJsonable(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Uint8Array) return { $b64: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') };
  if (Array.isArray(value)) return value.map(toJsonable);
  const out: Record<string, unknown> = {};
  for (const key in value) out[key] = toJsonable((value as Record<string, unknown>)[key]);
  return out;
}

function reviver(_key: string, value: unknown): unknown {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const b64 = (value as { $b64?: unknown }).$b64;
    if (typeof b64 === 'string' && Object.keys(value).length === 1) return Buffer.from(b64, 'base64');
  }
  return value;
}

/** One line of NDJSON, newline included. */
export function encodeLine(value: TraceHeader | TraceRecord): string {
  return `${JSON.stringify(toJsonable(value))}\n`;
}

/** Parses one line (without its newline); throws SyntaxError on bad JSON. */
export function decodeLine(line: string): unknown {
  return JSON.parse(line, reviver);
}

/** The canonical text of a value: byte fields as base64, undefined fields dropped. */
export function canonical(value: unknown): string {
  return JSON.stringify(toJsonable(value));
}

export function isHeader(value: unknown): value is TraceHeader {
  return typeof value === 'object' && value !== null && (value as { format?: unknown }).format === TRACE_FORMAT;
}

export function isRecord(value: unknown): value is TraceRecord {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Partial<TraceRecord>;
  return typeof r.seq === 'number' && typeof r.node === 'string' && typeof r.event === 'object' && r.event !== null;
}
