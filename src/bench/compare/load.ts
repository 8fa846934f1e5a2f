/**
 * A closed-loop load: `connections` loops, each with one request in flight,
 * for a warm-up and then a measured window. Server CPU is read from /proc at
 * the window's edges, and the load generator's own CPU over the same window,
 * so the two are reported apart.
 */
import { Histogram } from '../../client/bench/histogram.js';
import { totalCpuSeconds } from '../clusters/proc.js';
import { ServerReplyError, type LoadConnection, type LoadTarget } from './target.js';

export interface LoadShape {
  readonly workload: 'set' | 'get';
  readonly connections: number;
  readonly warmupS: number;
  readonly durationS: number;
  readonly keyspace: number;
  readonly valueBytes: number;
}

export interface LoadFigures {
  readonly ops: number;
  readonly opsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly errors: Readonly<Record<string, number>>;
  /** Server CPU seconds (all processes) over the measured window. */
  readonly serverCpuS: number;
  /** This process's CPU seconds (the load generator) over the measured window. */
  readonly clientCpuS: number;
}

interface Window {
  recording: boolean;
  stopped: boolean;
  ops: number;
  readonly histogram: Histogram;
  readonly errors: Map<string, number>;
}

export async function runLoad(target: LoadTarget, shape: LoadShape, serverPids: readonly number[]): Promise<LoadFigures> {
  const connections = await Promise.all(Array.from({ length: shape.connections }, (_, i) => target.open(i)));
  const window: Window = { recording: false, stopped: false, ops: 0, histogram: new Histogram(), errors: new Map() };
  const value = randomValue(shape.valueBytes);
  const loops = connections.map((connection) => loop(connection, shape, value, window));
  try {
    await sleep(shape.warmupS * 1000);
    const serverBefore = totalCpuSeconds(serverPids);
    const clientBefore = process.cpuUsage();
    const started = performance.now();
    window.recording = true;
    await sleep(shape.durationS * 1000);
    window.recording = false;
    const elapsedS = (performance.now() - started) / 1000;
    const client = process.cpuUsage(clientBefore);
    const serverCpuS = totalCpuSeconds(serverPids) - serverBefore;
    return {
      ops: window.ops,
      opsPerSecond: window.ops / elapsedS,
      p50Ms: window.histogram.percentile(0.5) / 1000,
      p99Ms: window.histogram.percentile(0.99) / 1000,
      errors: Object.fromEntries(window.errors),
      serverCpuS,
      clientCpuS: (client.user + client.system) / 1e6,
    };
  } finally {
    window.stopped = true;
    await Promise.all(loops);
    await Promise.all(connections.map((connection) => connection.close()));
  }
}

async function loop(connection: LoadConnection, shape: LoadShape, value: Buffer, window: Window): Promise<void> {
  while (!window.stopped) {
    const key = `bench:${Math.floor(Math.random() * shape.keyspace)}`;
    const started = performance.now();
    try {
      if (shape.workload === 'set') await connection.set(key, value);
      else await connection.get(key);
      if (window.recording) {
        window.ops += 1;
        window.histogram.record(Math.round((performance.now() - started) * 1000));
      }
    } catch (error) {
      const word = error instanceof ServerReplyError ? error.word : error instanceof Error ? error.message : String(error);
      window.errors.set(word, (window.errors.get(word) ?? 0) + 1);
      if (!(error instanceof ServerReplyError)) return; // the connection is gone
    }
  }
}

function randomValue(bytes: number): Buffer {
  const value = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i += 1) value[i] = 97 + Math.floor(Math.random() * 26);
  return value;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
