import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { packFlat, type FlatItem } from '../../src/util/msgpack-flat.js';

// The options of the packers the fast path stands in for (src/kv/codec.ts, src/storage/codec.ts).
const packers = [new Packr({ useRecords: false, moreTypes: false }), new Packr({ useRecords: false, mapsAsObjects: true })];

const INTS = [0, 1, 5, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000, 123_456_789, 0xffff_ffff];
const SIZES = [0, 1, 31, 32, 255, 256, 65_535, 65_536, 100_000];

function bytes(n: number, seed: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);
}

describe('packFlat', () => {
  it('writes exactly the bytes msgpackr writes for flat arrays of small integers and byte strings', () => {
    const cases: FlatItem[][] = [[], [1]];
    for (const i of INTS) cases.push([1, bytes(3, i), bytes(256, i)], [i, 2, bytes(40, 7)], [5, i, i, 0, 1, bytes(10, 1), bytes(300, 3)]);
    for (const n of SIZES) cases.push([1, bytes(n, 1), bytes(Math.min(n, 300), n)], [7, 1, bytes(n, 7)]);
    cases.push([0xffff_ffff, 0, Buffer.from('key'), Buffer.alloc(0)]);
    for (const items of cases) {
      const fast = packFlat(items);
      expect(fast).not.toBeNull();
      for (const packr of packers) expect(Buffer.compare(fast!, packr.pack(items))).toBe(0);
      const decoded = packers[0]!.unpack(fast!) as FlatItem[];
      expect(decoded.length).toBe(items.length);
      decoded.forEach((item, i) => expect(typeof item === 'number' ? item : Buffer.compare(item, items[i] as Uint8Array)).toBe(typeof item === 'number' ? items[i] : 0));
    }
  });

  it('declines what it does not handle, so the caller falls back to msgpackr', () => {
    expect(packFlat([2 ** 32])).toBeNull();
    expect(packFlat([-1])).toBeNull();
    expect(packFlat([1.5])).toBeNull();
    expect(packFlat(Array.from({ length: 16 }, () => 1))).toBeNull();
  });

  it('leaves spare bytes after the same msgpack bytes, for a trailer (the storage checksum)', () => {
    const items = [7, 1, Uint8Array.from([1, 2, 3])];
    const plain = packFlat(items)!;
    const spared = packFlat(items, 4)!;
    expect(spared.length).toBe(plain.length + 4);
    expect(spared.subarray(0, plain.length).equals(plain)).toBe(true);
  });
});
