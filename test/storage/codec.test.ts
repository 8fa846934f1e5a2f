import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeAppliedIndex,
  decodeEntry,
  decodeHardState,
  decodeLogKey,
  encodeAppliedIndex,
  encodeEntry,
  encodeHardState,
  encodeLogKey,
  prefixUpperBound,
} from '../../src/storage/codec.js';
import { Packr } from 'msgpackr';
import { AssertionError } from '../../src/util/assert.js';
import { bytes, hex, showEntries, storageFailure } from './harness.js';

const packr = new Packr({ useRecords: false });
const corruptOf = (fn: () => unknown) => storageFailure(Promise.resolve().then(fn), 'STORAGE_CORRUPT');

describe('log keys', () => {
  it('sort bytewise in index order and decode back', () => {
    const index = fc.nat({ max: Number.MAX_SAFE_INTEGER });
    fc.assert(
      fc.property(index, index, (a, b) => {
        expect(decodeLogKey(encodeLogKey(a))).toBe(a);
        expect(Math.sign(Buffer.compare(encodeLogKey(a), encodeLogKey(b)))).toBe(Math.sign(a - b));
      }),
    );
  });

  it('are 8 bytes big-endian', () => {
    expect(hex(encodeLogKey(0x0102030405))).toBe('0000000102030405');
  });

  it('reject indexes that are not non-negative safe integers', () => {
    expect(() => encodeLogKey(-1)).toThrow(AssertionError);
    expect(() => encodeLogKey(1.5)).toThrow(AssertionError);
    expect(() => encodeLogKey(2 ** 53)).toThrow(AssertionError);
  });

  it('report a key of the wrong length or beyond the safe range as corrupt', async () => {
    expect((await corruptOf(() => decodeLogKey(bytes(1, 2, 3)))).message).toContain('010203');
    await corruptOf(() => decodeLogKey(bytes(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff)));
  });
});

describe('records', () => {
  it('round-trip entries, hard states and applied indexes', () => {
    const entry = { index: 9, term: 2 ** 35, type: 1 as const, data: bytes(0, 255, 7) };
    expect(showEntries([decodeEntry(9, encodeEntry(entry))])).toEqual(showEntries([entry]));
    expect(decodeHardState(encodeHardState({ term: 4, vote: 'n1' }))).toEqual({ term: 4, vote: 'n1' });
    expect(decodeHardState(encodeHardState({ term: 0, vote: null }))).toEqual({ term: 0, vote: null });
    expect(decodeAppliedIndex(encodeAppliedIndex(2 ** 40))).toBe(2 ** 40);
  });

  it('report undecodable bytes and wrong shapes as corrupt, naming the record', async () => {
    const cases: unknown[] = [[1, 1], [-1, 1, bytes()], [1, 7, bytes()], [1, 1, 'text'], { term: 1 }, [1.5, 0, bytes()]];
    for (const value of cases) {
      const err = await corruptOf(() => decodeEntry(5, packr.pack(value)));
      expect(err.message).toContain('log record at index 5');
    }
    expect((await corruptOf(() => decodeEntry(6, bytes(0xc1)))).message).toContain('index 6');
    expect((await corruptOf(() => decodeEntry(6, bytes(0x93, 1)))).message).toContain('index 6');
    expect((await corruptOf(() => decodeHardState(packr.pack([1, 2])))).message).toContain('hard state');
    expect((await corruptOf(() => decodeAppliedIndex(packr.pack('x')))).message).toContain('applied index');
  });
});

describe('prefixUpperBound', () => {
  it('increments the last byte that is not 0xff', () => {
    expect(hex(prefixUpperBound(bytes(1, 2))!)).toBe('0103');
    expect(hex(prefixUpperBound(bytes(1, 0xff, 0xff))!)).toBe('02');
    expect(prefixUpperBound(bytes(0xff, 0xff))).toBeUndefined();
    expect(prefixUpperBound(bytes())).toBeUndefined();
  });

  it('bounds exactly the keys with the prefix', () => {
    const key = fc.uint8Array({ maxLength: 4 }).map((k) => k.map((b) => [0, 1, 0xfe, 0xff][b % 4]!));
    fc.assert(
      fc.property(key, key, (prefix, k) => {
        const bound = prefixUpperBound(prefix);
        const inRange = Buffer.compare(k, prefix) >= 0 && (bound === undefined || Buffer.compare(k, bound) < 0);
        expect(inRange).toBe(hex(k).startsWith(hex(prefix)));
      }),
    );
  });
});
