/**
 * Connection-level commands, answered by the node's TCP edge without
 * travelling the bus: the handshake (HELLO, AUTH), ACL, CLIENT, COMMAND, CONFIG,
 * CLUSTER, ROLE, TIME, PING, ECHO, SELECT, READONLY/READWRITE, RESET, QUIT.
 * They read and change the connection's own state, and read the node's view
 * of the cluster (who leads) that the edge keeps from `raft.status`.
 */
import type { DirectoryMember } from './member-directory.js';
import { integerArg, lower, NOT_INTEGER, unknownSubcommand, wrongArity } from '../protocol/args.js';
import { commandReply } from '../protocol/command-docs.js';
import type { EdgeRequest } from '../protocol/commands.js';
import { REDIS_COMPAT_VERSION } from '../protocol/info.js';
import { bulkText, errorReply, intReply, listReply, NULL, OK, textMap, type Protocol, type Reply } from '../protocol/reply.js';
import { commandsRule, describeUser, keysRule, type StoredUser } from './client-acl.js';
import { keySlot } from '../protocol/slot.js';
import type { Role } from '../raft/ready.js';
import { describeClient, type EdgeConnection } from './edge-connection.js';
import { clusterInfo, clusterNodeId, clusterNodes, clusterShards, clusterSlots, type ClusterFacts } from './cluster-view.js';
import { configGet, configSet, type NodeSettings } from './node-settings.js';
import { HELLO_NOAUTH, type ClientAuth } from './client-auth.js';

/** What the edge knows about its node. */
export interface EdgeNode {
  readonly nodeId: string;
  readonly clusterId: string;
  /** The configuration in force (it changes: read it each time). */
  readonly members: readonly DirectoryMember[];
  readonly settings: NodeSettings;
  view(): { role: Role; term: number; leader: string | null; applied: number };
  connections(): Iterable<EdgeConnection>;
  /** Milliseconds since the epoch (TIME, CLIENT idle times). */
  now(): number;
  flightDump?: () => string;
  /** The users clients authenticate as (AUTH, HELLO AUTH). */
  readonly auth: ClientAuth;
}

export function answerEdge(request: EdgeRequest, conn: EdgeConnection, node: EdgeNode): Reply {
  const { args } = request;
  switch (request.name) {
    case 'ping':
      if (args.length > 1) return errorReply(wrongArity('ping'));
      return args[0] ? { type: 'bulk', value: args[0] } : { type: 'simple', value: 'PONG' };
    case 'echo':
      return { type: 'bulk', value: args[0]! };
    case 'quit':
      return OK;
    case 'select':
      return select(args[0]!);
    case 'hello':
      return hello(args, conn, node);
    case 'auth':
      if (args.length > 2) return errorReply('ERR syntax error');
      return authenticate(args.length === 1 ? null : args[0]!.toString('utf8'), args.at(-1)!, conn, node) ?? OK;
    case 'acl':
      return acl(args, conn, node.auth);
    case 'reset':
      conn.reset();
      // Back to the default user if it needs no password now (ACL SETUSER may have changed that since the connection opened).
      conn.user = node.auth.initialUser();
      return { type: 'simple', value: 'RESET' };
    case 'readonly':
    case 'readwrite':
      conn.stale = request.name === 'readonly';
      return OK;
    case 'client':
      return client(args, conn, node);
    case 'command':
      return commandReply(args);
    case 'config':
      return config(args, node.settings);
    case 'cluster':
      return cluster(args, node);
    case 'role':
      return role(node);
    case 'time': {
      const ms = node.now();
      return listReply([bulkText(String(Math.floor(ms / 1000))), bulkText(String((ms % 1000) * 1000))]);
    }
    case 'debug':
      return flightDump(node);
    default:
      return errorReply(`ERR '${request.name}' is not answered by the client edge`);
  }
}

function select(index: Buffer): Reply {
  const value = integerArg(index);
  if (value === null) return errorReply(NOT_INTEGER);
  return value === 0 ? OK : errorReply('ERR DB index is out of range');
}

/**
 * Checks a user name (null: the default user) and password, and on success
 * makes the connection that user; null then, else the error reply. Too many
 * failures mark the connection to be closed after the reply.
 */
function authenticate(user: string | null, password: Buffer, conn: EdgeConnection, node: EdgeNode): Reply | null {
  const outcome = node.auth.authenticate(user, password, conn.remoteIp, conn.id);
  if (outcome.ok) {
    conn.user = outcome.user;
    return null;
  }
  const limits = node.auth.config;
  if (limits !== null) {
    conn.authFailures++;
    if (outcome.lockedOut || conn.authFailures >= limits.failuresPerConnectionMax) conn.closeAfterReply = true;
  }
  return errorReply(outcome.error);
}

/**
 * ACL WHOAMI | SETUSER | DELUSER | LIST | USERS | GETUSER. The users live on
 * this node alone and changes are lost at restart (as in Redis without an
 * ACL file): run SETUSER on every node, and put lasting users in clientAuth.
 */
