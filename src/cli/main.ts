/**
 * The `raftkv` command line: argument parsing and dispatch only. Each
 * subcommand's work lives in its own file; client logic in src/client.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { RaftkvClient } from '../client/client.js';
import { resolveCluster } from './addresses.js';
// Each command's module is imported when the command runs, so `raftkv server` does not load (and
// compile) every tool's code at start-up: about 90 ms less per process on this machine.
import type { benchCommand } from './bench.js';
import type { CertsFlags } from './certs.js';
import { CliExit, println, processIo, type CliIo } from './io.js';
import { printError, runRepl } from './repl.js';
import { addSecurityOptions, securityFrom, type SecurityFlags } from './security.js';

const TIMINGS = ['fast', 'debug', 'demo'];
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Runs the CLI on process.argv-style arguments (node, script, ...). */
export async function main(argv: string[], io: CliIo = processIo()): Promise<void> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv);
  } catch (error) {
    io.exit(exitCodeFor(error, io));
  }
}

function exitCodeFor(error: unknown, io: CliIo): number {
  if (error instanceof CliExit) return error.exitCode;
  // Commander has already printed its message (or the help).
  if (error instanceof CommanderError) return error.exitCode;
  printError(io, error);
  return 1;
}

function buildProgram(io: CliIo): Command {
  const program = new Command('raftkv')
    .description('a replicated key-value store on Raft')
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });
  addServer(program, io);
  addCluster(program, io);
  addCli(program, io);
  addStatus(program, io);
  addTransferLeader(program, io);
  addMember(program, io);
  addBench(program, io);
  addTrace(program, io);
  addDebug(program, io);
  addSnapshot(program, io);
  addSim(program);
  addCerts(program, io);
  return program;
}

function addServer(program: Command, io: CliIo): void {
  program
    .command('server')
    .description('run one node in this process')
    .requiredOption('--config <file>', 'node config file (JSON)')
    .option('--node-id <id>', 'override the config file nodeId')
    .option('--data-dir <dir>', 'override the config file dataDir')
    .addOption(new Option('--timing <preset>', 'timing preset').choices(TIMINGS))
    .addOption(new Option('--log-level <level>', 'log level').choices(LOG_LEVELS))
    .option('--verbose', 'debug logging')
    .option('--pretty', 'human-readable logs (the default on a terminal)')
    .option('--trace <file>', 'record every delivered event to this trace file (%p: the pid)')
    .option('--trace-max-bytes <n>', 'rotate the trace into FILE.1, FILE.2, ... at this size', positiveInt)
    .option('--flight-events <n>', 'events the flight recorder keeps', positiveInt)
    .option('--flight-dir <dir>', 'where flight-recorder dumps go (default <dataDir>/flight)')
    .action(async (opts) => (await import('./server.js')).serverCommand(opts, io));
}

function addCluster(program: Command, io: CliIo): void {
  program
    .command('cluster')
    .description('run a local cluster, one process per config/nodeN.json')
    .option('--config-dir <dir>', 'directory of nodeN.json files', 'config')
    .option('--nodes <n>', 'how many nodes', positiveInt, 3)
    .addOption(new Option('--timing <preset>', 'timing preset').choices(TIMINGS))
    .option('--verbose', 'debug logging')
    .option('--pretty', 'human-readable logs')
    .option('--trace-dir <dir>', "record every node's events as trace files in this directory")
    .action(async (opts) => (await import('./cluster.js')).clusterCommand(opts, io));
}

function addCli(program: Command, io: CliIo): void {
  addSecurityOptions(program
    .command('cli')
    .description('run one command (e.g. `raftkv cli get k`), or an interactive shell without one')
    .option('--cluster <list>', 'comma-separated host:port client addresses'))
    .argument('[command...]', 'set|put, get, del|delete, list, keys, cas, exists, status, ping, help')
    .passThroughOptions()
    .action(async (words: string[], opts: { cluster?: string } & SecurityFlags) => {
      const cluster = resolveCluster(opts.cluster);
      const security = securityFrom(opts, io);
      const client = new RaftkvClient({ nodes: cluster, security });
      try {
        if (words.length === 0) await runRepl({ client, cluster, security }, io);
        else for (const line of await (await import('./commands.js')).runUserCommand({ client, cluster, security }, words)) println(io.stdout, line);
      } finally {
        await client.close();
      }
    });
}

function addStatus(program: Command, io: CliIo): void {
  addSecurityOptions(program
    .command('status'))
    .description('role, term, leader and log indexes of every node; exits 1 without a reachable leader or quorum')
    .option('--cluster <list>', 'comma-separated host:port client addresses')
    .option('--json', 'machine-readable output (numbers as numbers)')
    .option('--watch [seconds]', 'repeat every few seconds until Ctrl-C', positiveNumber)
    .action(async (opts: { cluster?: string; json?: boolean; watch?: number | true } & SecurityFlags) => {
      const watch = opts.watch === true ? 1 : opts.watch;
      await (await import('./status.js')).statusCommand({ cluster: resolveCluster(opts.cluster), security: securityFrom(opts, io), ...(opts.json !== undefined && { json: opts.json }), ...(watch !== undefined && { watch }) }, io);
    });
}

