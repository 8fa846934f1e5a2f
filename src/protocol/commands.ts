/**
 * Turns a parsed request's arguments into a typed client request, or into
 * the error reply text a Redis server would give (Redis wording where one
 * exists). Command names are case-insensitive. Keys, patterns and values are
 * checked against the configured limits here, with errors that name them.
 */
import type { LimitsConfig } from '../config/types.js';
import type { KvCommand, KvQuery } from '../kv/commands.js';
import { printableBytes } from './printable.js';

export type ClientRequest =
  | { kind: 'write'; command: KvCommand }
  | { kind: 'read'; query: KvQuery }
  | { kind: 'ping'; message: Uint8Array | null }
  | { kind: 'echo'; message: Uint8Array }
  | { kind: 'info' }
  | { kind: 'quit' }
  /** COMMAND / COMMAND DOCS: an empty array, so redis-cli starts cleanly. */
  | { kind: 'noop-array' }
  /** CONFIG GET name...: the few Redis settings client tools probe (redis-benchmark asks for save and appendonly). */
  | { kind: 'config-get'; names: Buffer[] }
  /** SELECT 0, CLIENT SETNAME ...: +OK. */
  | { kind: 'ok' }
  /**
   * READONLY / READWRITE (as in Redis Cluster): on this connection, serve
   * reads from this node's state machine as it is, without confirming
   * leadership, on any node. Such reads may be stale.
   */
  | { kind: 'stale-reads'; enabled: boolean }
  /** DEBUG FLIGHTDUMP: the node's TCP edge writes its flight recorder to a file and answers the path (src/trace). */
  | { kind: 'debug-flightdump' }
  /** CLUSTER TRANSFER-LEADER [node-id]: the leader hands over (dissertation 3.10); +OK once it has. */
  | { kind: 'transfer-leader'; target: string | null };

export type CommandLimits = Pick<LimitsConfig, 'keyBytesMax' | 'valueBytesMax'>;

export type ParseResult = { ok: true; request: ClientRequest } | { ok: false; error: string };

/** An argument list without the command name, lower-cased name for messages. */
type Handler = (args: readonly Buffer[], limits: CommandLimits, name: string) => ParseResult;

interface CommandSpec {
  /** Fewest and most arguments, the command name included. */
  readonly min: number;
  readonly max: number;
  readonly handler: Handler;
}

/** Bytes of the name and of the arguments echoed in an unknown-command error (Redis: 128). */
const ECHO_BYTES_MAX = 128;

export function parseCommand(args: readonly Buffer[], limits: CommandLimits): ParseResult {
  const nameArg = args[0];
  if (nameArg === undefined) return fail('ERR empty command');
  const name = nameArg.toString('latin1').toLowerCase();
  const spec = COMMANDS.get(name);
  if (spec === undefined) return fail(unknownCommandMessage(args));
  if (args.length < spec.min || args.length > spec.max) return fail(wrongArity(name));
  return spec.handler(args.slice(1), limits, name);
}

export function wrongArity(name: string): string {
  return `ERR wrong number of arguments for '${name}' command`;
}

/** Redis's text, including the space after each quoted argument. */
function unknownCommandMessage(args: readonly Buffer[]): string {
  const name = printableBytes(args[0]!, ECHO_BYTES_MAX);
  let shown = '';
  for (const arg of args.slice(1)) {
    if (shown.length >= ECHO_BYTES_MAX) break;
    shown += `'${printableBytes(arg, ECHO_BYTES_MAX - shown.length)}' `;
  }
  return `ERR unknown command '${name}', with args beginning with: ${shown}`;
}

function ok(request: ClientRequest): ParseResult {
  return { ok: true, request };
}

function fail(error: string): ParseResult {
  return { ok: false, error };
}

function overLimit(what: string, bytes: number, limitName: string, limit: number): string | null {
  return bytes > limit ? `ERR ${what} is ${bytes} bytes, over ${limitName} (${limit})` : null;
}

