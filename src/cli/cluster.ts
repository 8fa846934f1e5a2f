/**
 * `raftkv cluster`: a local cluster of node processes for trying raftkv out.
 * One `raftkv server` child per nodeN.json, output tagged per node, connect
 * hints once a leader exists, and a clean stop on Ctrl-C / SIGTERM.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfigFile, type TimingPreset } from '../config/index.js';
import { collectStatus, leaderOf } from '../client/status.js';
import { sleep } from '../client/retry.js';
import { nodeConfigFiles } from './addresses.js';
import { bold, colour, colourFor } from './format.js';
import { CliExit, nextSignal, println, UsageError, type CliIo } from './io.js';
import { Supervisor, type ChildSpec } from './supervisor.js';

export interface ClusterOptions {
  /** Record every node's bus events into this directory (raftkv trace show/merge/replay). */
  readonly traceDir?: string;
  readonly configDir: string;
  readonly nodes: number;
  readonly pretty?: boolean;
  readonly verbose?: boolean;
  readonly timing?: TimingPreset;
}

/** bin/raftkv.js, from src/cli or dist/cli alike. */
const BIN = fileURLToPath(new URL('../../bin/raftkv.js', import.meta.url));

export async function clusterCommand(options: ClusterOptions, io: CliIo): Promise<void> {
  const files = nodeConfigFiles(options.configDir).slice(0, options.nodes);
  if (files.length < options.nodes) {
    throw new UsageError(`--nodes ${options.nodes}: found only ${files.length} nodeN.json file(s) in ${options.configDir}`);
  }
  const addresses = loadConfigFile(files[0] as string).members.map((m) => m.client);
  const dashboards = files.flatMap((file) => loadConfigFile(file).httpAddress ?? []);
  const tty = io.stdout.isTTY === true;
  const supervisor = new Supervisor({
    writeLine: (line) => println(io.stdout, line),
    tag: (name, i) => colour(`[${name}]`, colourFor(i), tty),
    onExit: (name, code, signal, expected) => {
      if (!expected) println(io.stderr, colour(`${name} exited unexpectedly (${signal ?? `code ${code}`}); the other nodes keep running`, 31, tty));
    },
  });
  supervisor.start(files.map((file, i) => childSpec(file, i, options, tty)));
  const stopSignal = nextSignal(io);
  const allDead = supervisor.allExited().then(() => 'dead' as const);
  void announceWhenUp(addresses, dashboards, io, () => supervisor.runningCount > 0);
  const why = await Promise.race([stopSignal, allDead]);
  if (why === 'dead') {
    println(io.stderr, 'every node has exited');
    throw new CliExit(1);
  }
  println(io.stdout, `${why}: stopping the cluster`);
  const killNow = nextSignal(io).then(() => supervisor.stop(0)); // a second Ctrl-C does not wait
  await Promise.race([supervisor.stop(5_000), killNow]);
  io.exit(0);
}

function childSpec(file: string, index: number, options: ClusterOptions, tty: boolean): ChildSpec {
  const args = [BIN, 'server', '--config', file];
  // The children's stdout is a pipe, so pretty output must be asked for.
  if (options.pretty === true || tty) args.push('--pretty');
  if (options.verbose === true) args.push('--verbose');
  if (options.timing !== undefined) args.push('--timing', options.timing);
  // %p: a restarted node gets a new trace file rather than overwriting its last life's.
  if (options.traceDir !== undefined) args.push('--trace', join(options.traceDir, `n${index + 1}-%p.ndjson`));
  return { name: `n${index + 1}`, command: process.execPath, args };
}

/** Polls INFO until some node says it leads, then prints how to connect. */
async function announceWhenUp(addresses: readonly string[], dashboards: readonly string[], io: CliIo, alive: () => boolean): Promise<void> {
  while (alive()) {
    const leader = leaderOf(await collectStatus(addresses, 500));
    if (leader !== null) {
      printConnectHints(io, leader, addresses, dashboards);
      return;
    }
    await sleep(250);
  }
}

function printConnectHints(io: CliIo, leader: string, addresses: readonly string[], dashboards: readonly string[]): void {
  const tty = io.stdout.isTTY === true;
  const host = leader.slice(0, leader.lastIndexOf(':'));
  const port = leader.slice(leader.lastIndexOf(':') + 1);
  const lines = [
    bold(`cluster is up: leader at ${leader}; nodes ${addresses.join(', ')}`, tty),
    '  connect with:',
    `    npx raftkv cli             (or: node bin/raftkv.js cli)`,
    `    redis-cli -h ${host} -p ${port}`,
    `    nc ${host} ${port}    then type: SET greeting hello, GET greeting`,
    ...(dashboards.length > 0 ? [`  dashboard: http://${dashboards[0]}/   metrics: ${dashboards.map((d) => `http://${d}/metrics`).join(', ')}`] : []),
    '  Ctrl-C stops every node',
  ];
  for (const line of lines) println(io.stdout, line);
}
