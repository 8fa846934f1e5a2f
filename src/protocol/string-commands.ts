/**
 * Redis's string commands. Reads become KvQuery requests; writes become
 * KvCommands applied through the log (src/kv/write-ops.ts says what each does).
 */
import type { ExpirySpec, KvWriteCommand } from '../kv/commands.js';
import { entryBytesError, fail, keyError, keysError, lower, NOT_INTEGER, ok, SYNTAX, valueError, wrongArity } from './args.js';
import type { CommandSpec, Handler } from './command-table.js';
import { EXPIRY_UNITS, expiryArg, type ExpiryUnit } from './expiry-args.js';

const write = (command: KvWriteCommand) => ok({ kind: 'write', command });

const get: Handler = ([key], limits) => {
  const error = keyError(key!, limits);
  return error !== null ? fail(error) : ok({ kind: 'read', query: { op: 'get', key: key! } });
};

/** SET key value [NX | XX] [GET] [EX s | PX ms | EXAT s | PXAT ms | KEEPTTL]. */
const set: Handler = (args, limits) => {
  const key = args[0]!;
  const value = args[1]!;
  const error = keyError(key, limits) ?? valueError(value, limits);
  if (error !== null) return fail(error);
  // The plain SET, nearly every write, is one small literal: no option parsing, no copies.
  if (args.length === 2) return write({ op: 'set', key, value });
  let cond: 'nx' | 'xx' | undefined;
  let getOld = false;
  let expire: ExpirySpec | undefined;
  let keepTtl = false;
  for (let i = 2; i < args.length; i++) {
    const option = lower(args[i]!);
    if ((option === 'nx' || option === 'xx') && cond === undefined) cond = option;
    else if (option === 'get' && !getOld) getOld = true;
    else if (option === 'keepttl' && !keepTtl && expire === undefined) keepTtl = true;
    else if (EXPIRY_UNITS.has(option) && expire === undefined && !keepTtl && i + 1 < args.length) {
      const spec = expiryArg(option as ExpiryUnit, args[++i]!, 'set');
      if (typeof spec === 'string') return fail(spec);
      expire = spec;
    } else return fail(SYNTAX);
  }
  return write({
    op: 'set', key, value,
    ...(cond ? { cond } : {}), ...(getOld ? { get: true } : {}), ...(expire ? { expire } : {}), ...(keepTtl ? { keepTtl: true } : {}),
  });
};

const setnx: Handler = ([key, value], limits) => {
  const error = keyError(key!, limits) ?? valueError(value!, limits);
  return error !== null ? fail(error) : write({ op: 'set', key: key!, value: value!, cond: 'nx', reply: 'setnx' });
};

const getset: Handler = ([key, value], limits) => {
  const error = keyError(key!, limits) ?? valueError(value!, limits);
  return error !== null ? fail(error) : write({ op: 'set', key: key!, value: value!, get: true });
};

const getdel: Handler = ([key], limits) => {
  const error = keyError(key!, limits);
  return error !== null ? fail(error) : write({ op: 'getdel', key: key! });
};

/** GETEX key [EX s | PX ms | EXAT s | PXAT ms | PERSIST]; without an option it is a read. */
const getex: Handler = ([key, ...options], limits) => {
  const error = keyError(key!, limits);
  if (error !== null) return fail(error);
  if (options.length === 0) return ok({ kind: 'read', query: { op: 'get', key: key! } });
  const option = lower(options[0]!);
  if (option === 'persist' && options.length === 1) return write({ op: 'getex', key: key!, persist: true });
  if (!EXPIRY_UNITS.has(option) || options.length !== 2) return fail(SYNTAX);
  const spec = expiryArg(option as ExpiryUnit, options[1]!, 'getex');
  return typeof spec === 'string' ? fail(spec) : write({ op: 'getex', key: key!, expire: spec });
};

const mget: Handler = (keys, limits) => {
  const error = keysError(keys, limits);
  return error !== null ? fail(error) : ok({ kind: 'read', query: { op: 'mget', keys } });
};

const mset: Handler = (args, limits, name) => {
  if (args.length % 2 !== 0) return fail(wrongArity(name));
  const pairs: Array<[Buffer, Buffer]> = [];
  for (let i = 0; i < args.length; i += 2) {
    const error = keyError(args[i]!, limits) ?? valueError(args[i + 1]!, limits);
    if (error !== null) return fail(error);
    pairs.push([args[i]!, args[i + 1]!]);
  }
  const error = entryBytesError(args, limits);
  if (error !== null) return fail(error);
  return write({ op: 'mset', pairs, ...(name === 'msetnx' ? { nx: true } : {}) });
};

