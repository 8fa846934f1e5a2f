/**
 * Redis's generic key commands: DEL/UNLINK, EXISTS, the EXPIRE family,
 * TTL/PTTL/EXPIRETIME/PEXPIRETIME, PERSIST, TYPE, RENAME/RENAMENX, KEYS, SCAN,
 * FLUSHDB/FLUSHALL.
 */
import type { ExpireCondition, KeyQuery, KvWriteCommand } from '../kv/commands.js';
import { decodeCursor } from '../kv/scan-cursor.js';
import { fail, integerArg, keyError, keysError, lower, ok, SYNTAX } from './args.js';
import type { CommandSpec, Handler } from './command-table.js';
import { expiryArg, type ExpiryUnit } from './expiry-args.js';

const write = (command: KvWriteCommand) => ok({ kind: 'write', command });
const read = (query: KeyQuery) => ok({ kind: 'read', query });

const del: Handler = (keys, limits) => {
  const error = keysError(keys, limits);
  return error !== null ? fail(error) : write({ op: 'del', keys });
};

const exists: Handler = (keys, limits) => {
  const error = keysError(keys, limits);
  return error !== null ? fail(error) : read({ op: 'exists', keys });
};

const EXPIRE_UNITS: Readonly<Record<string, ExpiryUnit>> = { expire: 'ex', pexpire: 'px', expireat: 'exat', pexpireat: 'pxat' };

/** EXPIRE key amount [NX | XX | GT | LT] (and PEXPIRE, EXPIREAT, PEXPIREAT). */
const expire: Handler = ([key, amount, ...options], limits, name) => {
  const error = keyError(key!, limits);
  if (error !== null) return fail(error);
  const flags = new Set<string>();
  for (const option of options) {
    const flag = lower(option);
    if (!['nx', 'xx', 'gt', 'lt'].includes(flag)) return fail(`ERR Unsupported option ${option.toString('latin1')}`);
    flags.add(flag);
  }
  if (flags.has('nx') && flags.size > 1) return fail('ERR NX and XX, GT or LT options at the same time are not compatible');
  if (flags.has('gt') && flags.has('lt')) return fail('ERR GT and LT options at the same time are not compatible');
  const spec = expiryArg(EXPIRE_UNITS[name]!, amount!, name, true);
  if (typeof spec === 'string') return fail(spec);
  // XX with GT is GT (see ExpireCondition); XX with LT is a condition of its own.
  const cond: ExpireCondition | undefined =
    flags.has('xx') && flags.has('lt') ? 'xx-lt' : (['nx', 'gt', 'lt', 'xx'] as const).find((f) => flags.has(f));
  return write({ op: 'expire', key: key!, expire: spec, ...(cond ? { cond } : {}) });
};

const TTL_KINDS: Readonly<Record<string, { ms: boolean; at: boolean }>> = {
  ttl: { ms: false, at: false },
  pttl: { ms: true, at: false },
  expiretime: { ms: false, at: true },
  pexpiretime: { ms: true, at: true },
};

const ttl: Handler = ([key], limits, name) => {
  const error = keyError(key!, limits);
  return error !== null ? fail(error) : read({ op: 'ttl', key: key!, ...TTL_KINDS[name]! });
};

const persist: Handler = ([key], limits) => {
  const error = keyError(key!, limits);
  return error !== null ? fail(error) : write({ op: 'persist', key: key! });
};

const type: Handler = ([key], limits) => {
  const error = keyError(key!, limits);
  return error !== null ? fail(error) : read({ op: 'type', key: key! });
};

const rename: Handler = ([key, to], limits, name) => {
  const error = keyError(key!, limits) ?? keyError(to!, limits);
  return error !== null ? fail(error) : write({ op: 'rename', key: key!, to: to!, ...(name === 'renamenx' ? { nx: true } : {}) });
};

/** A pattern longer than any key could still match, but is bounded like a key to bound KEYS' work. */
const keys: Handler = ([pattern], limits) => {
  const error = keyError(pattern!, limits, 'pattern');
  return error !== null ? fail(error) : ok({ kind: 'read', query: { op: 'keys', pattern: pattern! } });
};

