import { describe, expect, it } from 'vitest';
import { CoalescedGets } from '../../src/storage/coalesced-gets.js';

const b = (s: string): Uint8Array => Buffer.from(s);
const text = (values: (Uint8Array | undefined)[]): (string | undefined)[] => values.map((v) => (v === undefined ? undefined : Buffer.from(v).toString()));

/** A store where key "kN" holds "vN" and anything else is absent; it records each getMany. */
function fakeStore(fail = false) {
  const calls: string[][] = [];
  return {
    calls,
    getMany(keys: Uint8Array[]): Promise<(Uint8Array | undefined)[]> {
      calls.push(keys.map((k) => Buffer.from(k).toString()));
      if (fail) return Promise.reject(new Error('disk on fire'));
      return Promise.resolve(keys.map((k) => (Buffer.from(k).toString().startsWith('k') ? b(`v${Buffer.from(k).toString().slice(1)}`) : undefined)));
    },
  };
}

describe('CoalescedGets', () => {
  it('sends every getMany of one task to the store as one call and hands each caller its own values, in its order', async () => {
    const store = fakeStore();
    const gets = new CoalescedGets(store);
    const results = await Promise.all([gets.getMany([b('k1')]), gets.getMany([b('k2'), b('x'), b('k3')]), gets.getMany([b('k1')])]);
    expect(store.calls).toEqual([['k1', 'k2', 'x', 'k3', 'k1']]);
    expect(results.map(text)).toEqual([['v1'], ['v2', undefined, 'v3'], ['v1']]);
  });

  it('reads issued in a later task go in a later call', async () => {
    const store = fakeStore();
    const gets = new CoalescedGets(store);
    await gets.getMany([b('k1')]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(text(await gets.getMany([b('k2')]))).toEqual(['v2']);
    expect(store.calls).toEqual([['k1'], ['k2']]);
  });

  it('never holds more than keysMax keys: a call that would pass it sends what waits first', async () => {
    const store = fakeStore();
    const gets = new CoalescedGets(store, 3);
    const results = await Promise.all([gets.getMany([b('k1'), b('k2')]), gets.getMany([b('k3'), b('k4')]), gets.getMany([b('k5')])]);
    expect(store.calls).toEqual([['k1', 'k2'], ['k3', 'k4', 'k5']]);
    expect(results.map(text)).toEqual([['v1', 'v2'], ['v3', 'v4'], ['v5']]);
  });

  it('a failed read fails every caller that shared it', async () => {
    const gets = new CoalescedGets(fakeStore(true));
    const outcomes = await Promise.allSettled([gets.getMany([b('k1')]), gets.getMany([b('k2')])]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
  });

  it('an empty read costs no call', async () => {
    const store = fakeStore();
    expect(await new CoalescedGets(store).getMany([])).toEqual([]);
    expect(store.calls).toEqual([]);
  });
});
