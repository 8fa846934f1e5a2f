import fc from 'fast-check';
import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import type { Entry, Message } from '../../src/raft/types.js';
import { decodeEnvelope, encodeEnvelope } from '../../src/transport/codec.js';
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
      const decoded = decodeEnvelope(encodeEnvelope({ clusterId: 'c', from: 'n1', message }));
      expect(decoded.ok).toBe(true);
      if (!decoded.ok) continue;
      const normalized =
        message.type === 'AppendEntries'
          ? { ...message, entries: message.entries.map((e) => ({ ...e, data: new Uint8Array(e.data) })) }
          : message;
      expect(decoded.envelope).toEqual({ clusterId: 'c', from: 'n1', message: normalized });
      if (decoded.envelope.message.type === 'AppendEntries') {
        for (const e of decoded.envelope.message.entries) expect(e.data.constructor).toBe(Uint8Array);
      }
    }
  });

  it('makes every payload self-contained: a fresh decoder reads the second message of a stream', () => {
    const message = oneOfEach('n1', 'n2')[2] as Message;
    encodeEnvelope({ clusterId: 'c', from: 'n1', message });
    const second = encodeEnvelope({ clusterId: 'c', from: 'n1', message });
    const fresh = new Packr({ useRecords: true, structuredClone: false, mapsAsObjects: true });
    expect(fresh.unpack(second)).toMatchObject({ clusterId: 'c', from: 'n1', message: { type: 'AppendEntries' } });
  });

  it('round-trips arbitrary AppendEntries, including the largest safe integers', () => {
    fc.assert(
      fc.property(appendEntries, (message) => {
        const decoded = decodeEnvelope(encodeEnvelope({ clusterId: 'x', from: message.from, message }));
        expect(decoded.ok && decoded.envelope.message).toEqual(message);
      }),
    );
  });

  it.each([
    ['not msgpack', Uint8Array.of(0xc1)],
    ['not a map', plain.pack([1, 2])],
    ['no cluster id', plain.pack({ from: 'a', message: oneOfEach('a', 'b')[0] })],
    ['unknown type', plain.pack({ clusterId: 'c', from: 'a', message: { type: 'Nope', from: 'a', to: 'b', term: 1 } })],
    ['negative term', plain.pack({ clusterId: 'c', from: 'a', message: { ...oneOfEach('a', 'b')[0], term: -1 } })],
    ['missing field', plain.pack({ clusterId: 'c', from: 'a', message: { type: 'Heartbeat', from: 'a', to: 'b', term: 1 } })],
    [
      'string entry data',
      plain.pack({
        clusterId: 'c',
        from: 'a',
        message: { ...oneOfEach('a', 'b')[2], entries: [{ index: 1, term: 1, type: 1, data: 'text' }] },
      }),
    ],
    ['truncated', encodeEnvelope({ clusterId: 'c', from: 'a', message: oneOfEach('a', 'b')[2] as Message }).subarray(0, 40)],
  ])('rejects %s with a BAD_ENVELOPE error', (_name, payload) => {
    const decoded = decodeEnvelope(payload);
    expect(decoded.ok).toBe(false);
    expect(!decoded.ok && decoded.error.code).toBe('BAD_ENVELOPE');
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
