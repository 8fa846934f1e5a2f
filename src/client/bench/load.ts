/**
 * The load generator behind `raftkv bench`: N connections straight to the
 * leader, each keeping `pipeline` requests in flight for the duration, with
 * per-request latency in a Histogram. Errors are counted by kind (the server's
 * error word, or the ClientError code) and never stop the run.
 */
import { RaftkvClient } from '../client.js';
import { RespConnection, type ConnectionOptions, type ConnectionSecurity } from '../connection.js';
import type { Arg } from '../encode.js';
import { describeReply } from '../reply.js';
import { ClientError } from '../errors.js';
import { sleep } from '../retry.js';
import { Histogram, type HistogramSummary } from './histogram.js';
import { benchKey, benchValue, requestMaker, type WorkloadOptions } from './workload.js';

export interface BenchOptions extends WorkloadOptions {
  readonly nodes: readonly string[];
  readonly connections: number;
  readonly pipeline: number;
  readonly durationS: number;
  readonly warmupS: number;
  readonly requestTimeoutMs?: number;
  /** Send writes inside a server session (exactly-once), one session per connection. */
  readonly sessions?: boolean;
  /** Credentials and TLS for nodes that require them. */
  readonly security?: ConnectionSecurity;
  /** Called about once a second. */
  readonly onProgress?: (progress: BenchProgress) => void;
  /** Ends the run early (Ctrl-C); the result covers what was measured. */
  readonly signal?: AbortSignal;
  /** Afterwards, delete every key the run could have written (the keyspace under keyPrefix). */
  readonly cleanup?: boolean;
}

export interface BenchProgress {
  readonly phase: 'prefill' | 'warmup' | 'run';
  readonly elapsedS: number;
  readonly totalS: number;
  /** Successful requests measured so far (after warmup). */
  readonly ops: number;
  /** Throughput over the last interval. */
  readonly opsPerSecond: number;
  readonly errors: number;
}

export interface BenchResult {
  readonly leader: string;
  readonly ops: number;
  readonly durationS: number;
  readonly opsPerSecond: number;
  readonly errors: Record<string, number>;
  readonly latencyUs: HistogramSummary;
  /** Keys deleted by the cleanup, when asked for. */
  readonly removedKeys?: number;
}

interface RunState {
  stopped: boolean;
  recording: boolean;
  ops: number;
  /** All successes, warmup included, for the progress rate. */
  done: number;
  readonly errors: Map<string, number>;
  readonly histogram: Histogram;
}

export async function runBench(options: BenchOptions): Promise<BenchResult> {
  const leader = await locateLeader(options);
  const workers = await openWorkers(leader, options);
  try {
    if (options.workload !== 'set') await prefill(workers, options);
    const result = await measure(workers, leader, options);
    return options.cleanup === true ? { ...result, removedKeys: await cleanup(workers, options) } : result;
  } finally {
    await Promise.all(workers.map((w) => w.close()));
  }
}

async function openWorkers(leader: string, options: BenchOptions): Promise<Worker[]> {
  const opened = await Promise.allSettled(Array.from({ length: options.connections }, () => Worker.open(leader, options)));
  const workers = opened.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
  const failed = opened.find((o) => o.status === 'rejected');
  if (failed !== undefined) {
    await Promise.all(workers.map((w) => w.close()));
    throw failed.reason;
  }
  return workers;
}

async function locateLeader(options: BenchOptions): Promise<string> {
  const client = new RaftkvClient({ nodes: options.nodes, deadlineMs: 10_000, ...(options.security && { security: options.security }) });
  try {
    return await client.findLeader();
  } finally {
    await client.close();
  }
}

/** Writes every key once, so GETs find values; throws on the first failure. */
async function prefill(workers: Worker[], options: BenchOptions): Promise<void> {
  const value = benchValue(options.valueSize);
  let next = 0;
  const window = 32; // requests in flight per connection while prefilling
  const lane = async (worker: Worker): Promise<void> => {
    while (next < options.keyspace && options.signal?.aborted !== true) {
      const key = benchKey(next++, options.keyPrefix);
      const reply = await (await worker.connection()).send(['SET', key, value]);
      if (reply.type === 'error') throw new ClientError('SERVER_ERROR', `prefill failed: ${reply.message}`, { serverMessage: reply.message });
    }
  };
  options.onProgress?.({ phase: 'prefill', elapsedS: 0, totalS: options.warmupS + options.durationS, ops: 0, opsPerSecond: 0, errors: 0 });
  await Promise.all(workers.flatMap((w) => Array.from({ length: window }, () => lane(w))));
}

/** Deletes the whole keyspace under the prefix, 100 keys per DEL; the number deleted. */
async function cleanup(workers: Worker[], options: BenchOptions): Promise<number> {
  const connection = await workers[0]!.connection();
  let removed = 0;
  for (let from = 0; from < options.keyspace; from += 100) {
    const keys = Array.from({ length: Math.min(100, options.keyspace - from) }, (_, i) => benchKey(from + i, options.keyPrefix));
    const reply = await connection.send(['DEL', ...keys]);
    if (reply.type === 'error') throw new ClientError('SERVER_ERROR', `cleanup failed: ${reply.message}`, { serverMessage: reply.message });
    if (reply.type === 'integer') removed += reply.value;
  }
  return removed;
}