function addTransferLeader(program: Command, io: CliIo): void {
  addSecurityOptions(program
    .command('transfer-leader'))
    .description('hand leadership to another node without waiting for an election (to the most up-to-date one by default)')
    .option('--cluster <list>', 'comma-separated host:port client addresses')
    .option('--to <id>', 'the node id to hand leadership to')
    .action(async (opts: { cluster?: string; to?: string } & SecurityFlags) => {
      await (await import('./transfer-leader.js')).transferLeaderCommand({ nodes: resolveCluster(opts.cluster), security: securityFrom(opts, io), ...(opts.to === undefined ? {} : { to: opts.to }) }, io);
    });
}

function addMember(program: Command, io: CliIo): void {
  const member = program.command('member').description('list and change the cluster\'s members, one at a time (docs/membership.md)');
  const cluster = ['--cluster <list>', 'comma-separated host:port client addresses'] as const;
  member
    .command('list')
    .description('every member of the configuration in force: id, role (voter or learner), addresses, the leader')
    .option(...cluster)
    .option('--json', 'one JSON array')
    .action(async (opts: { cluster?: string; json?: boolean }) => (await import('./member.js')).memberCommand({ kind: 'list' }, { nodes: resolveCluster(opts.cluster), json: opts.json === true }, io));
  member
    .command('add-learner')
    .description('add a node (started with "join": true) as a learner: it receives the log and snapshots but does not vote')
    .argument('<id>')
    .requiredOption('--peer <host:port>', "the new node's peer address")
    .requiredOption('--client <host:port>', "the new node's client address")
    .option(...cluster)
    .action(async (id: string, opts: { peer: string; client: string; cluster?: string }) =>
      (await import('./member.js')).memberCommand({ kind: 'add-learner', id, peer: opts.peer, client: opts.client }, { nodes: resolveCluster(opts.cluster) }, io));
  member
    .command('promote')
    .description('make a learner that has caught up a voter')
    .argument('<id>')
    .option(...cluster)
    .action(async (id: string, opts: { cluster?: string }) => (await import('./member.js')).memberCommand({ kind: 'promote', id }, { nodes: resolveCluster(opts.cluster) }, io));
  member
    .command('remove')
    .description('remove a member for good (its id is never reused); the leader removing itself hands over first')
    .argument('<id>')
    .option(...cluster)
    .action(async (id: string, opts: { cluster?: string }) => (await import('./member.js')).memberCommand({ kind: 'remove', id }, { nodes: resolveCluster(opts.cluster) }, io));
}

function addBench(program: Command, io: CliIo): void {
  addSecurityOptions(program
    .command('bench'))
    .description('load-test the leader and report throughput and latency')
    .option('--cluster <list>', 'comma-separated host:port client addresses')
    .option('--connections <n>', 'connections to the leader', positiveInt, 50)
    .option('--pipeline <n>', 'requests in flight per connection', positiveInt, 1)
    .option('--value-size <bytes>', 'value size', positiveInt, 256)
    .option('--keyspace <n>', 'distinct keys', positiveInt, 10_000)
    .option('--key-prefix <prefix>', 'prefix of every key written', 'bench:')
    .option('--cleanup', 'delete the keys written (the keyspace under the prefix) afterwards')
    .addOption(new Option('--workload <kind>', 'request mix').choices(['set', 'get', 'mixed']).default('set'))
    .option('--read-ratio <r>', 'share of GETs in the mixed workload', ratio, 0.5)
    .option('--duration <s>', 'measured seconds', positiveNumber, 10)
    .option('--warmup <s>', 'unmeasured seconds first', nonNegativeNumber, 1)
    .option('--no-sessions', 'send plain writes, without exactly-once sessions')
    .option('--json', 'machine-readable summary')
    .action(async (opts) => {
      const { cluster, duration, warmup, user, password, tls, cacert, cert, key, sni, ...rest } = opts as Record<string, unknown> & { cluster?: string; duration: number; warmup: number } & SecurityFlags;
      const security = securityFrom({ user, password, tls, cacert, cert, key, sni } as SecurityFlags, io);
      await (await import('./bench.js')).benchCommand({ ...(rest as BenchFlags), nodes: resolveCluster(cluster), durationS: duration, warmupS: warmup, security }, io);
    });
}

