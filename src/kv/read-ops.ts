/**
 * Reads of named keys, over stored records: the same code answers a query
 * (records fetched from LevelDB) and a read inside a transaction (records
 * from the apply overlay). A key past its expiry time at `now` is absent.
 */
import type { KeyQuery, KvResult } from './commands.js';
import { live, type KvRecord } from './record.js';

export type Lookup = (key: Uint8Array) => KvRecord | undefined;

/** The keys a key query reads. */
export function keysOf(query: KeyQuery): readonly Uint8Array[] {
  return 'keys' in query ? query.keys : [query.key];
}

export function readKeys(query: KeyQuery, lookup: Lookup, now: number): KvResult {
  const get = (key: Uint8Array) => live(lookup(key), now);
  switch (query.op) {
    case 'get':
      return { type: 'bulk', value: get(query.key)?.value ?? null };
    case 'mget':
      return { type: 'values', values: query.keys.map((key) => get(key)?.value ?? null) };
    case 'exists':
      return { type: 'int', value: query.keys.filter((key) => get(key) !== undefined).length };
    case 'strlen':
      return { type: 'int', value: get(query.key)?.value.length ?? 0 };
    case 'type':
      return { type: 'simple', value: get(query.key) ? 'string' : 'none' };
    case 'ttl':
      return { type: 'int', value: ttl(get(query.key), now, query.ms, query.at) };
    case 'versions':
      return { type: 'values', values: query.keys.map((key) => Buffer.from(String(get(key)?.version ?? 0))) };
  }
}

/** Redis's ttlGenericCommand: -2 absent, -1 no expiry, else (rounded) seconds or ms, left or absolute. */
function ttl(record: KvRecord | undefined, now: number, ms: boolean, absolute: boolean): number {
  if (!record) return -2;
  if (record.expireAt === 0) return -1;
  const value = Math.max(0, absolute ? record.expireAt : record.expireAt - now);
  return ms ? value : Math.floor((value + 500) / 1000);
}
