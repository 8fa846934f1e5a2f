/**
 * Reads what a batch's plan needs (src/kv/apply.ts keysToRead): the named
 * keys' records, or every record when the batch holds a FLUSHALL (then the
 * whole key space is in memory for that one batch).
 */
import type { KvStorage } from '../storage/interfaces.js';
import { keyId, keysToRead, type IndexedCommand } from './apply.js';
import { decodeRecord, type KvRecord } from './record.js';

const FLUSH_PAGE_ENTRIES = 1000;

/**
 * Answers at once, without a promise, when the batch reads nothing (plain
 * SETs): the apply then reaches its write in the same turn, as it always has
 * (the simulator's disk depends on that order).
 */
export function loadCurrent(kv: KvStorage, commands: readonly IndexedCommand[]): Map<string, KvRecord | undefined> | Promise<Map<string, KvRecord | undefined>> {
  const reads = keysToRead(commands);
  if (reads.keys.length === 0 && !reads.all) return new Map();
  return load(kv, reads);
}

async function load(kv: KvStorage, reads: ReturnType<typeof keysToRead>): Promise<Map<string, KvRecord | undefined>> {
  const current = new Map<string, KvRecord | undefined>();
  if (reads.keys.length > 0) {
    const values = await kv.getMany(reads.keys);
    reads.keys.forEach((key, i) => current.set(keyId(key), values[i] === undefined ? undefined : decodeRecord(values[i]!)));
  }
  if (reads.all) {
    let after: Uint8Array | undefined;
    for (;;) {
      const page = await kv.entriesWithPrefix(new Uint8Array(0), FLUSH_PAGE_ENTRIES, after);
      for (const [key, value] of page) current.set(keyId(key), decodeRecord(value));
      if (page.length < FLUSH_PAGE_ENTRIES) break;
      after = page.at(-1)![0];
    }
  }
  return current;
}
