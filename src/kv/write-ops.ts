/**
 * Each write command's effect on the key space, as Redis defines it, over
 * an overlay of records (what the batch has written so far, over what is
 * stored). Pure and deterministic: the time is the entry's (`now`, the
 * leader's clock when it took the request), the version is the entry's index.
 */
import type { ExpirySpec, KvResult, KvWriteCommand } from './commands.js';
import { formatFloat, inInt64, intValue, parseFloatStrict, parseInt64 } from './numbers.js';
import { live, type KvRecord } from './record.js';

/** The batch's view of the key space and the writes it has made. */
export interface Overlay {
  get(key: Uint8Array): KvRecord | undefined;
  put(key: Uint8Array, record: KvRecord): void;
  del(key: Uint8Array): void;
  /** Every key with a record (FLUSHALL): the loader read them all for such a batch. */
  keys(): Uint8Array[];
}

export interface WriteContext {
  readonly overlay: Overlay;
  readonly index: number;
  readonly now: number;
  /** Keyspace events in apply order (Redis's event names: set, del, expire, expired, incrby, ...). */
  readonly events: KeyEvent[];
}

/** A keyspace event: what happened (Redis's event name and class) to which key. */
export interface KeyEvent {
  readonly event: string;
  /** Redis's notify-keyspace-events class: g generic, $ string, x expired. */
  readonly type: 'g' | '$' | 'x';
  readonly key: Uint8Array;
}

const OK: KvResult = { type: 'ok' };
const NIL: KvResult = { type: 'bulk', value: null };
const int = (value: number | bigint): KvResult => ({ type: 'int', value });
const error = (message: string): KvResult => ({ type: 'error', message });
const NOT_INTEGER = error('ERR value is not an integer or out of range');

export function resolveExpiry(spec: ExpirySpec, now: number): number {
  return 'at' in spec ? spec.at : now + spec.in;
}

