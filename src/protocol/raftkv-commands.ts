/**
 * raftkv's own commands: CAS, LIST, SESSION, SEQ, and the PUT/DELETE aliases.
 */
import { fail, keyError, keysError, ok, positiveInteger, valueError } from './args.js';
import type { CommandSpec, Handler } from './command-table.js';
import { STRING_COMMANDS } from './string-commands.js';

const STRING_SET = STRING_COMMANDS.find((c) => c.name === 'set')!.parse;
import { parseCommand } from './commands.js';

const del: Handler = (keys, limits) => {
  const error = keysError(keys, limits);
  return error !== null ? fail(error) : ok({ kind: 'write', command: { op: 'del', keys } });
};

const cas: Handler = ([key, expected, value], limits) => {
  const error = keyError(key!, limits) ?? valueError(expected!, limits) ?? valueError(value!, limits);
  if (error !== null) return fail(error);
  return ok({ kind: 'write', command: { op: 'cas', key: key!, expected: expected!, value: value! } });
};

const list: Handler = ([prefix], limits) => {
  const given = prefix ?? Buffer.alloc(0);
  const error = keyError(given, limits, 'prefix');
  return error !== null ? fail(error) : ok({ kind: 'read', query: { op: 'list', prefix: given } });
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
    return fail('ERR SEQ applies to writes only (SET, DEL, CAS, INCR, ...)');
  }
  const session = lowest === null ? { id, seq: number } : { id, seq: number, lowestPending: lowest };
  return ok({ kind: 'write', command: { ...request.command, session } });
};

type KeySpec = CommandSpec['keys'];
const ONE_KEY: KeySpec = [1, 1, 1];
const ALL_KEYS: KeySpec = [1, -1, 1];
const NO_KEYS: KeySpec = [0, 0, 0];

function data(name: string, arity: number, flags: string[], keys: KeySpec, group: string, summary: string, since: string, parse: Handler): CommandSpec {
  return { name, arity, flags, keys, group, summary, since, parse };
}

export const RAFTKV_COMMANDS: readonly CommandSpec[] = [
  data('put', -3, ['write', 'denyoom'], ONE_KEY, 'raftkv', 'Alias of SET (with its options).', '0.1.0', STRING_SET),
  data('delete', -2, ['write'], ALL_KEYS, 'raftkv', 'Alias of DEL.', '0.1.0', del),
  data('cas', 4, ['write', 'denyoom'], ONE_KEY, 'raftkv', 'CAS key expected new: 1 if swapped, 0 if the value differed or the key was absent.', '0.1.0', cas),
  { ...data('list', -1, ['readonly'], NO_KEYS, 'raftkv', 'Keys starting with a prefix (all without one).', '0.1.0', list), argsMax: 2 },
  data('session', 1, ['write'], NO_KEYS, 'raftkv', 'Opens an exactly-once client session; its id.', '0.1.0', session),
  data('seq', -5, ['write'], NO_KEYS, 'raftkv', 'SEQ id n [lowest] <write>: the write, applied at most once per (session, n).', '0.1.0', seq),
];
