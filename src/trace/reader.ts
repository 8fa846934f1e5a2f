/**
 * Reading trace files: a streaming line reader that survives a crash. A
 * process killed while writing leaves a last line without its newline (and
 * usually not valid JSON): the reader stops there with a message naming the
 * file and line, and everything before it is still returned. A bad line
 * anywhere else means the file was damaged, and is an error.
 */
import { createReadStream, existsSync } from 'node:fs';
import { TraceError } from './errors.js';
import { decodeLine, isHeader, isRecord, TRACE_VERSION, type TraceHeader, type TraceRecord } from './format.js';

export type TraceItem =
  | { readonly kind: 'header'; readonly header: TraceHeader }
  | { readonly kind: 'record'; readonly record: TraceRecord; readonly line: number }
  | { readonly kind: 'cut'; readonly message: string; readonly line: number };

/** 1 MiB reads: a trace is read front to back once. */
const READ_CHUNK_BYTES = 1 << 20;

/** Yields the header, every record, and a final 'cut' item if the file ends mid-record. */
export async function* readTraceItems(path: string): AsyncGenerator<TraceItem> {
  if (!existsSync(path)) throw new TraceError('TRACE_NOT_FOUND', `no trace file ${path}`);
  const stream = createReadStream(path, { encoding: 'utf8', highWaterMark: READ_CHUNK_BYTES });
  let rest = '';
  let line = 0;
  for await (const chunk of stream as AsyncIterable<string>) {
    rest += chunk;
    let start = 0;
    for (let end = rest.indexOf('\n'); end >= 0; end = rest.indexOf('\n', start)) {
      line++;
      yield parseLine(path, line, rest.slice(start, end));
      start = end + 1;
    }
    rest = rest.slice(start);
  }
  if (rest.length === 0) return;
  line++;
  const last = tryParse(rest);
  if (last !== undefined) {
    yield itemOf(path, line, last); // complete JSON, only its newline missing
    return;
  }
  yield {
    kind: 'cut',
    line,
    message: `${path}:${line}: the last record is cut off mid-line (${Buffer.byteLength(rest)} bytes, no newline; the writer stopped, e.g. a crash); read the ${line - 2} records before it`,
  };
}

function tryParse(text: string): unknown {
  try {
    return decodeLine(text);
  } catch {
    return undefined;
  }
}

function parseLine(path: string, line: number, text: string): TraceItem {
  const value = tryParse(text);
  if (value === undefined) throw new TraceError('TRACE_CORRUPT', `${path}:${line}: not a JSON record: ${text.slice(0, 80)}`);
  return itemOf(path, line, value);
}

function itemOf(path: string, line: number, value: unknown): TraceItem {
  if (line === 1) return { kind: 'header', header: checkHeader(path, value) };
  if (!isRecord(value)) throw new TraceError('TRACE_CORRUPT', `${path}:${line}: not a trace record (want seq, t, node, event)`);
  return { kind: 'record', record: value, line };
}

function checkHeader(path: string, value: unknown): TraceHeader {
  if (!isHeader(value)) throw new TraceError('TRACE_BAD_HEADER', `${path}:1: not a raftkv trace (the first line must be its header)`);
  if (value.version !== TRACE_VERSION) {
    throw new TraceError('TRACE_BAD_VERSION', `${path}: trace format version ${value.version}; this raftkv reads version ${TRACE_VERSION}`);
  }
  return value;
}

export interface TraceFile {
  readonly path: string;
  readonly header: TraceHeader;
  readonly records: TraceRecord[];
  /** Set when the file ended mid-record: what was read is everything before it. */
  readonly cut: string | null;
}

/** Reads one file whole (records are kept in memory). */
export async function readTraceFile(path: string): Promise<TraceFile> {
  let header: TraceHeader | null = null;
  let cut: string | null = null;
  const records: TraceRecord[] = [];
  for await (const item of readTraceItems(path)) {
    if (item.kind === 'header') header = item.header;
    else if (item.kind === 'record') records.push(item.record);
    else cut = item.message;
  }
  if (header === null) throw new TraceError('TRACE_BAD_HEADER', `${path}: empty file, no trace header`);
  return { path, header, records, cut };
}

/** Segment k of the run whose first file is `base`: base, base.1, base.2, ... */
export function segmentPath(base: string, segment: number): string {
  return segment === 0 ? base : `${base}.${segment}`;
}

/**
 * A whole run: the file given and the later segments the recorder rotated
 * into (`FILE.1`, `FILE.2`, ...), checked to follow on without a gap.
 */
export async function readTraceRun(base: string): Promise<TraceFile> {
  const first = await readTraceFile(base);
  const records = [...first.records];
  let cut = first.cut;
  for (let k = first.header.segment + 1; existsSync(segmentPath(base, k)); k++) {
    const next = await readTraceFile(segmentPath(base, k));
    const expected = (records.at(-1)?.seq ?? first.header.firstSeq - 1) + 1;
    if (cut !== null || next.header.pid !== first.header.pid || next.header.firstSeq !== expected) {
      throw new TraceError('TRACE_CORRUPT', `${next.path}: does not continue ${base} (want pid ${first.header.pid}, first seq ${expected})`);
    }
    records.push(...next.records);
    cut = next.cut;
  }
  return { path: base, header: first.header, records, cut };
}
