import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Reply } from '../../src/client/reply.js';
import { RespProtocolError, RespReader } from '../../src/client/resp-reader.js';

/** Reference encoder: the reader must invert it. */
function encode(reply: Reply): Buffer {
  switch (reply.type) {
    case 'simple':
      return Buffer.from(`+${reply.value}\r\n`);
    case 'error':
      return Buffer.from(`-${reply.message}\r\n`);
    case 'integer':
      return Buffer.from(`:${reply.value}\r\n`);
    case 'bulk':
      if (reply.value === null) return Buffer.from('$-1\r\n');
      return Buffer.concat([Buffer.from(`$${reply.value.length}\r\n`), reply.value, Buffer.from('\r\n')]);
    case 'array':
      if (reply.value === null) return Buffer.from('*-1\r\n');
      return Buffer.concat([Buffer.from(`*${reply.value.length}\r\n`), ...reply.value.map(encode)]);
  }
}

const line = fc.string({ maxLength: 20 }).filter((s) => !s.includes('\r') && !s.includes('\n'));
const replyArb: fc.Arbitrary<Reply> = fc.letrec<{ reply: Reply }>((tie) => ({
  reply: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    line.map((value): Reply => ({ type: 'simple', value })),
    line.map((message): Reply => ({ type: 'error', message })),
    fc.integer().map((value): Reply => ({ type: 'integer', value })),
    fc.option(fc.uint8Array({ maxLength: 40 })).map((v): Reply => ({ type: 'bulk', value: v === null ? null : Buffer.from(v) })),
    fc.option(fc.array(tie('reply'), { maxLength: 4 })).map((v): Reply => ({ type: 'array', value: v })),
  ),
})).reply;

/** Splits `data` at the given cut points. */
function chunk(data: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const p of points) {
    chunks.push(data.subarray(from, p));
    from = p;
  }
  chunks.push(data.subarray(from));
  return chunks;
}

describe('RespReader', () => {
  it('parses each reply type', () => {
    const reader = new RespReader();
    const replies = reader.feed(Buffer.from('+OK\r\n-MOVED 0 h:1\r\n:42\r\n$3\r\nabc\r\n$-1\r\n*2\r\n$1\r\na\r\n*-1\r\n*0\r\n'));
    expect(replies).toEqual([
      { type: 'simple', value: 'OK' },
      { type: 'error', message: 'MOVED 0 h:1' },
      { type: 'integer', value: 42 },
      { type: 'bulk', value: Buffer.from('abc') },
      { type: 'bulk', value: null },
      { type: 'array', value: [{ type: 'bulk', value: Buffer.from('a') }, { type: 'array', value: null }] },
      { type: 'array', value: [] },
    ]);
    expect(reader.idle).toBe(true);
  });

  it('keeps bulk strings binary-safe, CRLF inside included', () => {
    const reader = new RespReader();
    const [reply] = reader.feed(Buffer.from('$4\r\n\r\n\r\n\r\n'));
    expect(reply).toEqual({ type: 'bulk', value: Buffer.from('\r\n\r\n') });
  });

  it('gives identical replies however the bytes are chunked', () => {
    fc.assert(
      fc.property(fc.array(replyArb, { minLength: 1, maxLength: 6 }), fc.array(fc.nat(), { maxLength: 30 }), (replies, cuts) => {
        const data = Buffer.concat(replies.map(encode));
        const reader = new RespReader();
        const got = chunk(data, cuts).flatMap((c) => reader.feed(c));
        expect(got).toEqual(replies);
        expect(reader.idle).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('parses a large array fed a byte at a time', () => {
    const items = Array.from({ length: 2_000 }, (_, i) => `key:${i}`);
    const data = Buffer.from(`*${items.length}\r\n${items.map((s) => `$${s.length}\r\n${s}\r\n`).join('')}`);
    const reader = new RespReader();
    const got: Reply[] = [];
    for (let i = 0; i < data.length; i += 1) got.push(...reader.feed(data.subarray(i, i + 1)));
    expect(got).toHaveLength(1);
    const array = got[0];
    expect(array?.type === 'array' ? array.value?.length : -1).toBe(items.length);
  });

  it('rejects malformed input with a RespProtocolError', () => {
    expect(() => new RespReader().feed(Buffer.from('?what\r\n'))).toThrow(RespProtocolError);
    expect(() => new RespReader().feed(Buffer.from(':12x\r\n'))).toThrow(RespProtocolError);
    expect(() => new RespReader().feed(Buffer.from('$3\r\nabcXY'))).toThrow(RespProtocolError);
    expect(() => new RespReader({ lineBytesMax: 8 }).feed(Buffer.from('+0123456789'))).toThrow(RespProtocolError);
  });
});