async function measure(workers: Worker[], leader: string, options: BenchOptions): Promise<BenchResult> {
  const state: RunState = { stopped: false, recording: options.warmupS <= 0, ops: 0, done: 0, errors: new Map(), histogram: new Histogram() };
  const nextRequest = requestMaker(options);
  const started = performance.now();
  let measuredFrom = started;
  const ticker = startTicker(state, started, options);
  const warmup = setTimeout(() => {
    state.recording = true;
    state.ops = 0;
    state.errors.clear();
    state.histogram.reset();
    measuredFrom = performance.now();
  }, options.warmupS * 1000);
  const end = setTimeout(() => (state.stopped = true), (options.warmupS + options.durationS) * 1000);
  const abort = (): void => void (state.stopped = true);
  options.signal?.addEventListener('abort', abort);
  const lanes = workers.flatMap((w) => Array.from({ length: options.pipeline }, () => lane(w, state, nextRequest)));
  await Promise.all(lanes);
  clearTimeout(warmup);
  clearTimeout(end);
  clearInterval(ticker);
  options.signal?.removeEventListener('abort', abort);
  const durationS = state.recording ? (performance.now() - measuredFrom) / 1000 : 0;
  return {
    leader,
    ops: state.ops,
    durationS,
    opsPerSecond: durationS > 0 ? state.ops / durationS : 0,
    errors: Object.fromEntries(state.errors),
    latencyUs: state.histogram.summary(),
  };
}

function startTicker(state: RunState, started: number, options: BenchOptions): NodeJS.Timeout {
  let lastDone = 0;
  let lastAt = started;
  return setInterval(() => {
    const now = performance.now();
    const rate = ((state.done - lastDone) * 1000) / Math.max(1, now - lastAt);
    lastDone = state.done;
    lastAt = now;
    const errors = [...state.errors.values()].reduce((a, b) => a + b, 0);
    const phase = state.recording ? 'run' : 'warmup';
    options.onProgress?.({ phase, elapsedS: (now - started) / 1000, totalS: options.warmupS + options.durationS, ops: state.ops, opsPerSecond: rate, errors });
  }, 1000);
}

/** One request slot on a connection, re-filled as soon as its reply arrives. */
async function lane(worker: Worker, state: RunState, nextRequest: () => (string | Uint8Array)[]): Promise<void> {
  while (!state.stopped) {
    const { args, seq } = worker.inSession(nextRequest());
    const t0 = performance.now();
    try {
      const reply = await (await worker.connection()).send(args).finally(() => worker.done(seq));
      if (reply.type === 'error') {
        countError(state, reply.message.split(' ')[0] ?? 'ERR');
        await worker.onErrorReply(reply.message);
        continue;
      }
      state.done += 1;
      if (!state.recording) continue;
      state.ops += 1;
      state.histogram.record((performance.now() - t0) * 1000);
    } catch (error) {
      countError(state, error instanceof ClientError ? error.code : 'UNKNOWN');
      await sleep(100); // the worker reconnects on its next use; do not spin while a node is down
    }
  }
}

function countError(state: RunState, kind: string): void {
  state.errors.set(kind, (state.errors.get(kind) ?? 0) + 1);
}

/** One connection that reopens itself after failure and follows MOVED to a new leader. */
class Worker {
  private current: Promise<RespConnection>;
  private seq = 0;
  private readonly unanswered = new Set<number>();

  private constructor(
    private address: string,
    private readonly options: BenchOptions,
    first: RespConnection,
    private readonly session: number | null,
  ) {
    this.current = Promise.resolve(first);
  }

  static async open(address: string, options: BenchOptions): Promise<Worker> {
    const connection = await RespConnection.connect(address, connectionOptions(options));
    if (options.sessions !== true) return new Worker(address, options, connection, null);
    const reply = await connection.send(['SESSION']);
    if (reply.type !== 'integer') throw new ClientError('PROTOCOL', `SESSION answered ${describeReply(reply)}`);
    return new Worker(address, options, connection, reply.value);
  }

  /**
   * Wraps a write as `SEQ session n lowest ...` when this worker has a session;
   * `lowest` acknowledges every answer below it so the server can forget them.
   * Call done(n) when its reply arrives.
   */
  inSession(args: Arg[]): { args: Arg[]; seq: number | null } {
    if (this.session === null || args[0] === 'GET') return { args, seq: null };
    const seq = ++this.seq;
    this.unanswered.add(seq);
    const lowest = Math.min(...this.unanswered);
    return { args: ['SEQ', String(this.session), String(seq), String(lowest), ...args], seq };
  }

  done(seq: number | null): void {
    if (seq !== null) this.unanswered.delete(seq);
  }

  async connection(): Promise<RespConnection> {
    const connection = await this.current;
    if (connection.isOpen) return connection;
    const reopening = RespConnection.connect(this.address, connectionOptions(this.options));
    this.current = reopening;
    reopening.catch(() => (this.current = Promise.resolve(connection))); // retry on the next use
    return reopening;
  }

  async onErrorReply(message: string): Promise<void> {
    const [word, , target] = message.split(' ');
    if (word === 'MOVED' && target !== undefined && target !== this.address) {
      this.address = target;
      (await this.current).destroy();
    } else if (word === 'TRYAGAIN' || word === 'BUSY') {
      await sleep(20);
    }
  }

  async close(): Promise<void> {
    const connection = await this.current.catch(() => null);
    await connection?.close();
  }
}

function connectionOptions(options: BenchOptions): ConnectionOptions {
  return { ...options.security, requestTimeoutMs: options.requestTimeoutMs ?? 10_000 };
}
