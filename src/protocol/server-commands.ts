/**
 * Connection, server and cluster commands. Most are answered by the node's
 * TCP edge (src/node/client-edge.ts) and never travel the bus; INFO and
 * DBSIZE need the state machine's view and do.
 */
import { fail, keysError, lower, ok, unknownSubcommand, wrongArity } from './args.js';
import { formatHostPort, parseHostPort, tryParseHostPort } from '../config/address.js';
import { memberIdProblem } from '../config/members.js';
import { printableBytes } from './printable.js';
import type { CommandSpec, Handler } from './command-table.js';

/** Answered by the TCP edge; its arguments are checked there. */
const edge: Handler = (args, _limits, name) => ok({ kind: 'edge', name, args });

const info: Handler = (args) => ok({ kind: 'info', sections: args.map(lower) });
const dbsize: Handler = () => ok({ kind: 'read', query: { op: 'dbsize' } });

/** Only FLIGHTDUMP; Redis's other DEBUG subcommands do not apply. */
const debug: Handler = (args, limits, name) => {
  if (lower(args[0]!) !== 'flightdump') return fail(unknownSubcommand(args[0]!, 'DEBUG'));
  return edge(args, limits, name);
};

/**
 * CLUSTER TRANSFER-LEADER [node-id] is a Raft operation and travels the bus
 * (dissertation 3.10); the other CLUSTER subcommands describe the cluster and
 * are answered at the edge.
 */
const cluster: Handler = (args, limits, name) => {
  const sub = lower(args[0]!);
  if (sub === 'member') return member(args.slice(1), limits, name);
  if (sub !== 'transfer-leader') return edge(args, limits, name);
  if (args.length > 2) return fail(wrongArity('cluster|transfer-leader'));
  return ok({ kind: 'transfer-leader', target: args[1] === undefined ? null : args[1].toString('utf8') });
};

/**
 * CLUSTER MEMBER LIST (answered at the edge) | ADD-LEARNER id peer-host:port
 * client-host:port | PROMOTE id | REMOVE id: membership changes travel the
 * bus to the leader's core, one at a time.
 */
const member: Handler = (args, limits, name) => {
  const sub = args[0] === undefined ? '' : lower(args[0]);
  const usage = 'ERR CLUSTER MEMBER LIST | ADD-LEARNER <id> <peer-host:port> <client-host:port> | PROMOTE <id> | REMOVE <id>';
  switch (sub) {
    case 'list':
      return args.length === 1 ? edge([Buffer.from('member'), ...args], limits, name) : fail(usage);
    case 'add-learner': {
      if (args.length !== 4) return fail(usage);
      const [id, peer, client] = args.slice(1).map((a) => a.toString('utf8')) as [string, string, string];
      const problem = memberIdProblem(id) ?? addressProblem('peer', peer) ?? addressProblem('client', client);
      if (problem !== null) return fail(problem);
      return ok({ kind: 'membership', change: { kind: 'addLearner', member: { id, peer: formatHostPort(parseHostPort(peer)), client: formatHostPort(parseHostPort(client)) } } });
    }
    case 'promote':
    case 'remove': {
      if (args.length !== 2) return fail(usage);
      const id = args[1]!.toString('utf8');
      const problem = memberIdProblem(id);
      if (problem !== null) return fail(problem);
      return ok({ kind: 'membership', change: sub === 'promote' ? { kind: 'promote', id } : { kind: 'remove', id } });
    }
    default:
      return fail(usage);
  }
};

function addressProblem(what: string, address: string): string | null {
  const parsed = tryParseHostPort(address);
  return typeof parsed === 'string' ? `ERR bad ${what} address '${printableBytes(Buffer.from(address), 64)}': ${parsed}` : null;
}

const NO_KEYS = [0, 0, 0] as const;

/** WATCH's keys are checked here; the connection's transaction state does the rest. */
const watchKeys: Handler = (args, limits, name) => {
  const error = keysError(args, limits);
  return error !== null ? fail(error) : edge(args, limits, name);
};

function server(name: string, arity: number, flags: string[], group: string, summary: string, since: string, parse: Handler = edge): CommandSpec {
  return { name, arity, flags, keys: NO_KEYS, group, summary, since, parse };
}

