/**
 * The behaviour every Transport shares, run against each implementation (as
 * abstract-level's suite is run by every backend). The factory builds one
 * cluster's transports, not yet started, each knowing all the others.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Message, NodeId } from '../../src/raft/types.js';
import type { Transport } from '../../src/transport/transport.js';
import type { PeerTrafficSource } from '../../src/transport/traffic.js';
import { FRAME_HEADER_BYTES } from '../../src/transport/frame.js';
import { bytesOf, Inbox, numbered, oneOfEach, waitFor } from './helpers.js';

export type TransportFactory = (ids: readonly NodeId[]) => Promise<ReadonlyMap<NodeId, Transport & PeerTrafficSource>>;

const BURST = 10_000;

export function transportContract(name: string, factory: TransportFactory): void {
  describe(`Transport contract: ${name}`, () => {
    const live: (Transport & PeerTrafficSource)[] = [];
    afterEach(async () => {
      await Promise.all(live.splice(0).map((t) => t.stop()));
    });

    /** Builds ids, starts those in `up`, returns transports and inboxes. */
    async function cluster(ids: readonly NodeId[], up: readonly NodeId[] = ids) {
      const transports = await factory(ids);
      live.push(...transports.values());
      const inboxes = new Map<NodeId, Inbox>();
      for (const id of up) {
        const inbox = new Inbox();
        inboxes.set(id, inbox);
        await get(transports, id).start(inbox.handler);
      }
      return { transport: (id: NodeId) => get(transports, id), inbox: (id: NodeId) => get(inboxes, id) };
    }

    it('delivers every message type both ways, entry data intact as bytes', async () => {
      const c = await cluster(['a', 'b']);
      const sent = [...oneOfEach('a', 'b'), ...oneOfEach('b', 'a', 4)];
      for (const message of sent) c.transport(message.from).send(message);
      const each = oneOfEach('a', 'b').length;
      await waitFor(() => c.inbox('a').messages.length === each && c.inbox('b').messages.length === each, 'delivery');
      const received = [...c.inbox('b').messages, ...c.inbox('a').messages];
      expect(received.map(withoutData)).toEqual(sent.map(withoutData));
      expect(received.map(bytesOf)).toEqual(sent.map(bytesOf));
      const append = received.find((m) => m.type === 'AppendEntries');
      expect(append?.type === 'AppendEntries' && append.entries.every((e) => e.data instanceof Uint8Array)).toBe(true);
    });

    it(`keeps FIFO order per link for a burst of ${BURST} messages from two senders`, async () => {
      const c = await cluster(['a', 'b', 'c']);
      for (let n = 0; n < BURST; n++) {
        c.transport('a').send(numbered('a', 'b', n));
        c.transport('c').send(numbered('c', 'b', n));
      }
      await waitFor(() => c.inbox('b').messages.length === 2 * BURST, 'the whole burst');
      for (const from of ['a', 'c']) {
        const rounds = c.inbox('b').messages.filter((m) => m.from === from).map(readRound);
        expect(rounds).toEqual(Array.from({ length: BURST }, (_, n) => n));
      }
    });

    it('counts the frames and bytes each link carried, the same on both ends', async () => {
      const c = await cluster(['a', 'b', 'c']);
      const toB = oneOfEach('a', 'b');
      for (const message of toB) c.transport('a').send(message);
      for (let n = 0; n < 50; n++) c.transport('b').send(numbered('b', 'a', n));
      await waitFor(() => c.inbox('b').messages.length === toB.length && c.inbox('a').messages.length === 50, 'delivery');
      const aToB = c.transport('a').peerTraffic().get('b')!;
      const bFromA = c.transport('b').peerTraffic().get('a');
      expect(aToB.framesSent).toBe(toB.length);
      expect(aToB.bytesSent).toBeGreaterThan(toB.length * FRAME_HEADER_BYTES);
      expect({ frames: bFromA?.framesReceived, bytes: bFromA?.bytesReceived }).toEqual({ frames: aToB.framesSent, bytes: aToB.bytesSent });
      const bToA = c.transport('b').peerTraffic().get('a');
      const aFromB = c.transport('a').peerTraffic().get('b');
      expect(bToA?.framesSent).toBe(50);
      expect({ frames: aFromB?.framesReceived, bytes: aFromB?.bytesReceived }).toEqual({ frames: 50, bytes: bToA!.bytesSent });
      // Nothing went to or came from c.
      const aAndC = c.transport('a').peerTraffic().get('c') ?? { framesSent: 0, bytesSent: 0, framesReceived: 0, bytesReceived: 0 };
      expect(aAndC).toEqual({ framesSent: 0, bytesSent: 0, framesReceived: 0, bytesReceived: 0 });
    });

    it('send to a peer that is down does not throw, and other links keep working', async () => {
      const c = await cluster(['a', 'b', 'c'], ['a', 'b']);
      for (let n = 0; n < 100; n++) expect(() => c.transport('a').send(numbered('a', 'c', n))).not.toThrow();
      c.transport('a').send(numbered('a', 'b', 7));
      await waitFor(() => c.inbox('b').messages.length === 1, 'delivery to the live peer');
      expect(c.inbox('b').messages.map(readRound)).toEqual([7]);
    });

    it('stops cleanly: idempotent, no delivery to a stopped node, send afterwards does not throw', async () => {
      const c = await cluster(['a', 'b', 'c']);
      c.transport('a').send(numbered('a', 'b', 1));
      await waitFor(() => c.inbox('b').messages.length === 1, 'first delivery');
      await c.transport('b').stop();
      await c.transport('b').stop();
      c.transport('a').send(numbered('a', 'b', 2));
      c.transport('a').send(numbered('a', 'c', 3));
      await waitFor(() => c.inbox('c').messages.length === 1, 'delivery to the live peer');
      expect(c.inbox('b').messages.map(readRound)).toEqual([1]);
      await c.transport('a').stop();
      expect(() => c.transport('a').send(numbered('a', 'c', 4))).not.toThrow();
    });
  });
}

function get<K, V>(map: ReadonlyMap<K, V>, key: K): V {
  const value = map.get(key);
  if (value === undefined) throw new Error(`no entry for ${String(key)}`);
  return value;
}

function readRound(message: Message): number {
  if (message.type !== 'Heartbeat') throw new Error(`expected a Heartbeat, got ${message.type}`);
  return message.readRound;
}

/** The message with entry data removed (compared apart, by content). */
function withoutData(message: Message): unknown {
  if (message.type !== 'AppendEntries') return message;
  return { ...message, entries: message.entries.map(({ data: _data, ...rest }) => rest) };
}
