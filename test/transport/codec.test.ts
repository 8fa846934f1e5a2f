import fc from 'fast-check';
import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import type { Entry, Message } from '../../src/raft/types.js';
import { decodeEnvelope, encodeEnvelope } from '../../src/transport/codec.js';
import { isHostPort, LISTEN_CHARS_MAX } from '../../src/transport/validate.js';
import { tryParseHostPort } from '../../src/config/address.js';
import { oneOfEach } from './helpers.js';

const plain = new Packr({ useRecords: false });

const count = fc.maxSafeNat();
const entry: fc.Arbitrary<Entry> = fc.record({
  index: count,
  term: count,
  type: fc.constantFrom(0 as const, 1 as const),
  data: fc.uint8Array({ maxLength: 64 }),
});
const appendEntries: fc.Arbitrary<Message> = fc.record({
  type: fc.constant('AppendEntries' as const),
  from: fc.string(),
  to: fc.string(),
  term: count,
  prevLogIndex: count,
  prevLogTerm: count,
  leaderCommit: count,
  entries: fc.array(entry, { maxLength: 5 }),
});

describe('wire codec', () => {
  it('round-trips every message type, entry data as plain Uint8Array', () => {
    for (const message of oneOfEach('n1', 'n2')) {
      const decoded = decodeEnvelope(encodeEnvelope({ clusterId: 'c', from: 'n1', listen: 'n1.example:7000', message }));
      expect(decoded.ok).toBe(true);
      if (!decoded.ok) continue;
      const normalized =
        message.type === 'AppendEntries'
          ? { ...message, entries: message.entries.map((e) => ({ ...e, data: new Uint8Array(e.data) })) }
          : message;
      expect(decoded.envelope).toEqual({ clusterId: 'c', from: 'n1', listen: 'n1.example:7000', message: normalized });
      if (decoded.envelope.message.type === 'AppendEntries') {
        for (const e of decoded.envelope.message.entries) expect(e.data.constructor).toBe(Uint8Array);
      }
    }
  });

  it('makes every payload self-contained: a fresh decoder reads the second message of a stream', () => {
    const message = oneOfEach('n1', 'n2')[2] as Message;
    encodeEnvelope({ clusterId: 'c', from: 'n1', listen: 'n1.example:7000', message });
    const second = encodeEnvelope({ clusterId: 'c', from: 'n1', listen: 'n1.example:7000', message });
    const fresh = new Packr({ useRecords: true, structuredClone: false, mapsAsObjects: true });
    expect(fresh.unpack(second)).toMatchObject({ clusterId: 'c', from: 'n1', message: { type: 'AppendEntries' } });
  });

  it('round-trips arbitrary AppendEntries, including the largest safe integers', () => {
    fc.assert(
      fc.property(appendEntries, (message) => {
        const decoded = decodeEnvelope(encodeEnvelope({ clusterId: 'x', from: message.from, listen: '[::1]:1', message }));
        expect(decoded.ok && decoded.envelope.message).toEqual(message);
      }),
    );
  });

  it.each([
    ['not msgpack', Uint8Array.of(0xc1)],
    ['not a map', plain.pack([1, 2])],
    ['no cluster id', plain.pack({ from: 'a', message: oneOfEach('a', 'b')[0] })],
    ['unknown type', plain.pack({ clusterId: 'c', from: 'a', listen: 'a:1', message: { type: 'Nope', from: 'a', to: 'b', term: 1 } })],
    ['negative term', plain.pack({ clusterId: 'c', from: 'a', listen: 'a:1', message: { ...oneOfEach('a', 'b')[0], term: -1 } })],
    ['missing field', plain.pack({ clusterId: 'c', from: 'a', listen: 'a:1', message: { type: 'Heartbeat', from: 'a', to: 'b', term: 1 } })],
    [
      'string entry data',
      plain.pack({
        clusterId: 'c',
        from: 'a',
        listen: 'a:1',
        message: { ...oneOfEach('a', 'b')[2], entries: [{ index: 1, term: 1, type: 1, data: 'text' }] },
      }),
    ],
    ['truncated', encodeEnvelope({ clusterId: 'c', from: 'a', listen: 'a:1', message: oneOfEach('a', 'b')[2] as Message }).subarray(0, 40)],
  ])('rejects %s with a BAD_ENVELOPE error', (_name, payload) => {
    const decoded = decodeEnvelope(payload);
    expect(decoded.ok).toBe(false);
    expect(!decoded.ok && decoded.error.code).toBe('BAD_ENVELOPE');
  });

  const heartbeat = oneOfEach('a', 'b')[4] as Message;
  it.each([
    ['missing', undefined],
    ['not a string', 7000],
    ['no port', 'a.example'],
    ['port 0', 'a.example:0'],
    ['port 65536', 'a.example:65536'],
    ['port with a sign', 'a.example:+80'],
    ['empty host', ':7000'],
    ['a host with a space', 'a b:7000'],
    ['a host ending in a dot', 'a.:7000'],
    ['an unbracketed IPv6 host', '::1:7000'],
    ['a bracketed non-IPv6 host', '[a.example]:7000'],
    ['too long', `${'a'.repeat(300)}:7000`],
  ])('rejects an envelope whose listen address is %s', (_name, listen) => {
    const decoded = decodeEnvelope(plain.pack({ clusterId: 'c', from: 'a', listen, message: heartbeat }));
    expect(!decoded.ok && decoded.error.message).toMatch(/listen is not a host:port/);
  });

  it('accepts as listen address exactly what config/address.ts parses (up to the length bound)', () => {
    const hostChar = fc.constantFrom(...'aZ09.-:[]x '.split(''));
    const text = fc.oneof(
      fc.tuple(fc.string({ unit: hostChar, maxLength: 12 }), fc.string({ unit: fc.constantFrom(...'0123456789+-a'.split('')), maxLength: 6 })).map(([h, p]) => `${h}:${p}`),
      fc.tuple(fc.ipV6(), fc.integer({ min: -1, max: 70_000 })).map(([h, p]) => `[${h}]:${p}`),
      fc.tuple(fc.domain(), fc.integer({ min: 0, max: 70_000 })).map(([h, p]) => `${h}:${p}`),
      fc.string({ maxLength: 20 }),
    );
    fc.assert(
      fc.property(text, (listen) => {
        expect(isHostPort(listen)).toBe(typeof tryParseHostPort(listen) !== 'string');
      }),
      { numRuns: 3_000 },
    );
    expect(isHostPort('[::1]:7000')).toBe(true);
    expect(isHostPort(`${'a'.repeat(253)}:65535`)).toBe(true);
    expect(`${'a'.repeat(253)}:65535`.length).toBe(LISTEN_CHARS_MAX);
  });

  it('never throws on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const decoded = decodeEnvelope(bytes);
        expect(typeof decoded.ok).toBe('boolean');
      }),
      { numRuns: 2_000 },
    );
  });
});