export function applyWrite(command: KvWriteCommand, ctx: WriteContext): KvResult {
  const { overlay, now } = ctx;
  const note = (event: string, key: Uint8Array, type: KeyEvent['type'] = '$') => ctx.events.push({ event, type, key });
  const current = (key: Uint8Array) => live(overlay.get(key), now);
  /** Writes a value (deleting the key when its expiry has passed). */
  const store = (key: Uint8Array, value: Uint8Array, expireAt: number): void => {
    if (expireAt !== 0 && expireAt <= now) overlay.del(key);
    else overlay.put(key, { value, version: ctx.index, expireAt });
  };
  switch (command.op) {
    case 'set': {
      const old = current(command.key);
      const skip = (command.cond === 'nx' && old) || (command.cond === 'xx' && !old);
      if (!skip) {
        const expireAt = command.expire ? resolveExpiry(command.expire, now) : command.keepTtl && old ? old.expireAt : 0;
        store(command.key, command.value, expireAt);
        note('set', command.key);
        if (command.expire) note('expire', command.key, 'g');
      }
      if (command.reply === 'setnx') return int(skip ? 0 : 1);
      if (command.get) return { type: 'bulk', value: old?.value ?? null };
      return skip ? NIL : OK;
    }
    case 'del': {
      let deleted = 0;
      for (const key of command.keys) {
        if (current(key)) {
          deleted++;
          note('del', key, 'g');
        }
        if (overlay.get(key)) overlay.del(key);
      }
      return int(deleted);
    }
    case 'cas': {
      const old = current(command.key);
      const swap = old !== undefined && Buffer.compare(old.value, command.expected) === 0;
      if (swap) {
        store(command.key, command.value, old.expireAt);
        note('set', command.key);
      }
      return int(swap ? 1 : 0);
    }
    case 'mset': {
      if (command.nx && command.pairs.some(([key]) => current(key))) return int(0);
      for (const [key, value] of command.pairs) {
        store(key, value, 0);
        note('set', key);
      }
      return command.nx ? int(1) : OK;
    }
    case 'getdel': {
      const old = current(command.key);
      if (old) {
        overlay.del(command.key);
        note('del', command.key, 'g');
      }
      return { type: 'bulk', value: old?.value ?? null };
    }
    case 'getex': {
      const old = current(command.key);
      if (!old) return NIL;
      if (command.persist && old.expireAt !== 0) {
        store(command.key, old.value, 0);
        note('persist', command.key, 'g');
      } else if (command.expire) {
        store(command.key, old.value, resolveExpiry(command.expire, now));
        note('expire', command.key, 'g');
      }
      return { type: 'bulk', value: old.value };
    }
    case 'incrby': {
      const result = incrBy(command.key, command.by, ctx, current(command.key), store);
      if (result.type === 'int') note('incrby', command.key);
      return result;
    }
    case 'incrbyfloat': {
      const old = current(command.key);
      const base = old ? parseFloatStrict(Buffer.from(old.value).toString('latin1')) : 0;
      const by = parseFloatStrict(command.by);
      if (base === null || by === null) return error('ERR value is not a valid float');
      const sum = base + by;
      if (!Number.isFinite(sum)) return error('ERR increment would produce NaN or Infinity');
      const text = formatFloat(sum);
      store(command.key, Buffer.from(text, 'latin1'), old?.expireAt ?? 0);
      note('incrbyfloat', command.key);
      return { type: 'bulk', value: Buffer.from(text, 'latin1') };
    }
    case 'append': {
      const old = current(command.key);
      const length = (old?.value.length ?? 0) + command.value.length;
      if (length > command.max) return error(`ERR string exceeds maximum allowed size (valueBytesMax ${command.max})`);
      store(command.key, old ? Buffer.concat([old.value, command.value]) : command.value, old?.expireAt ?? 0);
      note('append', command.key);
      return int(length);
    }
    case 'expire': {
      const result = expire(command, ctx, current(command.key), store);
      if (result.type === 'int' && result.value === 1) note(current(command.key) ? 'expire' : 'del', command.key, 'g');
      return result;
    }
    case 'persist': {
      const old = current(command.key);
      if (!old || old.expireAt === 0) return int(0);
      store(command.key, old.value, 0);
      note('persist', command.key, 'g');
      return int(1);
    }
    case 'rename': {
      const old = current(command.key);
      if (!old) return error('ERR no such key');
      if (Buffer.compare(command.key, command.to) === 0) return command.nx ? int(0) : OK;
      if (command.nx && current(command.to)) return int(0);
      overlay.del(command.key);
      store(command.to, old.value, old.expireAt);
      note('rename_from', command.key, 'g');
      note('rename_to', command.to, 'g');
      return command.nx ? int(1) : OK;
    }
    case 'flushall':
      for (const key of overlay.keys()) overlay.del(key);
      return OK;
    case 'expire-keys': {
      let deleted = 0;
      for (const key of command.keys) {
        const record = overlay.get(key);
        if (record && record.expireAt !== 0 && record.expireAt <= now) {
          overlay.del(key);
          note('expired', key, 'x');
          deleted++;
        }
      }
      return int(deleted);
    }
    case 'multi':
      return error('ERR MULTI cannot be nested');
  }
}

type Store = (key: Uint8Array, value: Uint8Array, expireAt: number) => void;

function incrBy(key: Uint8Array, byText: string, _ctx: WriteContext, old: KvRecord | undefined, store: Store): KvResult {
  const base = old ? parseInt64(Buffer.from(old.value).toString('latin1')) : 0n;
  const by = parseInt64(byText);
  if (base === null || by === null) return NOT_INTEGER;
  const sum = base + by;
  if (!inInt64(sum)) return error('ERR increment or decrement would overflow');
  store(key, Buffer.from(sum.toString(), 'latin1'), old?.expireAt ?? 0);
  return int(intValue(sum));
}

/** EXPIRE family with NX | XX | GT | LT; a time already past deletes the key. */
function expire(command: Extract<KvWriteCommand, { op: 'expire' }>, ctx: WriteContext, old: KvRecord | undefined, store: Store): KvResult {
  if (!old) return int(0);
  const at = resolveExpiry(command.expire, ctx.now);
  const has = old.expireAt !== 0;
  const allowed =
    command.cond === undefined ||
    (command.cond === 'nx' && !has) ||
    (command.cond === 'xx' && has) ||
    (command.cond === 'gt' && has && at > old.expireAt) ||
    (command.cond === 'lt' && (!has || at < old.expireAt)) ||
    (command.cond === 'xx-lt' && has && at < old.expireAt);
  if (!allowed) return int(0);
  if (at <= ctx.now) ctx.overlay.del(command.key);
  else store(command.key, old.value, at);
  return int(1);
}