/** SCAN cursor [MATCH pattern] [COUNT n] [TYPE type]: COUNT entries are read per call, at most keysPerReplyMax. */
const scan: Handler = ([cursorArg, ...options], limits) => {
  const after = decodeCursor(cursorArg!.toString('latin1'), limits.keyBytesMax);
  if (after === undefined) return fail('ERR invalid cursor');
  let count = 10;
  let match: Buffer | null = null;
  let typeName: string | null = null;
  for (let i = 0; i < options.length; i += 2) {
    const option = lower(options[i]!);
    const value = options[i + 1];
    if (value === undefined) return fail(SYNTAX);
    if (option === 'count') {
      const n = integerArg(value);
      if (n === null) return fail('ERR value is not an integer or out of range');
      if (n < 1) return fail(SYNTAX);
      count = Math.min(n, limits.keysPerReplyMax);
    } else if (option === 'match') {
      const error = keyError(value, limits, 'pattern');
      if (error !== null) return fail(error);
      match = value;
    } else if (option === 'type') {
      typeName = lower(value);
    } else return fail(SYNTAX);
  }
  return ok({ kind: 'read', query: { op: 'scan', after, count, match, type: typeName } });
};

const flush: Handler = ([mode]) => {
  if (mode !== undefined && !['async', 'sync'].includes(lower(mode))) return fail(SYNTAX);
  return write({ op: 'flushall' });
};

const ONE: CommandSpec['keys'] = [1, 1, 1];
const ALL: CommandSpec['keys'] = [1, -1, 1];
const NONE: CommandSpec['keys'] = [0, 0, 0];

function key(name: string, arity: number, flags: string[], keys: CommandSpec['keys'], summary: string, since: string, parse: Handler): CommandSpec {
  return { name, arity, flags, keys, group: 'generic', summary, since, parse };
}

export const KEY_COMMANDS: readonly CommandSpec[] = [
  key('del', -2, ['write'], ALL, 'Deletes keys; the number deleted.', '1.0.0', del),
  key('unlink', -2, ['write', 'fast'], ALL, 'Deletes keys (as DEL: the deletion is one log entry either way).', '4.0.0', del),
  key('exists', -2, ['readonly', 'fast'], ALL, 'How many of the keys exist.', '1.0.0', exists),
  key('expire', -3, ['write', 'fast'], ONE, 'Sets a key\'s time to live in seconds: NX | XX | GT | LT.', '1.0.0', expire),
  key('pexpire', -3, ['write', 'fast'], ONE, 'Sets a key\'s time to live in ms.', '2.6.0', expire),
  key('expireat', -3, ['write', 'fast'], ONE, 'Sets a key\'s expiry as a Unix time in seconds.', '1.2.0', expire),
  key('pexpireat', -3, ['write', 'fast'], ONE, 'Sets a key\'s expiry as a Unix time in ms.', '2.6.0', expire),
  key('ttl', 2, ['readonly', 'fast'], ONE, 'Seconds to live: -1 no expiry, -2 no key.', '1.0.0', ttl),
  key('pttl', 2, ['readonly', 'fast'], ONE, 'Milliseconds to live.', '2.6.0', ttl),
  key('expiretime', 2, ['readonly', 'fast'], ONE, 'The expiry as a Unix time in seconds.', '7.0.0', ttl),
  key('pexpiretime', 2, ['readonly', 'fast'], ONE, 'The expiry as a Unix time in ms.', '7.0.0', ttl),
  key('persist', 2, ['write', 'fast'], ONE, 'Removes a key\'s expiry.', '2.2.0', persist),
  key('type', 2, ['readonly', 'fast'], ONE, 'string, or none.', '1.0.0', type),
  key('rename', 3, ['write'], [1, 2, 1], 'Renames a key (keeping its expiry).', '1.0.0', rename),
  key('renamenx', 3, ['write', 'fast'], [1, 2, 1], 'Renames a key only if the new name is free.', '1.0.0', rename),
  key('keys', 2, ['readonly'], NONE, 'Keys matching a glob (at most keysPerReplyMax; scanned page by page).', '1.0.0', keys),
  key('scan', -2, ['readonly'], NONE, 'Iterates keys with a stateless cursor: MATCH, COUNT, TYPE.', '2.8.0', scan),
  { ...key('flushdb', -1, ['write'], NONE, 'Deletes every key, in one log entry.', '1.0.0', flush), group: 'server', argsMax: 2 },
  { ...key('flushall', -1, ['write'], NONE, 'Deletes every key, in one log entry.', '1.0.0', flush), group: 'server', argsMax: 2 },
];
