/** `raftkv bench`: runs the load generator and prints progress and a summary. */
import cliProgress from 'cli-progress';
import { runBench, type BenchOptions, type BenchProgress, type BenchResult } from '../client/bench/load.js';
import { formatMicros, table } from './format.js';
import { println, type CliIo } from './io.js';

export type BenchCommandOptions = Omit<BenchOptions, 'onProgress' | 'signal'> & { readonly json?: boolean };

export async function benchCommand(options: BenchCommandOptions, io: CliIo): Promise<void> {
  const abort = new AbortController();
  const off = io.onSignal(() => abort.abort());
  const progress = progressPrinter(io, options);
  let result: BenchResult;
  try {
    result = await runBench({ ...options, onProgress: progress.update, signal: abort.signal });
  } finally {
    progress.stop();
    off();
  }
  if (options.json === true) println(io.stdout, JSON.stringify({ options: optionsForJson(options), ...result }, null, 2));
  else println(io.stdout, summary(result, options));
}

interface ProgressPrinter {
  update(progress: BenchProgress): void;
  stop(): void;
}

/** A bar on a terminal; elsewhere (CI, pipes, --json) a line per second on stderr. */
function progressPrinter(io: CliIo, options: BenchCommandOptions): ProgressPrinter {
  const total = Math.ceil(options.warmupS + options.durationS);
  if (io.stderr.isTTY !== true || options.json === true) {
    return {
      update: (p) => println(io.stderr, `${p.phase} ${p.elapsedS.toFixed(0)}/${total}s  ${Math.round(p.opsPerSecond)} ops/s  errors ${p.errors}`),
      stop: () => undefined,
    };
  }
  const bar = new cliProgress.SingleBar(
    { format: '{phase} |{bar}| {value}/{total}s  {rate} ops/s  errors {errors}', stream: io.stderr as NodeJS.WritableStream, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { phase: 'prefill', rate: 0, errors: 0 });
  return {
    update: (p) => bar.update(Math.min(total, Math.floor(p.elapsedS)), { phase: p.phase, rate: Math.round(p.opsPerSecond), errors: p.errors }),
    stop: () => bar.stop(),
  };
}

function summary(r: BenchResult, o: BenchCommandOptions): string {
  const errors = Object.entries(r.errors);
  const lat = r.latencyUs;
  return [
    `workload ${o.workload}${o.workload === 'mixed' ? ` (reads ${o.readRatio})` : ''}, ${o.connections} connections x pipeline ${o.pipeline}, ${o.valueSize}-byte values, ${o.keyspace} keys under ${o.keyPrefix ?? 'bench:'}, sessions ${o.sessions === false ? 'off' : 'on'}, leader ${r.leader}`,
    `ops        ${r.ops} in ${r.durationS.toFixed(2)}s`,
    `throughput ${Math.round(r.opsPerSecond)} ops/s`,
    `errors     ${errors.length === 0 ? 'none' : errors.map(([k, n]) => `${k} ${n}`).join(', ')}`,
    ...(r.removedKeys === undefined ? [] : [`cleanup    ${r.removedKeys} keys under ${o.keyPrefix ?? 'bench:'} removed`]),
    '',
    table(['latency', 'min', 'p50', 'p99', 'p99.9', 'max', 'mean'], [['', ...[lat.min, lat.p50, lat.p99, lat.p999, lat.max, lat.mean].map(formatMicros)]]),
  ].join('\n');
}

function optionsForJson(options: BenchCommandOptions): Record<string, unknown> {
  // Never the credentials: the summary is meant to be kept and shared.
  const { json: _json, security, ...rest } = options;
  return { ...rest, ...(security !== undefined && { tls: security.tls !== undefined, user: security.auth?.user ?? (security.auth ? 'default' : null) }) };
}
