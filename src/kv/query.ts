/**
 * Serving read queries from the applied state. Scans go page by page
 * (SCAN_PAGE_ENTRIES at a time), so KEYS, SCAN and DBSIZE hold a bounded
 * number of keys in memory whatever the size of the store.
 */
import { compileGlob, globLiteralPrefix } from '../protocol/glob.js';
import type { KvStorage } from '../storage/interfaces.js';
import type { KvQuery, KvQueryResult } from './commands.js';

/** Entries read from LevelDB per page of a scan. */
export const SCAN_PAGE_ENTRIES = 1000;

export interface QueryLimits {
  readonly keysPerReplyMax: number;
}

export async function runQuery(kv: KvStorage, query: KvQuery, limits: QueryLimits): Promise<KvQueryResult> {
  switch (query.op) {
    case 'get':
      return { type: 'value', value: (await kv.get(query.key)) ?? null };
    case 'exists': {
      const values = await kv.getMany(query.keys);
      return { type: 'int', value: values.filter((value) => value !== undefined).length };
    }
    case 'list':
      return { type: 'keys', keys: await kv.keysWithPrefix(query.prefix, limits.keysPerReplyMax) };
    case 'keys':
      return { type: 'keys', keys: await matchingKeys(kv, query.pattern, limits.keysPerReplyMax) };
    case 'dbsize':
      return { type: 'int', value: await countKeys(kv) };
  }
}

/** Keys matching a glob, scanning only the range its literal prefix allows, page by page. */
async function matchingKeys(kv: KvStorage, pattern: Uint8Array, max: number): Promise<Uint8Array[]> {
  const matches = compileGlob(pattern);
  const keys: Uint8Array[] = [];
  await forEachPage(kv, globLiteralPrefix(pattern), (key) => {
    if (matches(key)) keys.push(key);
    return keys.length < max;
  });
  return keys;
}

async function countKeys(kv: KvStorage): Promise<number> {
  let count = 0;
  await forEachPage(kv, new Uint8Array(0), () => {
    count++;
    return true;
  });
  return count;
}

/** Visits every entry under prefix in key order until `visit` returns false. */
async function forEachPage(kv: KvStorage, prefix: Uint8Array, visit: (key: Uint8Array, value: Uint8Array) => boolean): Promise<void> {
  let after: Uint8Array | undefined;
  for (;;) {
    const page = await kv.entriesWithPrefix(prefix, SCAN_PAGE_ENTRIES, after);
    for (const [key, value] of page) if (!visit(key, value)) return;
    if (page.length < SCAN_PAGE_ENTRIES) return;
    after = page.at(-1)![0];
  }
}
