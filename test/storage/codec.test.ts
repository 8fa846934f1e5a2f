import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crc32 } from 'node:zlib';
import { sealPayload } from '../../src/storage/checksum.js';
import {
  FORMAT_1,
  META_APPLIED_INDEX,
  META_HARD_STATE,
  META_INSTALLING,
  META_LOG_START,
  META_SNAPSHOT,
  decodeAppliedIndex,
  decodeLogPoint,
  decodeSnapshotMeta,
  encodeLogPoint,
  encodeSnapshotMeta,
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
    // Sealed with a valid checksum, so the shape checks behind it are what refuses them.
    const cases: unknown[] = [[1, 1], [-1, 1, bytes()], [1, 7, bytes()], [1, 1, 'text'], { term: 1 }, [1.5, 0, bytes()]];
    for (const value of cases) {
      const err = await corruptOf(() => decodeEntry(5, sealPayload(encodeLogKey(5), packr.pack(value))));
      expect(err.message).toContain('log record at index 5');
    }
    expect((await corruptOf(() => decodeEntry(6, sealPayload(encodeLogKey(6), bytes(0xc1))))).message).toContain('index 6');
    expect((await corruptOf(() => decodeEntry(6, sealPayload(encodeLogKey(6), bytes(0x93, 1))))).message).toContain('index 6');
    expect((await corruptOf(() => decodeHardState(sealPayload(META_HARD_STATE, packr.pack([1, 2]))))).message).toContain('hard state');
    expect((await corruptOf(() => decodeAppliedIndex(sealPayload(META_APPLIED_INDEX, packr.pack('x'))))).message).toContain('applied index');
  });
});

describe('record checksums', () => {
  const entry = { index: 1234, term: 7, type: 1 as const, data: bytes(1, 2, 3, 4, 5, 6, 7, 8) };

  it('end every record in a CRC32 of its key and payload, the payload being the format 1 record', () => {
    const key = encodeLogKey(1234);
    const record = Buffer.from(encodeEntry(entry));
    const payload = record.subarray(0, record.length - 4);
    expect(record.readUInt32BE(record.length - 4)).toBe(crc32(payload, crc32(key)));
    expect(Buffer.from(payload).equals(Buffer.from(packr.pack([7, 1, entry.data])))).toBe(true);
    expect(showEntries([FORMAT_1.entry(1234, payload)])).toEqual(showEntries([entry]));
  });

  it('refuse a log entry with any one byte flipped, naming its index, sublevel and key', async () => {
    const record = encodeEntry(entry);
    for (let at = 0; at < record.length; at++) {
      const damaged = Uint8Array.from(record);
      damaged[at]! ^= 0x40;
      const err = await corruptOf(() => decodeEntry(1234, damaged));
      expect(err.message).toContain('log entry 1234 (sublevel "log", key 00000000000004d2) fails its checksum');
    }
  });

  it('refuse a record read under another key (a log entry moved to another index)', async () => {
    const err = await corruptOf(() => decodeEntry(1235, encodeEntry(entry)));
    expect(err.message).toContain('log entry 1235');
    const snapshot = { index: 4, term: 2, voters: ['a'] };
    // The install marker and the snapshot hold the same shape under different keys.
    await corruptOf(() => decodeSnapshotMeta(encodeSnapshotMeta(snapshot, META_INSTALLING)));
    expect(decodeSnapshotMeta(encodeSnapshotMeta(snapshot, META_INSTALLING), 'marker', META_INSTALLING)).toEqual(snapshot);
  });

  it('refuse truncated records and format 1 records (no checksum) without crashing', async () => {
    await corruptOf(() => decodeEntry(1, bytes(1, 2)));
    await corruptOf(() => decodeEntry(1, packr.pack([1, 1, bytes(9)])));
    await corruptOf(() => decodeHardState(packr.pack([1, 'n1'])));
    expect((await corruptOf(() => decodeSnapshotMeta(bytes()))).message).toContain('snapshot record (sublevel "meta", key "snapshot") fails its checksum');
  });

  it('cover the hard state, log start, applied index and snapshot metadata', async () => {
    const sealed = [
      () => decodeHardState(flipLast(encodeHardState({ term: 3, vote: 'n2' }))),
      () => decodeLogPoint(flipLast(encodeLogPoint({ index: 3, term: 1 }, META_LOG_START)), META_LOG_START, 'log start'),
      () => decodeAppliedIndex(flipLast(encodeAppliedIndex(9))),
      () => decodeSnapshotMeta(flipLast(encodeSnapshotMeta({ index: 4, term: 2, voters: ['a'] }, META_SNAPSHOT))),
    ];
    for (const decode of sealed) expect((await corruptOf(decode)).message).toContain('fails its checksum');
  });

  it('round-trip an entry whose data is too large for the hand-written encoder (msgpackr path)', () => {
    const big = { index: 3, term: 2 ** 40, type: 1 as const, data: new Uint8Array(70_000).fill(9) };
    expect(showEntries([decodeEntry(3, encodeEntry(big))])).toEqual(showEntries([big]));
  });
});

function flipLast(record: Uint8Array): Uint8Array {
  const damaged = Uint8Array.from(record);
  damaged[damaged.length - 1]! ^= 1;
  return damaged;
}

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