export const SERVER_COMMANDS: readonly CommandSpec[] = [
  server('hello', -1, ['noscript', 'loading', 'stale', 'fast', 'no_auth', 'allow_busy'], 'connection', 'Handshakes with the server: protocol version (2 or 3), client name.', '6.0.0'),
  server('auth', -2, ['noscript', 'loading', 'stale', 'fast', 'no_auth', 'allow_busy'], 'connection', 'AUTH [user] password: authenticates the connection as a user of clientAuth (the default user without a name).', '1.0.0'),
  server('acl', -2, [], 'server', 'ACL WHOAMI | SETUSER | DELUSER | LIST | USERS | GETUSER: client users, on this node only and not persisted.', '6.0.0'),
  server('client', -2, ['admin', 'noscript', 'loading', 'stale'], 'connection', 'CLIENT ID | SETNAME | GETNAME | INFO | LIST | NO-EVICT | NO-TOUCH | SETINFO.', '2.4.0'),
  { ...server('ping', -1, ['fast'], 'connection', 'Returns PONG, or the message given.', '1.0.0'), argsMax: 2 },
  server('echo', 2, ['fast'], 'connection', 'Returns the message given.', '1.0.0'),
  server('quit', -1, ['noscript', 'loading', 'stale', 'fast', 'no_auth', 'allow_busy'], 'connection', 'Closes the connection after replying.', '1.0.0'),
  server('reset', 1, ['noscript', 'loading', 'stale', 'fast', 'no_auth', 'allow_busy'], 'connection', 'Resets the connection: RESP2, no name, no transaction, linearizable reads.', '6.2.0'),
  server('select', 2, ['loading', 'stale', 'fast'], 'connection', 'Selects database 0, the only one.', '1.0.0'),
  server('readonly', 1, ['loading', 'stale', 'fast'], 'cluster', 'Serves this connection\'s reads from the node\'s own state, possibly stale.', '3.0.0'),
  server('readwrite', 1, ['loading', 'stale', 'fast'], 'cluster', 'Makes this connection\'s reads linearizable again.', '3.0.0'),
  server('cluster', -2, [], 'cluster', 'CLUSTER SLOTS | SHARDS | NODES | INFO | MYID | KEYSLOT: one shard owning every slot, the leader as master; CLUSTER TRANSFER-LEADER [node-id]: hand leadership over; CLUSTER MEMBER LIST | ADD-LEARNER | PROMOTE | REMOVE: change the membership.', '3.0.0', cluster),
  server('command', -1, ['loading', 'stale'], 'server', 'COMMAND [COUNT | INFO | DOCS | LIST]: the commands this server has.', '2.8.13'),
  server('config', -2, [], 'server', 'CONFIG GET | SET: the few settings clients probe; notify-keyspace-events.', '2.0.0'),
  server('time', 1, ['loading', 'stale', 'fast'], 'server', 'The serving node\'s clock: seconds and microseconds.', '2.6.0'),
  server('role', 1, ['noscript', 'loading', 'stale', 'fast'], 'server', 'master (the leader) with its replicas, or slave with its master.', '2.8.12'),
  server('info', -1, ['loading', 'stale'], 'server', 'Node information by section: server, clients, persistence, stats, replication, cluster, keyspace, raftkv.', '1.0.0', info),
  server('dbsize', 1, ['readonly', 'fast'], 'server', 'Number of keys (linearizable; counts by scanning, in bounded memory).', '1.0.0', dbsize),
  server('multi', 1, ['noscript', 'loading', 'stale', 'fast', 'allow_busy'], 'transactions', 'Starts a transaction: the queued commands become one log entry.', '1.2.0'),
  server('exec', 1, ['noscript', 'loading', 'stale', 'skip_slowlog'], 'transactions', 'Applies the queued commands atomically, or nil if a watched key changed.', '1.2.0'),
  server('discard', 1, ['noscript', 'loading', 'stale', 'fast', 'allow_busy'], 'transactions', 'Drops the queued commands.', '2.0.0'),
  { ...server('watch', -2, ['noscript', 'loading', 'stale', 'fast', 'allow_busy'], 'transactions', 'Makes EXEC fail if these keys change before it is applied.', '2.2.0', watchKeys), keys: [1, -1, 1] },
  server('unwatch', 1, ['noscript', 'loading', 'stale', 'fast', 'allow_busy'], 'transactions', 'Forgets every watched key.', '2.2.0'),
  server('subscribe', -2, ['pubsub', 'noscript', 'loading', 'stale'], 'pubsub', 'Subscribes to channels: here, the keyspace notification channels.', '2.0.0'),
  server('psubscribe', -2, ['pubsub', 'noscript', 'loading', 'stale'], 'pubsub', 'Subscribes to channel patterns (__keyspace@0__:user:*).', '2.0.0'),
  server('unsubscribe', -1, ['pubsub', 'noscript', 'loading', 'stale'], 'pubsub', 'Unsubscribes from channels (all without names).', '2.0.0'),
  server('punsubscribe', -1, ['pubsub', 'noscript', 'loading', 'stale'], 'pubsub', 'Unsubscribes from patterns (all without names).', '2.0.0'),
  server('snapshot', 2, ['admin', 'noscript', 'loading', 'stale'], 'raftkv', 'SNAPSHOT OPEN | NEXT | CLOSE: streams a read view of the state machine, chunk by chunk (raftkv snapshot save).', '0.1.0'),
  server('debug', 2, ['admin', 'noscript', 'loading', 'stale'], 'server', 'DEBUG FLIGHTDUMP: writes the flight recorder to a file.', '1.0.0', debug),
];
