import { describe, expect, it } from 'vitest';
import {
  BULK_MARGIN_BYTES,
  RequestParser,
  bulkBytesMax,
  requestBytesMax,
} from '../../src/protocol/parser.js';
import { LIMITS, drain, parseChunks, req, resp } from './helpers.js';

describe('inline commands', () => {
  it('parses space-separated words terminated by LF or CRLF', () => {
    expect(parseChunks(['SET user:1 alice\nGET user:1\r\n'])).toEqual([
      req('SET', 'user:1', 'alice'),
      req('GET', 'user:1'),
    ]);
  });

  it('ignores empty and blank lines, and collapses runs of blanks', () => {
    expect(parseChunks(['\r\n\n   \t \r\n  PING  \t x \r\n'])).toEqual([req('PING', 'x')]);
  });

  it('waits for the end of the line', () => {
    const parser = new RequestParser(LIMITS);
    parser.push(Buffer.from('GET ke'));
    expect(drain(parser)).toEqual([]);
    parser.push(Buffer.from('y\r'));
    expect(drain(parser)).toEqual([]);
    parser.push(Buffer.from('\n'));
    expect(drain(parser)).toEqual([req('GET', 'key')]);
  });

  it('handles quoted arguments like redis-cli', () => {
    expect(parseChunks([`SET "a b" 'c d' "x\\ty\\x41\\"" 'it\\'s'\n`])).toEqual([
      req('SET', 'a b', 'c d', 'x\tyA"', "it's"),
    ]);
  });

  it('reports unbalanced quotes without closing, and goes on', () => {
    expect(parseChunks(['SET "a b\nGET a\n'])).toEqual([
      { type: 'error', message: 'ERR Protocol error: unbalanced quotes in request', fatal: false },
      req('GET', 'a'),
    ]);
  });

  it('keeps binary bytes in words (only blanks and quotes are special)', () => {
    const line = Buffer.from([0x53, 0x45, 0x54, 0x20, 0x00, 0xff, 0x20, 0x80, 0x0a]);
    expect(parseChunks([line])).toEqual([req('SET', '\x00\xff', '\x80')]);
  });
});

describe('RESP arrays', () => {
  it('parses bulk strings, including empty and binary ones with CRLF inside', () => {
    expect(parseChunks([resp('SET', 'k', 'a\r\nb') + resp('SET', '', '')])).toEqual([
      req('SET', 'k', 'a\r\nb'),
      req('SET', '', ''),
    ]);
  });

  it('treats *0 and *-1 as no-ops', () => {
    expect(parseChunks(['*0\r\n*-1\r\n' + resp('PING')])).toEqual([req('PING')]);
  });

  it('parses a pipeline mixing inline and RESP requests', () => {
    const stream = `PING\r\n${resp('GET', 'a')}SET b "2 3"\n\r\n${resp('DEL', 'a', 'b')}QUIT\n`;
    expect(parseChunks([stream])).toEqual([
      req('PING'),
      req('GET', 'a'),
      req('SET', 'b', '2 3'),
      req('DEL', 'a', 'b'),
      req('QUIT'),
    ]);
  });

  it('copies arguments out of the socket chunk', () => {
    const chunk = Buffer.from(resp('GET', 'key'), 'latin1');
    const parser = new RequestParser(LIMITS);
    parser.push(chunk);
    const item = parser.next();
    chunk.fill(0);
    expect(item?.type === 'request' && item.args[1]?.toString()).toBe('key');
  });

  const fatalCases: [string, string, string][] = [
    ['a non-numeric count', '*x\r\n', 'ERR Protocol error: invalid multibulk length'],
    ['a count with a plus sign', '*+1\r\n', 'ERR Protocol error: invalid multibulk length'],
    ['a missing $', '*1\r\n+PING\r\n', "ERR Protocol error: expected '$', got '+'"],
    ['an empty bulk header', '*1\r\n\r\n', "ERR Protocol error: expected '$', got end of line"],
    ['a negative bulk length', '*1\r\n$-1\r\n', 'ERR Protocol error: invalid bulk length'],
    ['a bad bulk length', '*1\r\n$4a\r\nPING\r\n', 'ERR Protocol error: invalid bulk length'],
    ['a missing CRLF after a bulk', '*1\r\n$4\r\nPINGXX', 'ERR Protocol error: expected CRLF after bulk string'],
    ['a bare LF after a bulk', '*1\r\n$4\r\nPING\n', 'ERR Protocol error: expected CRLF after bulk string'],
  ];
  it.each(fatalCases)('rejects %s fatally and parses nothing after it', (_name, bad, message) => {
    expect(parseChunks([bad + 'PING\r\n' + resp('PING')])).toEqual([
      { type: 'error', message, fatal: true },
    ]);
  });

  it('stays closed and drops input after a fatal error', () => {
    const parser = new RequestParser(LIMITS);
    parser.push(Buffer.from('*1\r\n$x\r\n'));
    expect(drain(parser)).toHaveLength(1);
    expect(parser.closed).toBe(true);
    parser.push(Buffer.from('PING\r\n'));
    expect(drain(parser)).toEqual([]);
    expect(parser.bufferedBytes).toBe(0);
  });
});

