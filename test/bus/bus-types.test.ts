/**
 * What must not compile, pinned with @ts-expect-error (as mitt's own
 * test-types-compilation.ts does): `npm run typecheck` fails as soon as any
 * of these lines starts compiling. The function is never called.
 */
import { describe, expect, it } from 'vitest';
import { MessageBus, synchronousScheduler } from '../../src/bus/bus.js';

export function mustNotCompile(bus: MessageBus): void {
  // @ts-expect-error -- a persisted event has no `id`
  bus.on('storage.persisted', (event) => event.id);
  // @ts-expect-error -- unknown event types cannot be subscribed to
  bus.on('storage.nonsense', () => {});
  // @ts-expect-error -- a payload must match its type
  bus.publish({ type: 'storage.persisted', seq: 'one' });
  // @ts-expect-error -- a payload must carry its fields
  bus.publish({ type: 'raft.read' });
}

describe('bus typing', () => {
  it('handlers receive the payload of the event type they subscribe to', () => {
    const bus = new MessageBus(synchronousScheduler);
    const seqs: number[] = [];
    bus.on('storage.persisted', (event) => seqs.push(event.seq));
    bus.on('raft.read', (event) => seqs.push(-event.id));
    bus.publish({ type: 'storage.persisted', seq: 3 });
    bus.publish({ type: 'raft.read', id: 4 });
    expect(seqs).toEqual([3, -4]);
  });
});