function addTrace(program: Command, io: CliIo): void {
  const trace = program.command('trace').description('read, merge and replay event traces (docs/debugging.md)');
  const filters = (command: Command): Command =>
    command
      .option('--node <id>', 'only this node')
      .option('--type <glob>', 'only these event types, e.g. raft.* or net.recv')
      .option('--from <seq>', 'from this delivery seq', positiveInt)
      .option('--to <seq>', 'up to this delivery seq', positiveInt)
      .option('--key <key>', 'only events that carry this key')
      .option('--json', 'one JSON record per line');
  filters(trace.command('show').description('print a readable timeline of trace files').argument('<files...>'))
    .action(async (files: string[], opts) => (await import('./trace.js')).traceShow(files, opts, io));
  filters(trace.command('merge').description("interleave several nodes' traces, causally").argument('<files...>'))
    .action(async (files: string[], opts) => (await import('./trace.js')).traceMerge(files, opts, io));
  trace
    .command('replay')
    .description('re-run a node from its recorded inputs and compare every output')
    .argument('<file>')
    .option('--node <id>', 'the node the trace must belong to')
    .action(async (file: string, opts: { node?: string }) => (await import('./trace.js')).traceReplay(file, opts, io));
}

function addDebug(program: Command, io: CliIo): void {
  const debug = program.command('debug').description('ask a running node for debugging data');
  addSecurityOptions(debug
    .command('flightdump')
    .description("dump a node's flight recorder to a file on that node; prints the path")
    .requiredOption('--node <host:port>', "the node's client address"))
    .action(async (opts: { node: string } & SecurityFlags) => (await import('./trace.js')).debugFlightDump(opts.node, io, securityFrom(opts, io)));
}

function addSnapshot(program: Command, io: CliIo): void {
  const snapshot = program.command('snapshot').description('back up a running cluster to a file, inspect it, seed a new cluster from it (docs/snapshots.md)');
  addSecurityOptions(snapshot
    .command('save')
    .description("save the leader's state machine to a new file, with its index, term, voters and a sha256 checksum")
    .argument('<file>')
    .option('--cluster <list>', 'comma-separated host:port client addresses'))
    .action(async (file: string, opts: { cluster?: string } & SecurityFlags) => (await import('./snapshot.js')).snapshotSave(file, resolveCluster(opts.cluster), io, securityFrom(opts, io)));
  snapshot
    .command('status')
    .description('check a snapshot file: index, term, voters, keys, sessions, size and checksum verdict')
    .argument('<file>')
    .option('--json', 'one JSON object')
    .action(async (file: string, opts: { json?: boolean }) => (await import('./snapshot.js')).snapshotStatus(file, io, opts.json === true));
  snapshot
    .command('restore')
    .description("seed a new node's (empty) data directory from a snapshot file; run once per node of the new cluster")
    .argument('<file>')
    .requiredOption('--config <file>', 'the new node\'s config file (JSON): its dataDir, nodeId and members')
    .option('--data-dir <dir>', 'override the config file dataDir')
    .action(async (file: string, opts: { config: string; dataDir?: string }) => (await import('./snapshot.js')).snapshotRestore(file, opts, io));
}

function addCerts(program: Command, io: CliIo): void {
  program
    .command('certs')
    .description('make a development CA, a certificate per member for peer mutual TLS, and one for the client port (needs openssl)')
    .option('--out <dir>', 'where the CA and certificates go', 'certs')
    .option('--members <ids>', 'comma-separated member ids', 'n1,n2,n3')
    .option('--days <n>', 'validity of new certificates', positiveInt, 825)
    .option('--client-hosts <hosts>', 'also make client-port.crt/client-port.key for the client port (clientTls), naming these comma-separated hosts, e.g. 127.0.0.1,localhost')
    .action(async (opts: CertsFlags) => (await import('./certs.js')).certsCommand(opts, io));
}

function addSim(program: Command): void {
  program
    .command('sim')
    .description('deterministic simulation: whole clusters under faults, safety checked at every step')
    .option('--seeds <n>', 'how many seeds to run', positiveInt, 100)
    .option('--first-seed <n>', 'the first seed', positiveInt, 1)
    .addOption(new Option('--nodes <n>', 'cluster size').choices(['3', '5']).default('3'))
    .option('--faults <list>', 'net,crash,disk, all or none (half the seeds also change membership, whatever the classes)', 'all')
    .option('--minutes <m>', 'run seeds for this long instead (one core; npm run sim:soak uses both)', positiveNumber)
    .option('--replay <file-or-json>', 're-run one recorded seed and fault schedule')
    .option('--explore <n>', 'fast-check generated fault schedules; a failure is shrunk', positiveInt)
    .option('--json', 'machine-readable summary')
    .action(async (opts: { seeds: number; firstSeed: number; nodes: string; faults: string; minutes?: number; replay?: string; explore?: number; json?: boolean }) => {
      // Loaded on use: the simulator is a test tool and pulls in more code than the node needs.
      const { runSimCommand } = await import('../sim/cli.js');
      const code = await runSimCommand({ ...opts, nodes: opts.nodes === '5' ? 5 : 3 });
      if (code !== 0) throw new CliExit(code);
    });
}

type BenchFlags = Omit<Parameters<typeof benchCommand>[0], 'nodes' | 'durationS' | 'warmupS'>;

function positiveInt(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('want a whole number of at least 1');
  return n;
}

function positiveNumber(text: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('want a number above 0');
  return n;
}

function nonNegativeNumber(text: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('want a number of at least 0');
  return n;
}

function ratio(text: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError('want a number from 0 to 1');
  return n;
}