function keyError(key: Buffer, limits: CommandLimits, what = 'key'): string | null {
  return overLimit(what, key.length, 'keyBytesMax', limits.keyBytesMax);
}

function valueError(value: Buffer, limits: CommandLimits): string | null {
  return overLimit('value', value.length, 'valueBytesMax', limits.valueBytesMax);
}

/** The first limit error among keys, or null. */
function keysError(keys: readonly Buffer[], limits: CommandLimits): string | null {
  for (const key of keys) {
    const error = keyError(key, limits);
    if (error !== null) return error;
  }
  return null;
}

const set: Handler = ([key, value, ...options], limits) => {
  if (options.length > 0) return fail('ERR SET options are not supported');
  const error = keyError(key!, limits) ?? valueError(value!, limits);
  if (error !== null) return fail(error);
  return ok({ kind: 'write', command: { op: 'set', key: key!, value: value! } });
};

const get: Handler = ([key], limits) => {
  const error = keyError(key!, limits);
  return error !== null ? fail(error) : ok({ kind: 'read', query: { op: 'get', key: key! } });
};

const del: Handler = (keys, limits) => {
  const error = keysError(keys, limits);
  return error !== null ? fail(error) : ok({ kind: 'write', command: { op: 'del', keys } });
};

const exists: Handler = (keys, limits) => {
  const error = keysError(keys, limits);
  return error !== null ? fail(error) : ok({ kind: 'read', query: { op: 'exists', keys } });
};

const cas: Handler = ([key, expected, value], limits) => {
  const error = keyError(key!, limits) ?? valueError(expected!, limits) ?? valueError(value!, limits);
  if (error !== null) return fail(error);
  return ok({
    kind: 'write',
    command: { op: 'cas', key: key!, expected: expected!, value: value! },
  });
};

/** A pattern longer than any key could still match, but is bounded like a key to bound KEYS' work. */
const keys: Handler = ([pattern], limits) => {
  const error = keyError(pattern!, limits, 'pattern');
  return error !== null ? fail(error) : ok({ kind: 'read', query: { op: 'keys', pattern: pattern! } });
};

const list: Handler = ([prefix], limits) => {
  const given = prefix ?? Buffer.alloc(0);
  const error = keyError(given, limits, 'prefix');
  return error !== null ? fail(error) : ok({ kind: 'read', query: { op: 'list', prefix: given } });
};

const ping: Handler = ([message]) => ok({ kind: 'ping', message: message ?? null });
const echo: Handler = ([message]) => ok({ kind: 'echo', message: message! });
const info: Handler = () => ok({ kind: 'info' });
const quit: Handler = () => ok({ kind: 'quit' });
const noopArray: Handler = () => ok({ kind: 'noop-array' });
const acceptOk: Handler = () => ok({ kind: 'ok' });

/** Only GET, which client tools probe at start-up. */
const config: Handler = ([sub, ...rest]) => {
  const subName = sub!.toString('latin1').toLowerCase();
  if (subName !== 'get') {
    return fail(`ERR unknown subcommand '${printableBytes(sub!, ECHO_BYTES_MAX)}'. Try CONFIG HELP.`);
  }
  return rest.length === 0 ? fail(wrongArity('config|get')) : ok({ kind: 'config-get', names: rest });
};

/** SESSION: opens an exactly-once client session through the log; the reply is its id. */
const session: Handler = () => ok({ kind: 'write', command: { op: 'session-open' } });

/**
 * SEQ id n [lowest] <write command>: the write, applied at most once for that
 * (session, n). `lowest`, when given, is the lowest sequence number the client
 * still awaits an answer for: the session may forget every result below it.
 */
