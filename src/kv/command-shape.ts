/**
 * The shape of every write command, checked when a log entry is decoded:
 * an entry comes back from disk or from a peer, so a damaged one is reported
 * (CommandDecodeError) rather than applied as something else.
 */
import type { KvWriteCommand, TxCommand } from './commands.js';

type Field = 'number' | 'bytes' | 'bytes[]' | 'pairs' | 'string' | 'bool' | 'expiry' | 'cond' | 'setcond' | 'setreply' | 'commands' | 'watches';

/** Each op's fields; a trailing '?' marks an optional one. */
const SHAPES: Readonly<Record<string, Readonly<Record<string, Field>>>> = {
  set: { key: 'bytes', value: 'bytes', 'cond?': 'setcond', 'get?': 'bool', 'expire?': 'expiry', 'keepTtl?': 'bool', 'reply?': 'setreply' },
  del: { keys: 'bytes[]' },
  cas: { key: 'bytes', expected: 'bytes', value: 'bytes' },
  mset: { pairs: 'pairs', 'nx?': 'bool' },
  getdel: { key: 'bytes' },
  getex: { key: 'bytes', 'expire?': 'expiry', 'persist?': 'bool' },
  incrby: { key: 'bytes', by: 'string' },
  incrbyfloat: { key: 'bytes', by: 'string' },
  append: { key: 'bytes', value: 'bytes', max: 'number' },
  expire: { key: 'bytes', expire: 'expiry', 'cond?': 'cond' },
  persist: { key: 'bytes' },
  rename: { key: 'bytes', to: 'bytes', 'nx?': 'bool' },
  flushall: {},
  'expire-keys': { keys: 'bytes[]' },
  multi: { commands: 'commands', watches: 'watches' },
};

/** Reads a transaction may hold. */
const READ_SHAPES: Readonly<Record<string, Readonly<Record<string, Field>>>> = {
  get: { key: 'bytes' },
  mget: { keys: 'bytes[]' },
  exists: { keys: 'bytes[]' },
  strlen: { key: 'bytes' },
  type: { key: 'bytes' },
  ttl: { key: 'bytes', ms: 'bool', at: 'bool' },
};

const isBytes = (v: unknown): v is Uint8Array => v instanceof Uint8Array;
const isNumber = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v);

function fieldOk(kind: Field, value: unknown): boolean {
  switch (kind) {
    case 'number':
      return isNumber(value);
    case 'bytes':
      return isBytes(value);
    case 'bytes[]':
      return Array.isArray(value) && value.every(isBytes);
    case 'pairs':
      return Array.isArray(value) && value.every((p) => Array.isArray(p) && p.length === 2 && isBytes(p[0]) && isBytes(p[1]));
    case 'string':
      return typeof value === 'string';
    case 'bool':
      return typeof value === 'boolean';
    case 'expiry': {
      const e = value as { at?: unknown; in?: unknown } | null;
      return e !== null && typeof e === 'object' && (isNumber(e.at) || isNumber(e.in));
    }
    case 'cond':
      return value === 'nx' || value === 'xx' || value === 'gt' || value === 'lt' || value === 'xx-lt';
    case 'setcond':
      return value === 'nx' || value === 'xx';
    case 'setreply':
      return value === 'setnx';
    case 'commands':
      return Array.isArray(value) && value.every((c) => shapeOk(c, true));
    case 'watches':
      return Array.isArray(value) && value.every((w) => Array.isArray(w) && w.length === 2 && isBytes(w[0]) && isNumber(w[1]));
  }
}

function shapeOk(value: unknown, inTransaction: boolean): boolean {
  if (value === null || typeof value !== 'object') return false;
  const op = (value as { op?: unknown }).op;
  if (typeof op !== 'string') return false;
  const shape = SHAPES[op] ?? (inTransaction ? READ_SHAPES[op] : undefined);
  if (!shape || (inTransaction && op === 'multi')) return false;
  for (const [name, kind] of Object.entries(shape)) {
    const optional = name.endsWith('?');
    const field = (value as Record<string, unknown>)[optional ? name.slice(0, -1) : name];
    if (field === undefined ? !optional : !fieldOk(kind, field)) return false;
  }
  return true;
}

export function isWriteCommand(value: unknown): value is KvWriteCommand {
  return shapeOk(value, false);
}

export function isTxCommand(value: unknown): value is TxCommand {
  return shapeOk(value, true);
}
