/** redis-benchmark's pipelined SET (`-c 50 -P 16`) against a RESP port; the figure it prints. */
import { spawn } from 'node:child_process';

export interface PipelinedShape {
  readonly connections: number;
  readonly pipeline: number;
  readonly requests: number;
  readonly valueBytes: number;
  readonly keyspace: number;
}

export const PIPELINED_DEFAULT: PipelinedShape = { connections: 50, pipeline: 16, requests: 200_000, valueBytes: 256, keyspace: 10_000 };

/** Requests per second redis-benchmark reports for SET; throws with its output if it reports none. */
export async function runPipelinedSet(port: number, shape: PipelinedShape = PIPELINED_DEFAULT): Promise<number> {
  const args = [
    '-p', String(port), '-t', 'set', '-d', String(shape.valueBytes), '-c', String(shape.connections),
    '-P', String(shape.pipeline), '-n', String(shape.requests), '-r', String(shape.keyspace), '-q',
  ];
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn('redis-benchmark', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.on('data', (chunk) => (text += chunk));
    child.stderr.on('data', (chunk) => (text += chunk));
    child.once('error', reject);
    child.once('exit', () => resolve(text));
  });
  // -q prints progress lines ending in \r, then "SET: 23261.00 requests per second, p50=..."
  const match = /SET: ([\d.]+) requests per second/.exec(output.split('\r').at(-1) ?? '') ?? /SET: ([\d.]+) requests per second/.exec(output);
  if (match === null) throw new Error(`redis-benchmark printed no SET figure: ${output.slice(-300)}`);
  return Number(match[1]);
}