const seq: Handler = ([idArg, seqArg, ...rest], limits) => {
  const id = positiveInteger(idArg!);
  const number = positiveInteger(seqArg!);
  if (id === null || number === null) return fail('ERR SEQ takes a session id and a sequence number, both positive integers');
  const lowest = rest[0] !== undefined ? positiveInteger(rest[0]) : null;
  if (lowest !== null && lowest > number) return fail('ERR SEQ lowest pending number must not exceed the sequence number');
  const parsed = parseCommand(lowest === null ? rest : rest.slice(1), limits);
  if (!parsed.ok) return parsed;
  const request = parsed.request;
  if (request.kind !== 'write' || request.command.op === 'session-open') {
    return fail('ERR SEQ applies to writes only (SET, DEL, CAS)');
  }
  const session = lowest === null ? { id, seq: number } : { id, seq: number, lowestPending: lowest };
  return ok({ kind: 'write', command: { ...request.command, session } });
};

function positiveInteger(arg: Buffer): number | null {
  const text = arg.toString('latin1');
  if (!/^[1-9]\d{0,15}$/.test(text)) return null;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : null;
}

/** There is one database; clients that select it explicitly (redis-cli -n 0) get +OK. */
const select: Handler = ([index]) => {
  const text = index!.toString('latin1');
  if (!/^-?\d+$/.test(text)) return fail('ERR value is not an integer or out of range');
  return Number(text) === 0 ? ok({ kind: 'ok' }) : fail('ERR DB index is out of range');
};

/** Only FLIGHTDUMP; Redis's other DEBUG subcommands do not apply. */
const debug: Handler = ([sub]) => {
  const subName = sub!.toString('latin1').toLowerCase();
  if (subName !== 'flightdump') return fail(`ERR unknown subcommand '${printableBytes(sub!, ECHO_BYTES_MAX)}'. Try DEBUG FLIGHTDUMP.`);
  return ok({ kind: 'debug-flightdump' });
};

/** Raft operations in the spirit of Redis's CLUSTER subcommands. */
const cluster: Handler = ([sub, ...rest]) => {
  const subName = sub!.toString('latin1').toLowerCase();
  if (subName === 'transfer-leader') {
    if (rest.length > 1) return fail(wrongArity('cluster|transfer-leader'));
    return ok({ kind: 'transfer-leader', target: rest[0] === undefined ? null : rest[0].toString('utf8') });
  }
  return fail(`ERR unknown subcommand '${printableBytes(sub!, ECHO_BYTES_MAX)}'. Try CLUSTER TRANSFER-LEADER.`);
};

const ANY = Number.POSITIVE_INFINITY;

const COMMANDS = new Map<string, CommandSpec>([
  ['set', { min: 3, max: ANY, handler: set }], // extra arguments are SET options: own error
  ['put', { min: 3, max: ANY, handler: set }],
  ['get', { min: 2, max: 2, handler: get }],
  ['del', { min: 2, max: ANY, handler: del }],
  ['delete', { min: 2, max: ANY, handler: del }],
  ['exists', { min: 2, max: ANY, handler: exists }],
  ['cas', { min: 4, max: 4, handler: cas }],
  ['keys', { min: 2, max: 2, handler: keys }],
  ['list', { min: 1, max: 2, handler: list }],
  ['ping', { min: 1, max: 2, handler: ping }],
  ['echo', { min: 2, max: 2, handler: echo }],
  ['info', { min: 1, max: ANY, handler: info }],
  ['quit', { min: 1, max: ANY, handler: quit }],
  ['command', { min: 1, max: ANY, handler: noopArray }],
  ['config', { min: 2, max: ANY, handler: config }],
  ['select', { min: 2, max: 2, handler: select }],
  ['client', { min: 2, max: ANY, handler: acceptOk }],
  ['debug', { min: 2, max: 2, handler: debug }],
  ['cluster', { min: 2, max: ANY, handler: cluster }],
  ['session', { min: 1, max: 1, handler: session }],
  ['seq', { min: 5, max: ANY, handler: seq }],
  ['readonly', { min: 1, max: 1, handler: () => ok({ kind: 'stale-reads', enabled: true }) }],
  ['readwrite', { min: 1, max: 1, handler: () => ok({ kind: 'stale-reads', enabled: false }) }],
]);
