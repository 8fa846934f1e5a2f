/**
 * The KvStorage contract (src/storage/interfaces.ts), run by every
 * implementation.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { KvStorage, KvWrite } from '../../src/storage/interfaces.js';
import { AssertionError } from '../../src/util/assert.js';
import { bytes, entries, everyByte, hex, reopenOf, showMaybe, showPairs, useHarnesses, utf8 } from './harness.js';
import type { ContractOptions, StorageFactory } from './harness.js';

const put = (key: Uint8Array, value: Uint8Array): KvWrite => ({ type: 'put', key, value });
const del = (key: Uint8Array): KvWrite => ({ type: 'del', key });
const puts = (...keys: Uint8Array[]): KvWrite[] => keys.map((k) => put(k, utf8('v')));

export function kvStorageContract(name: string, factory: StorageFactory, options: ContractOptions): void {
  describe(`KvStorage contract: ${name}`, () => {
    const open = useHarnesses(factory);
    const fresh = async (): Promise<KvStorage> => (await open()).storage.kv;

    it('starts empty at applied index 0', async () => {
      const kv = await fresh();
      expect(await kv.appliedIndex()).toBe(0);
      expect(await kv.get(utf8('a'))).toBeUndefined();
      expect(await kv.dump()).toEqual([]);
      expect(await kv.keysWithPrefix(new Uint8Array(0), 10)).toEqual([]);
    });

    it('applies puts and deletes together with the applied index', async () => {
      const kv = await fresh();
      await kv.apply([put(utf8('a'), utf8('1')), put(utf8('b'), utf8('2'))], 1);
      expect(showMaybe([await kv.get(utf8('a'))])).toEqual([hex(utf8('1'))]);
      expect(await kv.appliedIndex()).toBe(1);
      await kv.apply([del(utf8('a')), put(utf8('c'), utf8('3')), del(utf8('missing'))], 7);
      expect(await kv.get(utf8('a'))).toBeUndefined();
      expect(showPairs(await kv.dump())).toEqual(showPairs([[utf8('b'), utf8('2')], [utf8('c'), utf8('3')]]));
      expect(await kv.appliedIndex()).toBe(7);
    });

    it('applies the writes of one batch in order', async () => {
      const kv = await fresh();
      await kv.apply([put(utf8('k'), utf8('1')), del(utf8('k')), put(utf8('j'), utf8('1')), put(utf8('j'), utf8('2'))], 1);
      expect(await kv.get(utf8('k'))).toBeUndefined();
      expect(showMaybe([await kv.get(utf8('j'))])).toEqual([hex(utf8('2'))]);
    });

    it('applies batches in call order when they are not awaited in between', async () => {
      const kv = await fresh();
      await Promise.all(Array.from({ length: 30 }, (_, i) => kv.apply([put(utf8('k'), utf8(`${i}`))], i + 1)));
      expect(showMaybe([await kv.get(utf8('k'))])).toEqual([hex(utf8('29'))]);
      expect(await kv.appliedIndex()).toBe(30);
    });

    it('advances the applied index with an empty batch', async () => {
      const kv = await fresh();
      await kv.apply([], 3);
      expect(await kv.appliedIndex()).toBe(3);
    });

    it('refuses an applied index that does not increase, and writes nothing', async () => {
      const kv = await fresh();
      await kv.apply(puts(utf8('a')), 5);
      await expect(kv.apply(puts(utf8('x')), 5)).rejects.toThrow(AssertionError);
      await expect(kv.apply(puts(utf8('x')), 4)).rejects.toThrow(AssertionError);
      expect(await kv.get(utf8('x'))).toBeUndefined();
      expect(await kv.appliedIndex()).toBe(5);
      await kv.apply(puts(utf8('y')), 6);
      expect(await kv.appliedIndex()).toBe(6);
    });

    it('stores keys and values with every byte value, in byte order', async () => {
      const kv = await fresh();
      const all = everyByte();
      const keys = [...Array.from(all, (b) => bytes(b)), bytes(0xff, 0xff), bytes(0x00, 0x00), new Uint8Array(0)];
      const valueOf = (i: number) => (i % 2 ? all : all.slice().reverse());
      await kv.apply(keys.map((k, i) => put(k, valueOf(i))), 1);
      const dumped = await kv.dump();
      expect(dumped.map(([k]) => hex(k))).toEqual(keys.map(hex).sort());
      expect(showMaybe(await kv.getMany(keys))).toEqual(keys.map((_, i) => hex(valueOf(i))));
      expect(showMaybe([await kv.get(bytes(0x80))])).toEqual([hex(valueOf(0x80))]);
    });

    it('returns undefined for the missing keys of getMany, in request order', async () => {
      const kv = await fresh();
      await kv.apply([put(utf8('a'), utf8('1')), put(utf8('b'), utf8('2'))], 1);
      const got = await kv.getMany([utf8('b'), utf8('nope'), utf8('a'), utf8('b')]);
      expect(showMaybe(got)).toEqual([hex(utf8('2')), undefined, hex(utf8('1')), hex(utf8('2'))]);
      expect(await kv.getMany([])).toEqual([]);
    });

    it('lists keys with a prefix in byte order, at most limit of them', async () => {
      const kv = await fresh();
      const names = ['user:2', 'user:10', 'usera', 'use', 'user:1', 'v', 'user;'];
      await kv.apply(puts(...names.map(utf8)), 1);
      const list = async (prefix: string, limit: number) =>
        (await kv.keysWithPrefix(utf8(prefix), limit)).map((k) => Buffer.from(k).toString());
      expect(await list('user:', 10)).toEqual(['user:1', 'user:10', 'user:2']);
      expect(await list('user:', 2)).toEqual(['user:1', 'user:10']);
      expect(await list('user:', 0)).toEqual([]);
      expect(await list('user:', Infinity)).toEqual(['user:1', 'user:10', 'user:2']);
      expect(await list('', 100)).toEqual([...names].sort());
      expect(await list('w', 10)).toEqual([]);
    });

    it('pages through keys and values with a prefix, resuming after the last key', async () => {
      const kv = await fresh();
      const names = ['user:2', 'user:10', 'usera', 'use', 'user:1', 'v', 'user;'];
      await kv.apply(names.map((n) => put(utf8(n), utf8(`=${n}`))), 1);
      const page = async (prefix: string, limit: number, after?: string) =>
        (await kv.entriesWithPrefix(utf8(prefix), limit, after === undefined ? undefined : utf8(after))).map(
          ([k, v]) => `${Buffer.from(k).toString()}${Buffer.from(v).toString()}`,
        );
      expect(await page('user:', 2)).toEqual(['user:1=user:1', 'user:10=user:10']);
      expect(await page('user:', 2, 'user:10')).toEqual(['user:2=user:2']);
      expect(await page('user:', 2, 'user:2')).toEqual([]);
      expect(await page('user:', 5, 'a')).toEqual(['user:1=user:1', 'user:10=user:10', 'user:2=user:2']);
      expect(await page('', 3, 'user;')).toEqual(['usera=usera', 'v=v']);
      expect(await page('', 0)).toEqual([]);
    });

    it('lists keys under prefixes that contain 0xff bytes', async () => {
      const kv = await fresh();
      const keys = [bytes(0xff), bytes(0xff, 0x00), bytes(0xff, 0xff), bytes(0xff, 0xff, 0x01), bytes(0xfe, 0xff), bytes(0x01, 0xff, 0x05), bytes(0x02)];
      await kv.apply(puts(...keys), 1);
      const list = async (...prefix: number[]) => (await kv.keysWithPrefix(bytes(...prefix), 10)).map(hex);
      expect(await list(0xff)).toEqual(['ff', 'ff00', 'ffff', 'ffff01']);
      expect(await list(0xff, 0xff)).toEqual(['ffff', 'ffff01']);
      expect(await list(0xfe)).toEqual(['feff']);
      expect(await list(0x01, 0xff)).toEqual(['01ff05']);
    });

    it('keeps state machine data apart from the raft log and hard state', async () => {
      const { storage } = await open();
      await storage.raft.write({ hardState: { term: 1, vote: null }, entries: entries(1, 3, 1) });
      expect(await storage.kv.dump()).toEqual([]);
      expect(await storage.kv.appliedIndex()).toBe(0);
      await storage.kv.apply(puts(utf8('k')), 3);
      expect((await storage.raft.load()).entries).toHaveLength(3);
    });

    it('stores client sessions in the apply batch, apart from user keys', async () => {
      const kv = await fresh();
      expect(await kv.loadSessions()).toEqual([]);
      await kv.apply(puts(utf8('session:1')), 1, { put: [{ id: 1, data: utf8('one') }, { id: 300, data: utf8('three') }], del: [] });
      await kv.apply([], 2, { put: [{ id: 1, data: utf8('uno') }], del: [300] });
      const sessions = await kv.loadSessions();
      expect(sessions.map((s) => [s.id, hex(s.data)])).toEqual([[1, hex(utf8('uno'))]]);
      expect(showPairs(await kv.dump())).toEqual(showPairs([[utf8('session:1'), utf8('v')]]));
    });

    it('records snapshot metadata at the applied index, and refuses one at any other index', async () => {
      const kv = await fresh();
      expect(await kv.loadSnapshot()).toBeNull();
      void kv.apply(puts(utf8('a')), 3);
      // Queued behind the apply: it sees index 3 applied.
      await kv.saveSnapshot({ index: 3, term: 2, voters: ['n1', 'n2', 'n3'] });
      expect(await kv.loadSnapshot()).toEqual({ index: 3, term: 2, voters: ['n1', 'n2', 'n3'] });
      await expect(kv.saveSnapshot({ index: 2, term: 2, voters: ['n1'] })).rejects.toThrow(AssertionError);
      await expect(kv.saveSnapshot({ index: 4, term: 2, voters: ['n1'] })).rejects.toThrow(AssertionError);
      await kv.apply([], 7);
      await kv.saveSnapshot({ index: 7, term: 3, voters: ['n1'] });
      expect(await kv.loadSnapshot()).toEqual({ index: 7, term: 3, voters: ['n1'] });
    });

    it('streams a consistent view in chunks that another store stages and installs, replacing what it held', async () => {
      const source = await fresh();
      const keys = Array.from({ length: 40 }, (_, i) => utf8(`key:${String(i).padStart(2, '0')}`));
      await source.apply(keys.map((k) => put(k, everyByte())), 3, { put: [{ id: 7, data: utf8('session seven') }], del: [] });
      const reader = await source.openSnapshot({ index: 3, term: 2, voters: ['a'] });
      // Applied after the view opened: the view does not see it.
      await source.apply([del(keys[0]!), put(utf8('later'), utf8('x'))], 4);
      const target = await fresh();
      await target.apply(puts(utf8('old-key')), 9, { put: [{ id: 1, data: utf8('old session') }], del: [] });
      let seq = 0;
      let bytes = 0;
      for (let done = false; !done; seq++) {
        const chunk = await reader.next(1000);
        expect(chunk.data.length).toBeLessThan(1000 + 300 + 64);
        await target.stageSnapshot(seq, chunk.data);
        bytes += chunk.data.length;
        done = chunk.last;
      }
      await reader.close();
      expect(seq).toBeGreaterThan(5);
      // The size of what was installed: every chunk's bytes, and the KV keys (not the session).
      expect(await target.installSnapshot({ index: 3, term: 2, voters: ['a'] })).toEqual({ bytes, keys: 40 });
      expect(await target.appliedIndex()).toBe(3);
      expect(await target.loadSnapshot()).toEqual({ index: 3, term: 2, voters: ['a'] });
      expect(showPairs(await target.dump())).toEqual(showPairs(keys.map((k) => [k, everyByte()] as [Uint8Array, Uint8Array])));
      expect((await target.loadSessions()).map((x) => [x.id, hex(x.data)])).toEqual([[7, hex(utf8('session seven'))]]);
      // Applies continue after the installed index.
      await target.apply(puts(utf8('next')), 4);
      expect(await target.get(utf8('next'))).toBeDefined();
    });

    it('estimates the KV data on disk without reading it, or says it cannot (null)', async () => {
      const kv = await fresh();
      await kv.apply(Array.from({ length: 50 }, (_, i) => put(utf8(`size:${i}`), everyByte())), 1);
      const estimate = (await kv.approximateBytes?.()) ?? null;
      if (estimate !== null) expect(estimate).toBeGreaterThanOrEqual(0);
    });

    it('refuses a chunk that does not decode with SNAPSHOT_INVALID, and stays usable', async () => {
      const kv = await fresh();
      await expect(kv.stageSnapshot(0, utf8('not msgpack \xc1'))).rejects.toMatchObject({ code: 'SNAPSHOT_INVALID' });
      await expect(kv.stageSnapshot(0, Uint8Array.of(0x91, 0x93, 0x05, 0xc4, 0x00, 0xc4, 0x00))).rejects.toMatchObject({ code: 'SNAPSHOT_INVALID' });
      await kv.apply(puts(utf8('a')), 1);
      expect(await kv.appliedIndex()).toBe(1);
    });

    it('a new transfer (chunk 0) empties what an earlier one staged', async () => {
      const source = await fresh();
      await source.apply(puts(utf8('kept')), 2);
      const reader = await source.openSnapshot({ index: 2, term: 1, voters: ['a'] });
      const only = await reader.next(1 << 20);
      await reader.close();
      const other = await fresh();
      await other.apply(puts(utf8('stale')), 5);
      const staleReader = await other.openSnapshot({ index: 5, term: 1, voters: ['a'] });
      const stale = await staleReader.next(1 << 20);
      await staleReader.close();
      const target = await fresh();
      await target.stageSnapshot(0, stale.data);
      await target.stageSnapshot(1, stale.data);
      await target.stageSnapshot(0, only.data);
      await target.installSnapshot({ index: 2, term: 1, voters: ['a'] });
      expect(showPairs(await target.dump())).toEqual(showPairs([[utf8('kept'), utf8('v')]]));
    });

    if (options.persistent) {
      it('keeps the snapshot metadata and what was applied before it across close and reopen', async () => {
        const harness = await open();
        await harness.storage.kv.apply(puts(utf8('k')), 5, { put: [{ id: 2, data: utf8('s') }], del: [] });
        await harness.storage.kv.saveSnapshot({ index: 5, term: 1, voters: ['a', 'b'] });
        const { kv } = await reopenOf(harness);
        expect(await kv.loadSnapshot()).toEqual({ index: 5, term: 1, voters: ['a', 'b'] });
        expect(await kv.appliedIndex()).toBe(5);
        expect((await kv.loadSessions()).map((s) => s.id)).toEqual([2]);
      });

      it('keeps client sessions across close and reopen', async () => {
        const harness = await open();
        await harness.storage.kv.apply([], 1, { put: [{ id: 5, data: everyByte() }], del: [] });
        const { kv } = await reopenOf(harness);
        expect((await kv.loadSessions()).map((s) => [s.id, hex(s.data)])).toEqual([[5, hex(everyByte())]]);
      });

      it('keeps keys and the applied index across close and reopen', async () => {
        const harness = await open();
        await harness.storage.kv.apply([put(utf8('a'), everyByte()), put(utf8('b'), utf8('2'))], 4);
        await harness.storage.kv.apply([del(utf8('b'))], 9);
        const { kv } = await reopenOf(harness);
        expect(await kv.appliedIndex()).toBe(9);
        expect(showPairs(await kv.dump())).toEqual(showPairs([[utf8('a'), everyByte()]]));
        await expect(kv.apply([], 9)).rejects.toThrow(AssertionError);
      });
    }

    it('matches a map on random sequences of applies', async () => {
      const key = fc.uint8Array({ maxLength: 3 }).map((k) => k.map((b) => [0x00, 0x01, 0xfe, 0xff][b % 4]!));
      const write = fc.oneof(
        fc.record({ type: fc.constant('put' as const), key, value: fc.uint8Array({ maxLength: 8 }) }),
        fc.record({ type: fc.constant('del' as const), key }),
      );
      const batches = fc.array(fc.tuple(fc.array(write, { maxLength: 6 }), fc.integer({ min: 1, max: 3 })), { maxLength: 8 });
      const property = fc.asyncProperty(batches, key, fc.nat({ max: 5 }), async (steps, prefix, limit) => {
        const harness = await factory();
        try {
          await checkAgainstMap(harness.storage.kv, steps, prefix, limit);
        } finally {
          await harness.cleanup();
        }
      });
      await fc.assert(property, { numRuns: 40 });
    });
  });
}

async function checkAgainstMap(
  kv: KvStorage,
  steps: ReadonlyArray<readonly [KvWrite[], number]>,
  prefix: Uint8Array,
  limit: number,
): Promise<void> {
  const model = new Map<string, string>();
  let applied = 0;
  for (const [writes, step] of steps) {
    for (const w of writes) {
      if (w.type === 'put') model.set(hex(w.key), hex(w.value));
      else model.delete(hex(w.key));
    }
    applied += step;
    await kv.apply(writes, applied);
  }
  // Hex strings sort in byte order: two characters per byte, '0'-'9' before 'a'-'f'.
  const expected = [...model.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  expect(showPairs(await kv.dump())).toEqual(expected);
  expect(await kv.appliedIndex()).toBe(applied);
  const withPrefix = expected.map(([k]) => k).filter((k) => k.startsWith(hex(prefix)));
  expect((await kv.keysWithPrefix(prefix, limit)).map(hex)).toEqual(withPrefix.slice(0, limit));
}
