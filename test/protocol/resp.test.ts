import { describe, expect, it } from 'vitest';
import {
  EMPTY_ARRAY_REPLY,
  NULL_BULK_REPLY,
  OK_REPLY,
  PONG_REPLY,
  concatReplies,
  encodeBulk,
  encodeBulkArray,
  encodeError,
  encodeInteger,
  encodeSimpleString,
} from '../../src/protocol/resp.js';
import type { RespReply } from '../../src/protocol/resp.js';
import { encodeReply, queryReply, resultReply } from '../../src/protocol/reply.js';

const b = (s: string) => Buffer.from(s, 'latin1');
const wire = (reply: RespReply) => (typeof reply === 'string' ? b(reply) : reply).toString('latin1');

describe('RESP2 encoders', () => {
  it('encodes simple strings and constants', () => {
    expect(encodeSimpleString('OK')).toBe('+OK\r\n');
    expect(encodeSimpleString('a\r\nb\nc')).toBe('+a b c\r\n');
    expect([OK_REPLY, PONG_REPLY, NULL_BULK_REPLY, EMPTY_ARRAY_REPLY]).toEqual([
      '+OK\r\n',
      '+PONG\r\n',
      '$-1\r\n',
      '*0\r\n',
    ]);
  });

  it('encodes whole error texts, with CR/LF removed', () => {
    expect(encodeError('ERR unknown command')).toBe('-ERR unknown command\r\n');
    expect(encodeError('MOVED 0 10.0.0.2:7001')).toBe('-MOVED 0 10.0.0.2:7001\r\n');
    expect(encodeError('TRYAGAIN no leader yet')).toBe('-TRYAGAIN no leader yet\r\n');
    expect(encodeError('BUSY too many pending requests')).toBe('-BUSY too many pending requests\r\n');
    expect(encodeError('ERR bad\r\n+OK\r\n')).toBe('-ERR bad +OK \r\n');
  });

  it('encodes integers, and refuses non-integers', () => {
    expect(encodeInteger(0)).toBe(':0\r\n');
    expect(encodeInteger(-42)).toBe(':-42\r\n');
    expect(encodeInteger(2n ** 63n - 1n)).toBe(':9223372036854775807\r\n');
    expect(() => encodeInteger(1.5)).toThrow();
    expect(() => encodeInteger(Number.NaN)).toThrow();
  });

  it('encodes bulk strings byte-exactly, binary-safe', () => {
    expect(wire(encodeBulk(b('alice')))).toBe('$5\r\nalice\r\n');
    expect(wire(encodeBulk(new Uint8Array(0)))).toBe('$0\r\n\r\n');
    expect(wire(encodeBulk(b('a\r\n\x00\xff')))).toBe('$5\r\na\r\n\x00\xff\r\n');
    expect(encodeBulk(null)).toBe('$-1\r\n');
    const big = new Uint8Array(100_000).fill(7);
    const out = encodeBulk(big) as Buffer;
    expect(out.length).toBe('$100000\r\n'.length + 100_000 + 2);
    expect(out.subarray(9, 9 + 100_000).equals(big)).toBe(true);
  });

  it('encodes arrays of bulk strings, with nulls and when empty', () => {
    expect(wire(encodeBulkArray([b('a'), b(''), null, b('xyz')]))).toBe(
      '*4\r\n$1\r\na\r\n$0\r\n\r\n$-1\r\n$3\r\nxyz\r\n',
    );
    expect(encodeBulkArray([])).toBe('*0\r\n');
  });

  it('encodes state machine results', () => {
    expect(encodeReply(resultReply({ type: 'ok' }))).toBe('+OK\r\n');
    expect(encodeReply(resultReply({ type: 'int', value: 3 }))).toBe(':3\r\n');
    expect(encodeReply(resultReply({ type: 'error', message: 'SESSION_EXPIRED x' }))).toBe('-SESSION_EXPIRED x\r\n');
    expect(wire(encodeReply(queryReply({ type: 'value', value: b('v') })))).toBe('$1\r\nv\r\n');
    expect(encodeReply(queryReply({ type: 'value', value: null }))).toBe('$-1\r\n');
    expect(encodeReply(queryReply({ type: 'int', value: 0 }))).toBe(':0\r\n');
    expect(wire(encodeReply(queryReply({ type: 'keys', keys: [b('k1'), b('k2')] })))).toBe(
      '*2\r\n$2\r\nk1\r\n$2\r\nk2\r\n',
    );
    expect(encodeReply(queryReply({ type: 'keys', keys: [] }))).toBe('*0\r\n');
  });

  it('concatenates replies for one write', () => {
    expect(wire(concatReplies([OK_REPLY, encodeBulk(b('x')), ':1\r\n']))).toBe('+OK\r\n$1\r\nx\r\n:1\r\n');
  });
});