function acl(args: readonly Buffer[], conn: EdgeConnection, auth: ClientAuth): Reply {
  const sub = lower(args[0]!);
  const rest = args.slice(1);
  const arity = (ok: boolean): Reply | null => (ok ? null : errorReply(wrongArity(`acl|${sub}`)));
  switch (sub) {
    case 'whoami':
      return arity(rest.length === 0) ?? bulkText(conn.user?.name ?? '');
    case 'setuser': {
      const bad = arity(rest.length >= 1);
      if (bad) return bad;
      const error = auth.setUser(rest[0]!.toString('utf8'), rest.slice(1));
      return error === null ? OK : errorReply(error);
    }
    case 'deluser': {
      const bad = arity(rest.length >= 1);
      if (bad) return bad;
      const deleted = auth.deleteUsers(rest.map((name) => name.toString('utf8')));
      return typeof deleted === 'number' ? intReply(deleted) : errorReply(deleted);
    }
    case 'list':
      return arity(rest.length === 0) ?? listReply(auth.list().map((user) => bulkText(describeUser(user))));
    case 'users':
      return arity(rest.length === 0) ?? listReply(auth.list().map((user) => bulkText(user.name)));
    case 'getuser': {
      const bad = arity(rest.length === 1);
      if (bad) return bad;
      const user = auth.getUser(rest[0]!.toString('utf8'));
      return user === null ? NULL : describeUserFields(user);
    }
    default:
      return errorReply(unknownSubcommand(args[0]!, 'ACL'));
  }
}

/** ACL GETUSER's reply: Redis 7's fields, a map under RESP3 and a flat list under RESP2. */
function describeUserFields(user: StoredUser): Reply {
  const flags = [user.enabled ? 'on' : 'off', ...(user.nopass ? ['nopass'] : [])];
  return textMap([
    ['flags', listReply(flags.map(bulkText))],
    ['passwords', listReply(user.digests.map((d) => bulkText(d.toString('hex'))))],
    ['commands', bulkText(commandsRule(user.commands))],
    ['keys', bulkText(keysRule(user.keys))],
    ['channels', bulkText('')],
    ['selectors', listReply([])],
  ]);
}

/** HELLO [protover [AUTH user pass] [SETNAME name]]: switches the protocol, answers the server's description. */
function hello(args: readonly Buffer[], conn: EdgeConnection, node: EdgeNode): Reply {
  let protocol: Protocol = conn.protocol;
  if (args.length > 0) {
    const version = integerArg(args[0]!);
    if (version === null) return errorReply('ERR Protocol version is not an integer or out of range');
    if (version !== 2 && version !== 3) return errorReply('NOPROTO unsupported protocol version');
    protocol = version;
  }
  let name: string | null = null;
  let credentials: { user: string; password: Buffer } | null = null;
  for (let i = 1; i < args.length; i++) {
    const option = lower(args[i]!);
    if (option === 'auth' && i + 2 < args.length) {
      credentials = { user: args[i + 1]!.toString('utf8'), password: args[i + 2]! };
      i += 2;
      continue;
    }
    if (option === 'setname' && i + 1 < args.length) {
      name = args[++i]!.toString('utf8');
      const error = nameError(name);
      if (error) return errorReply(error);
      continue;
    }
    return errorReply(`ERR Syntax error in HELLO option '${args[i]!.toString('latin1')}'`);
  }
  // As Redis: the options are all checked first, then the credentials; a failure changes nothing else.
  if (credentials !== null) {
    const refused = authenticate(credentials.user, credentials.password, conn, node);
    if (refused !== null) return refused;
  } else if (conn.user === null) {
    return errorReply(HELLO_NOAUTH);
  }
  conn.protocol = protocol;
  if (name !== null) conn.name = name;
  const view = node.view();
  return textMap([
    ['server', bulkText('redis')],
    ['version', bulkText(REDIS_COMPAT_VERSION)],
    ['proto', intReply(protocol)],
    ['id', intReply(conn.id)],
    ['mode', bulkText('cluster')],
    ['role', bulkText(view.role === 'leader' ? 'master' : 'replica')],
    ['modules', listReply([])],
  ]);
}

function nameError(name: string): string | null {
  return /[\s]/.test(name) || /[^\x21-\x7e]/.test(name) ? 'ERR Client names cannot contain spaces, newlines or special characters.' : null;
}

