/**
 * Serving read queries from the applied state, by the serving node's clock:
 * a key past its expiry time is absent even before the leader's sweep has
 * deleted it through the log. Scans go page by page, so KEYS, SCAN, LIST and
 * DBSIZE hold a bounded number of records in memory whatever the store's size.
 */
import { compileGlob, globLiteralPrefix } from '../protocol/glob.js';
import type { KvStorage } from '../storage/interfaces.js';
import { keyId } from './apply.js';
import type { KeyQuery, KvQuery, KvQueryResult, KvResult } from './commands.js';
import { keysOf, readKeys } from './read-ops.js';
import { decodeRecord, live, type KvRecord } from './record.js';
import { encodeCursor } from './scan-cursor.js';

/** Entries read from LevelDB per page of a scan. */
export const SCAN_PAGE_ENTRIES = 1000;

export interface QueryLimits {
  readonly keysPerReplyMax: number;
}

const EMPTY = new Uint8Array(0);

/** What queries read: point reads and pages of a prefix (the state machine coalesces the point reads). */
export type KvReader = Pick<KvStorage, 'getMany' | 'entriesWithPrefix'>;

export async function runQuery(kv: KvReader, query: KvQuery, limits: QueryLimits, now: number): Promise<KvQueryResult> {
  switch (query.op) {
    case 'list':
      return { type: 'keys', keys: await liveKeys(kv, query.prefix, () => true, limits.keysPerReplyMax, now) };
    case 'keys': {
      const matches = compileGlob(query.pattern);
      return { type: 'keys', keys: await liveKeys(kv, globLiteralPrefix(query.pattern), matches, limits.keysPerReplyMax, now) };
    }
    case 'dbsize': {
      let count = 0;
      await forEachPage(kv, EMPTY, null, (_key, record) => {
        if (live(record, now)) count++;
        return true;
      });
      return { type: 'int', value: count };
    }
    case 'scan':
      return scan(kv, query, now);
    case 'expired':
      return expired(kv, query.after, query.count, now);
    default:
      return keyQuery(kv, query, now);
  }
}

async function keyQuery(kv: KvReader, query: KeyQuery, now: number): Promise<KvQueryResult> {
  const keys = keysOf(query);
  const values = await kv.getMany(keys);
  const records = new Map<string, KvRecord | undefined>();
  keys.forEach((key, i) => records.set(keyId(key), values[i] === undefined ? undefined : decodeRecord(values[i]!)));
  return asQueryResult(readKeys(query, (key) => records.get(keyId(key)), now));
}

function asQueryResult(result: KvResult): KvQueryResult {
  switch (result.type) {
    case 'bulk':
      return { type: 'value', value: result.value };
    case 'int':
      return { type: 'int', value: Number(result.value) };
    case 'values':
      return { type: 'values', values: result.values };
    case 'simple':
      return { type: 'simple', value: result.value };
    default:
      throw new Error(`a key query produced a ${result.type} result`);
  }
}

async function liveKeys(kv: KvReader, prefix: Uint8Array, matches: (key: Uint8Array) => boolean, max: number, now: number): Promise<Uint8Array[]> {
  const keys: Uint8Array[] = [];
  if (max <= 0) return keys;
  await forEachPage(kv, prefix, null, (key, record) => {
    if (live(record, now) && matches(key)) keys.push(key);
    return keys.length < max;
  });
  return keys;
}

/** One SCAN call: reads at most `count` entries after the cursor; the cursor names the last one read. */
async function scan(kv: KvReader, query: Extract<KvQuery, { op: 'scan' }>, now: number): Promise<KvQueryResult> {
  const prefix = query.match ? globLiteralPrefix(query.match) : EMPTY;
  const matches = query.match ? compileGlob(query.match) : () => true;
  const page = await kv.entriesWithPrefix(prefix, query.count, query.after ?? undefined);
  const keys: Uint8Array[] = [];
  for (const [key, value] of page) {
    if (live(decodeRecord(value), now) && matches(key) && (query.type === null || query.type === 'string')) keys.push(key);
  }
  const cursor = page.length < query.count ? '0' : encodeCursor(page.at(-1)![0]);
  return { type: 'scan', cursor, keys };
}

/** The expiry sweep's page: keys past their expiry at `now`, and where the next page starts. */
async function expired(kv: KvReader, after: Uint8Array | null, count: number, now: number): Promise<KvQueryResult> {
  const page = await kv.entriesWithPrefix(EMPTY, count, after ?? undefined);
  const keys: Uint8Array[] = [];
  for (const [key, value] of page) {
    const record = decodeRecord(value);
    if (record.expireAt !== 0 && record.expireAt <= now) keys.push(key);
  }
  return { type: 'expired', keys, next: page.length < count ? null : page.at(-1)![0], now };
}

/** Visits every record under prefix (after `after`) in key order until `visit` returns false. */
async function forEachPage(
  kv: KvReader,
  prefix: Uint8Array,
  after: Uint8Array | null,
  visit: (key: Uint8Array, record: KvRecord) => boolean,
): Promise<void> {
  let from = after ?? undefined;
  for (;;) {
    const page = await kv.entriesWithPrefix(prefix, SCAN_PAGE_ENTRIES, from);
    for (const [key, value] of page) if (!visit(key, decodeRecord(value))) return;
    if (page.length < SCAN_PAGE_ENTRIES) return;
    from = page.at(-1)![0];
  }
}
