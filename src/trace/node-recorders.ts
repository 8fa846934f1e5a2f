/**
 * The recorders a real node carries: the always-on flight recorder and, when
 * asked for, the trace recorder. Both are bus taps attached before the first
 * delivery, so seq 1 of a trace is the node's first event.
 */
import path from 'node:path';
import type { MessageBus } from '../bus/bus.js';
import type { StoredSession } from '../kv/sessions.js';
import type { NodeSettings } from '../node/assemble.js';
import type { RestoredState } from '../raft/core.js';
import type { TraceError } from './errors.js';
import { FlightRecorder } from './flight-recorder.js';
import type { TraceStart } from './format.js';
import { resolveTracePath, TraceRecorder } from './recorder.js';

export interface TraceSettings {
  /** Trace file of the run (`%p` becomes the pid; an existing file is never overwritten). */
  readonly path: string;
  readonly maxBytes?: number;
}

export interface FlightSettings {
  /** Events kept; FLIGHT_EVENTS_DEFAULT when absent. */
  readonly capacity?: number;
  /** Where dumps go; `<dataDir>/flight` when absent. */
  readonly dir?: string;
}

export interface NodeRecorderOptions {
  readonly bus: MessageBus;
  readonly config: NodeSettings & { readonly dataDir: string };
  readonly restored: RestoredState;
  readonly sessions?: readonly StoredSession[];
  readonly seed: number;
  readonly trace?: TraceSettings;
  readonly flight?: FlightSettings;
  readonly onTraceError: (error: TraceError) => void;
}

export interface NodeRecorders {
  /** The trace's first file, or null when not tracing. */
  readonly tracePath: string | null;
  readonly flight: FlightRecorder;
  /** Writes the flight recorder's events to a new file; returns its path. */
  flightDump(reason: string): string;
  /** Flushes and closes the trace. */
  close(): void;
}

export function traceStartOf(
  config: NodeSettings,
  state: { readonly restored: RestoredState; readonly sessions?: readonly StoredSession[] },
  seed: number,
  startMs = Date.now(),
): TraceStart {
  const { nodeId, members, timing, limits } = config;
  const sessions = state.sessions && state.sessions.length > 0 ? { sessions: state.sessions } : {};
  return { node: nodeId, pid: process.pid, startMs, seed, config: { nodeId, members, timing, limits }, restored: state.restored, ...sessions };
}

export function attachNodeRecorders(options: NodeRecorderOptions): NodeRecorders {
  const start = traceStartOf(options.config, options, options.seed);
  const flight = new FlightRecorder({ start, ...(options.flight?.capacity !== undefined && { capacity: options.flight.capacity }) });
  flight.attach(options.bus);
  let trace: TraceRecorder | null = null;
  if (options.trace) {
    trace = new TraceRecorder({
      path: resolveTracePath(options.trace.path),
      start,
      ...(options.trace.maxBytes !== undefined && { maxBytes: options.trace.maxBytes }),
      onError: options.onTraceError,
    });
    trace.attach(options.bus);
  }
  const dir = options.flight?.dir ?? path.join(options.config.dataDir, 'flight');
  return {
    tracePath: trace?.files()[0] ?? null,
    flight,
    flightDump: (reason) => {
      trace?.flush(); // so the trace on disk is at least as recent as the dump
      return flight.dump(dir, reason);
    },
    close: () => trace?.close(),
  };
}