/** INCR, DECR, INCRBY, DECRBY: the increment is checked here, the stored value at apply time. */
const incr: Handler = ([key, amount], limits, name) => {
  const error = keyError(key!, limits);
  if (error !== null) return fail(error);
  let by = 1n;
  if (amount !== undefined) {
    const parsed = integerText(amount);
    if (parsed === null) return fail(NOT_INTEGER);
    by = BigInt(parsed);
  }
  if (name.startsWith('decr')) {
    if (by === -(2n ** 63n)) return fail('ERR decrement would overflow');
    by = -by;
  }
  return write({ op: 'incrby', key: key!, by: by.toString() });
};

/** A 64-bit integer's text, or null (Redis's string2ll rules: no '+', no leading zeros). */
function integerText(arg: Buffer): string | null {
  const text = arg.toString('latin1');
  if (!/^(0|-?[1-9]\d{0,18})$/.test(text)) return null;
  const value = BigInt(text);
  return value >= -(2n ** 63n) && value < 2n ** 63n ? text : null;
}

const incrbyfloat: Handler = ([key, amount], limits) => {
  const error = keyError(key!, limits);
  if (error !== null) return fail(error);
  const text = amount!.toString('latin1');
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text) || !Number.isFinite(Number(text))) return fail('ERR value is not a valid float');
  return write({ op: 'incrbyfloat', key: key!, by: text });
};

const append: Handler = ([key, value], limits) => {
  const error = keyError(key!, limits) ?? valueError(value!, limits);
  return error !== null ? fail(error) : write({ op: 'append', key: key!, value: value!, max: limits.valueBytesMax });
};

const strlen: Handler = ([key], limits) => {
  const error = keyError(key!, limits);
  return error !== null ? fail(error) : ok({ kind: 'read', query: { op: 'strlen', key: key! } });
};

const ONE: CommandSpec['keys'] = [1, 1, 1];
const ALL: CommandSpec['keys'] = [1, -1, 1];
const PAIRS: CommandSpec['keys'] = [1, -1, 2];

function str(name: string, arity: number, flags: string[], keys: CommandSpec['keys'], summary: string, since: string, parse: Handler): CommandSpec {
  return { name, arity, flags, keys, group: 'string', summary, since, parse };
}

export const STRING_COMMANDS: readonly CommandSpec[] = [
  str('get', 2, ['readonly', 'fast'], ONE, 'The value of a key, or nil.', '1.0.0', get),
  str('set', -3, ['write', 'denyoom'], ONE, 'Sets a value: NX | XX, GET, EX | PX | EXAT | PXAT | KEEPTTL.', '1.0.0', set),
  str('setnx', 3, ['write', 'denyoom', 'fast'], ONE, 'Sets a value only if the key does not exist: 1 or 0.', '1.0.0', setnx),
  str('getset', 3, ['write', 'denyoom', 'fast'], ONE, 'Sets a value, answering the old one.', '1.0.0', getset),
  str('getdel', 2, ['write', 'fast'], ONE, 'The value, and deletes the key.', '6.2.0', getdel),
  str('getex', -2, ['write', 'fast'], ONE, 'The value, setting or removing its expiry.', '6.2.0', getex),
  str('mget', -2, ['readonly', 'fast'], ALL, 'The values of keys (nil for missing ones).', '1.0.0', mget),
  str('mset', -3, ['write', 'denyoom'], PAIRS, 'Sets several keys in one log entry.', '1.0.1', mset),
  str('msetnx', -3, ['write', 'denyoom'], PAIRS, 'Sets several keys only if none exists: 1 or 0.', '1.0.1', mset),
  str('incr', 2, ['write', 'denyoom', 'fast'], ONE, 'Adds 1 to a 64-bit integer value.', '1.0.0', incr),
  str('decr', 2, ['write', 'denyoom', 'fast'], ONE, 'Subtracts 1 from a 64-bit integer value.', '1.0.0', incr),
  str('incrby', 3, ['write', 'denyoom', 'fast'], ONE, 'Adds an integer to a 64-bit integer value.', '1.0.0', incr),
  str('decrby', 3, ['write', 'denyoom', 'fast'], ONE, 'Subtracts an integer from a 64-bit integer value.', '1.0.0', incr),
  str('incrbyfloat', 3, ['write', 'denyoom', 'fast'], ONE, 'Adds a float to a float value (64-bit doubles).', '2.6.0', incrbyfloat),
  str('append', 3, ['write', 'denyoom', 'fast'], ONE, 'Appends to a value; the new length.', '2.0.0', append),
  str('strlen', 2, ['readonly', 'fast'], ONE, 'The length of a value (0 when absent).', '2.2.0', strlen),
];