function client(args: readonly Buffer[], conn: EdgeConnection, node: EdgeNode): Reply {
  const sub = lower(args[0]!);
  const rest = args.slice(1);
  const arity = (n: number): Reply | null => (rest.length === n ? null : errorReply(wrongArity(`client|${sub}`)));
  switch (sub) {
    case 'id':
      return arity(0) ?? intReply(conn.id);
    case 'getname':
      return arity(0) ?? { type: 'bulk', value: conn.name === '' ? null : Buffer.from(conn.name) };
    case 'setname': {
      const bad = arity(1);
      if (bad) return bad;
      const name = rest[0]!.toString('utf8');
      const error = nameError(name);
      if (error) return errorReply(error);
      conn.name = name;
      return OK;
    }
    case 'setinfo': {
      const bad = arity(2);
      if (bad) return bad;
      const attr = lower(rest[0]!);
      if (attr !== 'lib-name' && attr !== 'lib-ver') return errorReply(`ERR Unrecognized option '${rest[0]!.toString('latin1')}'`);
      conn[attr === 'lib-name' ? 'libName' : 'libVer'] = rest[1]!.toString('utf8');
      return OK;
    }
    case 'info':
      return arity(0) ?? bulkText(describeClient(conn, node.now()) + '\n');
    case 'list':
      return clientList(rest, node);
    case 'no-evict':
    case 'no-touch': {
      const bad = arity(1);
      if (bad) return bad;
      const on = lower(rest[0]!);
      if (on !== 'on' && on !== 'off') return errorReply('ERR syntax error');
      if (sub === 'no-evict') conn.noEvict = on === 'on';
      else conn.noTouch = on === 'on';
      return OK;
    }
    default:
      return errorReply(unknownSubcommand(args[0]!, 'CLIENT'));
  }
}

/** CLIENT LIST [TYPE normal] [ID id ...]. */
function clientList(args: readonly Buffer[], node: EdgeNode): Reply {
  let ids: Set<number> | null = null;
  if (args.length > 0) {
    const option = lower(args[0]!);
    if (option === 'type' && args.length === 2) {
      if (lower(args[1]!) !== 'normal') return bulkText('');
    } else if (option === 'id' && args.length >= 2) {
      ids = new Set(args.slice(1).map((a) => integerArg(a) ?? -1));
    } else {
      return errorReply('ERR syntax error');
    }
  }
  const lines: string[] = [];
  for (const conn of node.connections()) if (!ids || ids.has(conn.id)) lines.push(describeClient(conn, node.now()) + '\n');
  return bulkText(lines.join(''));
}

function config(args: readonly Buffer[], settings: NodeSettings): Reply {
  const sub = lower(args[0]!);
  const rest = args.slice(1);
  if (sub === 'get') return rest.length === 0 ? errorReply(wrongArity('config|get')) : configGet(settings, rest);
  if (sub === 'set') return rest.length === 0 || rest.length % 2 !== 0 ? errorReply(wrongArity('config|set')) : configSet(settings, rest);
  return errorReply(unknownSubcommand(args[0]!, 'CONFIG'));
}

function facts(node: EdgeNode): ClusterFacts {
  const view = node.view();
  return { clusterId: node.clusterId, self: node.nodeId, members: node.members, leader: view.leader, term: view.term, applied: view.applied };
}

function cluster(args: readonly Buffer[], node: EdgeNode): Reply {
  const sub = lower(args[0]!);
  const arity = (n: number): Reply | null => (args.length - 1 === n ? null : errorReply(wrongArity(`cluster|${sub}`)));
  switch (sub) {
    case 'slots':
      return arity(0) ?? clusterSlots(facts(node));
    case 'shards':
      return arity(0) ?? clusterShards(facts(node));
    case 'nodes':
      return arity(0) ?? bulkText(clusterNodes(facts(node)));
    case 'info':
      return arity(0) ?? bulkText(clusterInfo(facts(node)));
    case 'myid':
      return arity(0) ?? bulkText(clusterNodeId(node.clusterId, node.nodeId));
    case 'keyslot':
      return arity(1) ?? intReply(keySlot(args[1]!));
    case 'member':
      return memberList(node);
    default:
      return errorReply(unknownSubcommand(args[0]!, 'CLUSTER'));
  }
}

/** CLUSTER MEMBER LIST: [id, role, peer, client, leader|-] per member of the configuration in force, voters first. */
function memberList(node: EdgeNode): Reply {
  const leader = node.view().leader;
  return listReply(node.members.map((m) => listReply([bulkText(m.id), bulkText(m.role), bulkText(m.peer), bulkText(m.client), bulkText(m.id === leader ? 'leader' : '-')])));
}

function role(node: EdgeNode): Reply {
  const view = node.view();
  const address = (id: string | null) => node.members.find((m) => m.id === id)?.client ?? null;
  const split = (a: string): [string, string] => [a.slice(0, a.lastIndexOf(':')), a.slice(a.lastIndexOf(':') + 1)];
  if (view.role === 'leader') {
    const replicas = node.members.filter((m) => m.id !== node.nodeId).map((m) => {
      const [ip, port] = split(m.client);
      return listReply([bulkText(ip), bulkText(port), bulkText(String(view.applied))]);
    });
    return listReply([bulkText('master'), intReply(view.applied), listReply(replicas)]);
  }
  const leader = address(view.leader);
  const [ip, port] = leader ? split(leader) : ['', '0'];
  return listReply([bulkText('slave'), bulkText(ip), intReply(Number(port)), bulkText(leader ? 'connected' : 'connect'), intReply(view.applied)]);
}

function flightDump(node: EdgeNode): Reply {
  if (!node.flightDump) return errorReply('ERR this node has no flight recorder');
  try {
    return bulkText(node.flightDump());
  } catch (error) {
    return errorReply(`ERR flight dump failed: ${(error as Error).message}`);
  }
}
