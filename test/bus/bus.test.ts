import { describe, expect, it } from 'vitest';
import { MessageBus, synchronousScheduler } from '../../src/bus/bus.js';
import { isInput, type BusEvent } from '../../src/bus/events.js';

describe('MessageBus', () => {
  it('delivers in FIFO order and finishes one event before starting the next (no nested dispatch)', () => {
    const bus = new MessageBus(synchronousScheduler);
    const log: string[] = [];
    bus.on('timer.tick', () => {
      log.push('tick:start');
      bus.publish({ type: 'raft.ready' });
      bus.publish({ type: 'raft.read', id: 1 });
      log.push('tick:end');
    });
    bus.on('raft.ready', () => log.push('ready'));
    bus.on('raft.read', (e) => log.push(`read:${e.id}`));
    bus.publish({ type: 'timer.tick' });
    expect(log).toEqual(['tick:start', 'tick:end', 'ready', 'read:1']);
  });

  it('passes every delivered event through the taps, with a sequence number, before any handler', () => {
    const bus = new MessageBus(synchronousScheduler);
    const seen: Array<[number, string]> = [];
    bus.tap((event, seq) => seen.push([seq, event.type]));
    bus.on('timer.tick', () => {
      seen.push([0, 'handler']);
      bus.publish({ type: 'raft.ready' });
    });
    bus.publish({ type: 'timer.tick' });
    expect(seen).toEqual([
      [1, 'timer.tick'],
      [0, 'handler'],
      [2, 'raft.ready'],
    ]);
    expect(bus.deliveredCount()).toBe(2);
  });

  it('queues events published from outside until the scheduler drains them', () => {
    const drains: Array<() => void> = [];
    const bus = new MessageBus((drain) => drains.push(drain));
    const got: number[] = [];
    bus.on('raft.read', (e) => got.push(e.id));
    bus.publish({ type: 'raft.read', id: 1 });
    bus.publish({ type: 'raft.read', id: 2 });
    expect(got).toEqual([]);
    expect(drains).toHaveLength(1); // one drain scheduled for the whole batch
    drains[0]!();
    expect(got).toEqual([1, 2]);
  });

  it('can be stepped one event at a time, and an input delivered ahead of the queue', () => {
    const bus = new MessageBus(() => {});
    const got: string[] = [];
    bus.on('raft.read', (e) => got.push(`read:${e.id}`));
    bus.on('timer.tick', () => got.push('tick'));
    bus.publish({ type: 'raft.read', id: 1 });
    bus.publish({ type: 'raft.read', id: 2 });
    expect(bus.step()?.type).toBe('raft.read');
    bus.deliverNow({ type: 'timer.tick' });
    expect(bus.pending()).toBe(1);
    bus.step();
    expect(bus.step()).toBeUndefined();
    expect(got).toEqual(['read:1', 'tick', 'read:2']);
  });

  it('a handler that stops listening is not called again', () => {
    const bus = new MessageBus(synchronousScheduler);
    let calls = 0;
    const off = bus.on('timer.tick', () => calls++);
    bus.publish({ type: 'timer.tick' });
    off();
    bus.publish({ type: 'timer.tick' });
    expect(calls).toBe(1);
  });

  it('classifies inputs: what enters a node from outside, which replay feeds back in', () => {
    const inputs: BusEvent[] = [
      { type: 'timer.tick' },
      { type: 'storage.persisted', seq: 1 },
      { type: 'client.closed', conn: 1 },
    ];
    const outputs: BusEvent[] = [{ type: 'raft.ready' }, { type: 'net.send', messages: [] }, { type: 'raft.read', id: 1 }];
    expect(inputs.map(isInput)).toEqual([true, true, true]);
    expect(outputs.map(isInput)).toEqual([false, false, false]);
  });
});
