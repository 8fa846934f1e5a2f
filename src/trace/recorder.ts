/**
 * The trace recorder: a bus tap that writes one NDJSON record per delivered
 * event. Each event is encoded in the tap (so a later change to a shared
 * object cannot alter what was recorded) and the lines of one event-loop turn
 * are written together with one synchronous write, at the end of the turn or
 * as soon as WRITE_BATCH_BYTES are waiting. Synchronous because it bounds
 * memory (a slow disk slows the node instead of growing a queue) and keeps a
 * crash's loss to the current turn.
 *
 * Rotation: when a segment reaches maxBytes the recorder continues in
 * FILE.1, FILE.2, ... Each segment starts with a header (kind 'segment',
 * firstSeq) so it reads on its own, but a node's state at a segment boundary
 * is not in any file: replay needs the chain from FILE (see reader.ts).
 * Segments are never deleted by the recorder.
 */
import { closeSync, existsSync, mkdirSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { MessageBus } from '../bus/bus.js';
import type { BusEvent } from '../bus/events.js';
import { TraceError } from './errors.js';
import { encodeLine, makeHeader, type TraceSource, type TraceStart } from './format.js';
import { segmentPath } from './reader.js';

/** Flush within a turn once this much is waiting (a long drain still writes in pieces). */
const WRITE_BATCH_BYTES = 256 * 1024;
export const TRACE_MAX_BYTES_DEFAULT = 256 * 1024 * 1024;

export interface TraceRecorderOptions {
  /** File of segment 0 (see resolveTracePath for `%p` and restarts). */
  readonly path: string;
  readonly start: TraceStart;
  /** Bytes per segment before rotating. */
  readonly maxBytes?: number;
  readonly source?: TraceSource;
  /** Wall clock, ms. */
  readonly now?: () => number;
  /** Virtual clock, ms (the simulator); adds `vt` to every record. */
  readonly virtualNow?: () => number;
  /** Called once if a write fails; recording stops, the node goes on. */
  readonly onError?: (error: TraceError) => void;
  /** Defers the end-of-turn flush (tests and the simulator may pass their own). */
  readonly defer?: (fn: () => void) => void;
}

export class TraceRecorder {
  private fd: number;
  private segment = 0;
  private segmentBytes = 0;
  /** Size of the current segment's header: a segment holding only its header never rotates. */
  private headerBytes = 0;
  private pending: string[] = [];
  private pendingBytes = 0;
  private flushScheduled = false;
  private failed = false;
  private closed = false;
  private readonly maxBytes: number;
  private readonly now: () => number;
  private readonly defer: (fn: () => void) => void;
  private readonly written: string[] = [];

  constructor(private readonly options: TraceRecorderOptions) {
    this.maxBytes = options.maxBytes ?? TRACE_MAX_BYTES_DEFAULT;
    this.now = options.now ?? Date.now;
    this.defer = options.defer ?? ((fn) => setImmediate(fn));
    this.fd = this.openSegment(0, 1);
  }

  /** Records every event delivered on bus from now on; returns the detach function. */
  attach(bus: MessageBus): () => void {
    return bus.tap((event, seq) => this.record(event, seq));
  }

  /** The files written so far, segment order. */
  files(): readonly string[] {
    return this.written;
  }

  record(event: BusEvent, seq: number): void {
    if (this.failed || this.closed) return;
    const vt = this.options.virtualNow?.();
    const line = encodeLine({ seq, t: this.now(), ...(vt !== undefined && { vt }), node: this.options.start.node, event });
    // Rotate before a line that would overflow a segment holding at least one record.
    if (this.segmentBytes + this.pendingBytes + line.length > this.maxBytes && this.segmentBytes + this.pendingBytes > this.headerBytes) {
      this.flush();
      this.rotate(seq);
    }
    this.pending.push(line);
    this.pendingBytes += line.length; // UTF-16 units: close enough to bytes for a size limit
    if (this.pendingBytes >= WRITE_BATCH_BYTES) this.flush();
    else if (!this.flushScheduled) {
      this.flushScheduled = true;
      this.defer(() => this.flush());
    }
  }

  /** Writes whatever is waiting. */
  flush(): void {
    this.flushScheduled = false;
    if (this.pending.length === 0 || this.failed || this.closed) return;
    const text = this.pending.join('');
    this.pending = [];
    this.pendingBytes = 0;
    this.write(text);
  }

  /** Flushes and closes; later events are not recorded. */
  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    if (!this.failed) closeSync(this.fd);
  }

  private openSegment(segment: number, firstSeq: number): number {
    const file = segmentPath(this.options.path, segment);
    const kind = segment === 0 ? 'start' : 'segment';
    const header = encodeLine(makeHeader(this.options.start, { kind, source: this.options.source ?? 'recorder', segment, firstSeq }));
    let fd: number;
    try {
      mkdirSync(path.dirname(file), { recursive: true });
      // 'wx': never overwrite an earlier run's trace.
      fd = openSync(file, 'wx');
    } catch (error) {
      throw new TraceError('TRACE_WRITE_FAILED', `cannot create trace file ${file}: ${(error as Error).message}`, { cause: error });
    }
    this.written.push(file);
    this.segment = segment;
    this.segmentBytes = 0;
    this.headerBytes = header.length;
    this.fd = fd;
    this.write(header);
    return fd;
  }

  private rotate(firstSeq: number): void {
    if (this.failed) return;
    closeSync(this.fd);
    try {
      this.openSegment(this.segment + 1, firstSeq);
    } catch (error) {
      this.fail(error as TraceError);
    }
  }

  private write(text: string): void {
    try {
      const bytes = Buffer.from(text);
      let done = 0;
      while (done < bytes.length) done += writeSync(this.fd, bytes, done);
      this.segmentBytes += text.length;
    } catch (error) {
      this.fail(new TraceError('TRACE_WRITE_FAILED', `writing trace ${segmentPath(this.options.path, this.segment)} failed: ${(error as Error).message}`, { cause: error }));
    }
  }

  private fail(error: TraceError): void {
    if (this.failed) return;
    this.failed = true;
    this.pending = [];
    this.options.onError?.(error);
  }
}

/**
 * The file a new run writes: `%p` in the name becomes the pid, and when the
 * file exists already (an earlier run of the node) `-2`, `-3`, ... is added
 * before the extension, so a restarted node never overwrites the trace of
 * the run that crashed.
 */
export function resolveTracePath(requested: string, pid = process.pid): string {
  const file = requested.replaceAll('%p', String(pid));
  if (!existsSync(file)) return file;
  const ext = path.extname(file);
  const stem = file.slice(0, file.length - ext.length);
  for (let n = 2; ; n++) {
    const candidate = `${stem}-${n}${ext}`;
    if (!existsSync(candidate)) return candidate;
  }
}
