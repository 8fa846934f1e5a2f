/**
 * The flight recorder keeps the last N events, and never more payload bytes
 * than its budget: a burst of large replies pushes the oldest events out
 * instead of pinning their values.
 */
import { describe, expect, it } from 'vitest';
import type { BusEvent } from '../../src/bus/events.js';
import { FlightRecorder, payloadBytes } from '../../src/trace/flight-recorder.js';

const start = { node: 'n1', pid: 1, seed: 1, startMs: 0, config: {} as never, restored: {} as never };
const tick: BusEvent = { type: 'timer.tick' };
const reply = (bytes: number): BusEvent => ({ type: 'client.reply', conn: 1, seq: 0, reply: { type: 'bulk', value: new Uint8Array(bytes) } });

describe('FlightRecorder', () => {
  it('keeps the last `capacity` events, oldest first', () => {
    const recorder = new FlightRecorder({ start, capacity: 3, now: () => 0 });
    for (let seq = 1; seq <= 5; seq++) recorder.record(tick, seq);
    expect(recorder.size()).toBe(3);
    expect(recorder.records().map((r) => r.seq)).toEqual([3, 4, 5]);
  });

  it('drops the oldest events when their payloads pass the byte budget', () => {
    const recorder = new FlightRecorder({ start, capacity: 100, bytesMax: 3_000, now: () => 0 });
    recorder.record(tick, 1);
    for (let seq = 2; seq <= 6; seq++) recorder.record(reply(1_000), seq);
    // 5,000 bytes of replies do not fit in 3,000: only the last three replies stay.
    expect(recorder.records().map((r) => r.seq)).toEqual([4, 5, 6]);
    recorder.record(tick, 7);
    expect(recorder.records().map((r) => r.seq)).toEqual([4, 5, 6, 7]);
    // One event larger than the whole budget is kept alone.
    recorder.record(reply(10_000), 8);
    expect(recorder.records().map((r) => r.seq)).toEqual([8]);
  });

  it('measures the events that carry values', () => {
    expect(payloadBytes(reply(42))).toBe(42);
    expect(payloadBytes(tick)).toBe(0);
    const write: BusEvent = { type: 'client.request', conn: 1, seq: 0, request: { kind: 'write', command: { op: 'set', key: new Uint8Array(3), value: new Uint8Array(100) } } };
    expect(payloadBytes(write)).toBe(103);
    const append: BusEvent = {
      type: 'net.send',
      messages: [{ type: 'AppendEntries', from: 'a', to: 'b', term: 1, prevLogIndex: 0, prevLogTerm: 0, leaderCommit: 0, entries: [{ index: 1, term: 1, type: 1, data: new Uint8Array(7) }] }],
    };
    expect(payloadBytes(append)).toBe(7);
  });
});
