/** Key slots as Redis Cluster computes them (values from `CLUSTER KEYSLOT` on Redis 7). */
import { describe, expect, it } from 'vitest';
import { crc16, keySlot } from '../../src/protocol/slot.js';

const b = (s: string) => Buffer.from(s);

describe('keySlot', () => {
  it('is CRC16/XMODEM mod 16384', () => {
    expect(crc16(b('123456789'))).toBe(0x31c3);
    expect(keySlot(b('foo'))).toBe(12182);
    expect(keySlot(b('bar'))).toBe(5061);
    expect(keySlot(b('hello'))).toBe(866);
    expect(keySlot(b('somekey'))).toBe(11058);
  });

  it('hashes only the hash tag when it is not empty', () => {
    expect(keySlot(b('{user1000}.following'))).toBe(keySlot(b('user1000')));
    expect(keySlot(b('{user1000}.followers'))).toBe(keySlot(b('user1000')));
    expect(keySlot(b('foo{}{bar}'))).toBe(keySlot(b('foo{}{bar}'))); // empty first tag: the whole key
    expect(keySlot(b('foo{}{bar}'))).not.toBe(keySlot(b('bar')));
    expect(keySlot(b('foo{{bar}}zap'))).toBe(keySlot(b('{bar')));
    expect(keySlot(b('foo{bar}{zap}'))).toBe(keySlot(b('bar')));
  });
});