describe('limits', () => {
  const tooLong = `ERR Protocol error: line is over lineBytesMax (${LIMITS.lineBytesMax}) bytes`;

  it('accepts an inline line of exactly lineBytesMax bytes (CR not counted)', () => {
    const word = 'x'.repeat(LIMITS.lineBytesMax - 5);
    expect(parseChunks([`PING ${word}\r\n`])).toEqual([req('PING', word)]);
  });

  it('rejects a longer inline line without closing, and parses the next one', () => {
    const word = 'x'.repeat(LIMITS.lineBytesMax - 4);
    expect(parseChunks([`PING ${word}\r\nPING\r\n`])).toEqual([
      { type: 'error', message: tooLong, fatal: false },
      req('PING'),
    ]);
  });

  it('reports an endless line early, buffering at most about lineBytesMax', () => {
    const parser = new RequestParser(LIMITS);
    const items = [];
    for (let i = 0; i < 10_000; i++) {
      parser.push(Buffer.from('abcdefgh'));
      items.push(...drain(parser));
      expect(parser.bufferedBytes).toBeLessThanOrEqual(LIMITS.lineBytesMax + 8 + 1);
    }
    expect(items).toEqual([{ type: 'error', message: tooLong, fatal: false }]);
    parser.push(Buffer.from('tail\nPING\n'));
    expect(drain(parser)).toEqual([req('PING')]);
  });

  it('rejects an over-long RESP header line fatally', () => {
    expect(parseChunks(['*' + '1'.repeat(LIMITS.lineBytesMax + 2)])).toEqual([
      { type: 'error', message: tooLong, fatal: true },
    ]);
    expect(parseChunks(['*1\r\n$' + '0'.repeat(LIMITS.lineBytesMax) + '\r\n'])).toEqual([
      { type: 'error', message: tooLong, fatal: true },
    ]);
  });

  it('accepts argsMax arguments and rejects one more, inline (non-fatal) and RESP (fatal)', () => {
    const max = Array.from({ length: LIMITS.argsMax }, (_, i) => `a${i}`);
    const over = [...max, 'b'];
    const message = `ERR Protocol error: ${over.length} arguments, over argsMax (${LIMITS.argsMax})`;
    expect(parseChunks([`${max.join(' ')}\n${over.join(' ')}\nPING\n`])).toEqual([
      req(...max),
      { type: 'error', message, fatal: false },
      req('PING'),
    ]);
    expect(parseChunks([resp(...max) + resp(...over) + resp('PING')])).toEqual([
      req(...max),
      { type: 'error', message, fatal: true },
    ]);
  });

  it('accepts a bulk up to valueBytesMax plus the margin, and rejects a longer one fatally', () => {
    const max = bulkBytesMax(LIMITS);
    expect(max).toBe(LIMITS.valueBytesMax + BULK_MARGIN_BYTES);
    const value = 'v'.repeat(max);
    expect(parseChunks([resp('SET', 'k', value)])).toEqual([req('SET', 'k', value)]);
    expect(parseChunks([`*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$${max + 1}\r\n`])).toEqual([
      {
        type: 'error',
        message: `ERR Protocol error: bulk string is ${max + 1} bytes, over valueBytesMax (${LIMITS.valueBytesMax})`,
        fatal: true,
      },
    ]);
  });

  it('bounds the total payload of one RESP request', () => {
    const max = bulkBytesMax(LIMITS);
    const total = requestBytesMax(LIMITS);
    const count = Math.ceil(total / max) + 1;
    expect(count).toBeLessThanOrEqual(LIMITS.argsMax);
    const value = 'v'.repeat(max);
    const items = parseChunks([`*${count}\r\n` + `$${max}\r\n${value}\r\n`.repeat(count)]);
    expect(items).toEqual([
      { type: 'error', message: `ERR Protocol error: request is over ${total} bytes`, fatal: true },
    ]);
  });

  it('fits the largest valid commands within the request bound', () => {
    const total = requestBytesMax(LIMITS);
    expect(total).toBeGreaterThanOrEqual(3 + LIMITS.keyBytesMax + 2 * LIMITS.valueBytesMax);
    expect(total).toBeGreaterThanOrEqual(LIMITS.argsMax * LIMITS.keyBytesMax);
  });
});
