/** `raftkv trace show|merge|replay` and `raftkv debug flightdump`: thin wrappers over src/trace. */
import { RespConnection, type ConnectionSecurity } from '../client/connection.js';
import { TraceError } from '../trace/errors.js';
import { canonical } from '../trace/format.js';
import { describeRecord } from '../trace/describe.js';
import { recordFilter, type TraceFilter } from '../trace/filter.js';
import { mergeTraces } from '../trace/merge.js';
import { readTraceRun, type TraceFile } from '../trace/reader.js';
import { checkContiguous, replayRun } from '../trace/replay.js';
import { describeHeader, describeMerged, describeReplay } from '../trace/report.js';
import { CliExit, println, type CliIo } from './io.js';

export interface ShowOptions extends TraceFilter {
  readonly json?: boolean;
}

/** `raftkv trace show ... | head` closes the pipe early: end quietly instead of crashing on EPIPE. */
function endQuietlyOnClosedPipe(io: CliIo): void {
  const stream = io.stdout as Partial<NodeJS.WriteStream>;
  if (typeof stream.once !== 'function') return;
  stream.once('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    io.exit(0);
  });
}

/** Reads every file (and its later segments), reporting a cut-off file on stderr. */
async function readAll(files: readonly string[], io: CliIo): Promise<TraceFile[]> {
  const runs: TraceFile[] = [];
  for (const file of files) {
    const run = await withTraceErrors(io, () => readTraceRun(file));
    if (run.cut !== null) println(io.stderr, `warning: ${run.cut}`);
    runs.push(run);
  }
  return runs;
}

/** A bad file is the user's to fix: its message alone, exit code 2. */
async function withTraceErrors<T>(io: CliIo, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (!(error instanceof TraceError)) throw error;
    println(io.stderr, `${error.code}: ${error.message}`);
    throw new CliExit(2);
  }
}

export async function traceShow(files: readonly string[], options: ShowOptions, io: CliIo): Promise<void> {
  const keep = recordFilter(options);
  endQuietlyOnClosedPipe(io);
  for (const run of await readAll(files, io)) {
    if (options.json !== true) println(io.stdout, describeHeader(run.header, run.path));
    for (const record of run.records) {
      if (keep(record)) println(io.stdout, options.json === true ? canonical(record) : describeRecord(record));
    }
  }
}

export async function traceMerge(files: readonly string[], options: ShowOptions, io: CliIo): Promise<void> {
  const runs = await readAll(files, io);
  const keep = recordFilter(options);
  endQuietlyOnClosedPipe(io);
  if (options.json !== true) for (const run of runs) println(io.stdout, describeHeader(run.header, run.path));
  for (const merged of mergeTraces(runs)) {
    if (!keep(merged.record)) continue;
    if (options.json !== true) println(io.stdout, describeMerged(merged));
    else println(io.stdout, canonical(merged.sentBy === null ? merged.record : { ...merged.record, sentBy: { node: merged.sentBy.node, seq: merged.sentBy.seq } }));
  }
}

/** Exit 0 when identical, 1 on a divergence, 2 when the trace cannot be replayed. */
export async function traceReplay(file: string, options: { node?: string }, io: CliIo): Promise<void> {
  const [run] = await readAll([file], io);
  const { header, records } = run!;
  if (options.node !== undefined && options.node !== header.node) {
    println(io.stderr, `TRACE_NO_NODE: ${file} is a trace of node ${header.node}, not ${options.node}`);
    throw new CliExit(2);
  }
  const result = await withTraceErrors(io, async () => {
    checkContiguous(header, records);
    return replayRun(header, records);
  });
  for (const line of describeReplay(result, records)) println(io.stdout, line);
  if (!result.ok) throw new CliExit(1);
}

export async function debugFlightDump(address: string, io: CliIo, security: ConnectionSecurity = {}): Promise<void> {
  const connection = await RespConnection.connect(address, security);
  try {
    const reply = await connection.send(['DEBUG', 'FLIGHTDUMP']);
    if (reply.type === 'bulk' && reply.value !== null) {
      println(io.stdout, reply.value.toString('utf8'));
      return;
    }
    println(io.stderr, reply.type === 'error' ? reply.message : `unexpected reply ${reply.type}`);
    throw new CliExit(1);
  } finally {
    await connection.close();
  }
}
