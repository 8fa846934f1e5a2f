/**
 * The behaviour every Transport shares, run against each implementation (as
 * abstract-level's suite is run by every backend): TCP, TCP under mutual TLS,
 * the in-memory transport and the simulator's network fake. Each supplies a
 * ContractNet: fresh addresses, transports built at them, and `until`, which
 * lets pending deliveries happen (in real time, or by running the simulator's
 * loop) until a condition holds.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { formatHostPort } from '../../src/config/address.js';
import type { Message, NodeId } from '../../src/raft/types.js';
import type { LinkInfo } from '../../src/transport/directory.js';
import type { TransportStats } from '../../src/transport/stats.js';
import type { PeerAddress, Transport } from '../../src/transport/transport.js';
import type { PeerTrafficSource } from '../../src/transport/traffic.js';
import { FRAME_HEADER_BYTES } from '../../src/transport/frame.js';
import { bytesOf, Inbox, numbered, oneOfEach } from './helpers.js';

export interface ContractTransport extends Transport, PeerTrafficSource {
  stats(): TransportStats;
  links(): LinkInfo[];
}

export interface CreateOptions {
  readonly learnedLinksMax?: number;
  readonly learnedIdleMs?: number;
}

export interface ContractNet {
  /** A fresh address for a transport of id (never handed out before). */
  address(id: NodeId): Promise<PeerAddress>;
  /** A transport, not started, listening at `at`, with `peers` as its members. */
  create(at: PeerAddress, peers: readonly PeerAddress[], options?: CreateOptions): ContractTransport;
  /** Lets deliveries happen until predicate holds; fails naming `what` if it never does. */
  until(predicate: () => boolean, what: string): Promise<void>;
}

export type TransportFactory = () => Promise<ContractNet>;

const BURST = 10_000;

export function transportContract(name: string, factory: TransportFactory): void {
  describe(`Transport contract: ${name}`, () => {
    const live: ContractTransport[] = [];
    afterEach(async () => {
      await Promise.all(live.splice(0).map((t) => t.stop()));
    });

    /** Builds ids, each knowing all the others; starts those in `up`; returns transports and inboxes. */
    async function cluster(ids: readonly NodeId[], up: readonly NodeId[] = ids) {
      const net = await factory();
      const addresses = new Map<NodeId, PeerAddress>();
      for (const id of ids) addresses.set(id, await net.address(id));
      const all = [...addresses.values()];
      const transports = new Map<NodeId, ContractTransport>();
      for (const at of all) transports.set(at.id, track(net.create(at, all.filter((p) => p.id !== at.id))));
      const inboxes = new Map<NodeId, Inbox>();
      for (const id of up) {
        const inbox = new Inbox();
        inboxes.set(id, inbox);
        await get(transports, id).start(inbox.handler, inbox.onDisconnected);
      }
      return {
        net,
        transport: (id: NodeId) => get(transports, id),
        inbox: (id: NodeId) => get(inboxes, id),
        address: (id: NodeId) => get(addresses, id),
        until: net.until,
      };
    }

    function track(transport: ContractTransport): ContractTransport {
      live.push(transport);
      return transport;
    }

    /** Starts transport with a fresh inbox. */
    async function started(transport: ContractTransport): Promise<Inbox> {
      const inbox = new Inbox();
      await transport.start(inbox.handler);
      return inbox;
    }

    it('delivers every message type both ways, entry data intact as bytes', async () => {
      const c = await cluster(['a', 'b']);
      const sent = [...oneOfEach('a', 'b'), ...oneOfEach('b', 'a', 4)];
      for (const message of sent) c.transport(message.from).send(message);
      const each = oneOfEach('a', 'b').length;
      await c.until(() => c.inbox('a').messages.length === each && c.inbox('b').messages.length === each, 'delivery');
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
      await c.until(() => c.inbox('b').messages.length === 2 * BURST, 'the whole burst');
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
      await c.until(() => c.inbox('b').messages.length === toB.length && c.inbox('a').messages.length === 50, 'delivery');
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
      await c.until(() => c.inbox('b').messages.length === 1, 'delivery to the live peer');
      expect(c.inbox('b').messages.map(readRound)).toEqual([7]);
    });

    it('stops cleanly: idempotent, no delivery to a stopped node, send afterwards does not throw', async () => {
      const c = await cluster(['a', 'b', 'c']);
      c.transport('a').send(numbered('a', 'b', 1));
      await c.until(() => c.inbox('b').messages.length === 1, 'first delivery');
      await c.transport('b').stop();
      await c.transport('b').stop();
      c.transport('a').send(numbered('a', 'b', 2));
      c.transport('a').send(numbered('a', 'c', 3));
      await c.until(() => c.inbox('c').messages.length === 1, 'delivery to the live peer');
      expect(c.inbox('b').messages.map(readRound)).toEqual([1]);
      await c.transport('a').stop();
      expect(() => c.transport('a').send(numbered('a', 'c', 4))).not.toThrow();
    });

    it('tells a node when the link to a peer that was up closes, not of a peer never reached', async () => {
      const c = await cluster(['a', 'b', 'c'], ['a', 'b']);
      c.transport('a').send(numbered('a', 'b', 1));
      await c.until(() => c.inbox('b').messages.length === 1, 'delivery to b');
      await c.transport('b').stop();
      await c.until(() => c.inbox('a').disconnected.includes('b'), 'a hearing that b went away');
      expect(c.inbox('a').disconnected).toEqual(['b']);
      expect(c.inbox('b').disconnected).toEqual([]);
    });

    // ------------------------------------------------------------ membership at run time

    it('setMembers before start: the links open when the transport starts', async () => {
      const net = await factory();
      const [a, b] = [await net.address('a'), await net.address('b')];
      const ta = track(net.create(a, []));
      const tb = track(net.create(b, []));
      ta.setMembers([b]);
      tb.setMembers([a, b]); // self is ignored
      const [inboxA, inboxB] = [await started(ta), await started(tb)];
      ta.send(numbered('a', 'b', 1));
      tb.send(numbered('b', 'a', 2));
      await net.until(() => inboxA.messages.length === 1 && inboxB.messages.length === 1, 'delivery both ways');
      expect([inboxB.messages.map(readRound), inboxA.messages.map(readRound)]).toEqual([[1], [2]]);
      expect(tb.links()).toEqual([{ id: 'a', address: formatHostPort(a), learned: false }]);
    });

    it('adds a member at run time; until then sends to it are dropped and counted', async () => {
      const c = await cluster(['a', 'b']);
      const at = await c.net.address('c');
      const tc = track(c.net.create(at, [c.address('a')]));
      const inboxC = await started(tc);
      const dropped = c.transport('a').stats().dropped;
      c.transport('a').send(numbered('a', 'c', 0));
      expect(c.transport('a').stats().dropped).toBe(dropped + 1);
      c.transport('a').setMembers([c.address('b'), at]);
      for (let n = 1; n <= 3; n++) c.transport('a').send(numbered('a', 'c', n));
      tc.send(numbered('c', 'a', 4));
      c.transport('a').send(numbered('a', 'b', 5));
      await c.until(() => inboxC.messages.length === 3 && c.inbox('a').messages.length === 1 && c.inbox('b').messages.length === 1, 'delivery');
      expect(inboxC.messages.map(readRound)).toEqual([1, 2, 3]);
      expect(c.inbox('a').messages.map(readRound)).toEqual([4]);
      expect(c.transport('a').links().find((l) => l.id === 'c')).toEqual({ id: 'c', address: formatHostPort(at), learned: false });
    });

    it('setMembers with an unchanged list keeps every link and what is queued on it', async () => {
      const c = await cluster(['a', 'b', 'c']);
      for (let n = 0; n < 100; n++) c.transport('a').send(numbered('a', 'b', n));
      c.transport('a').setMembers([c.address('b'), c.address('c')]);
      c.transport('a').setMembers([c.address('c'), c.address('b')]);
      for (let n = 100; n < 200; n++) c.transport('a').send(numbered('a', 'b', n));
      await c.until(() => c.inbox('b').messages.length === 200, 'all 200 messages');
      expect(c.inbox('b').messages.map(readRound)).toEqual(Array.from({ length: 200 }, (_, n) => n));
      expect(c.transport('a').stats().dropped).toBe(0);
    });

    it('a member dropped from the list loses its link: sends to it are dropped and counted', async () => {
      const c = await cluster(['a', 'b', 'c']);
      c.transport('a').setMembers([c.address('b')]);
      expect(c.transport('a').links().map((l) => l.id)).toEqual(['b']);
      const dropped = c.transport('a').stats().dropped;
      c.transport('a').send(numbered('a', 'c', 1));
      c.transport('a').send(numbered('a', 'b', 2));
      expect(c.transport('a').stats().dropped).toBe(dropped + 1);
      await c.until(() => c.inbox('b').messages.length === 1, 'delivery to the remaining member');
      c.transport('b').send(numbered('b', 'c', 3)); // b -> c is on a link that still exists: c is still up
      await c.until(() => c.inbox('c').messages.length === 1, 'the barrier on another link');
      expect(c.inbox('c').messages.map((m) => m.from)).toEqual(['b']);
    });

    it('a removed member: sends to it dropped, its frames refused, never linked even if listed; setRemoved replaces the set', async () => {
      const c = await cluster(['a', 'b', 'c']);
      const a = c.transport('a');
      a.setRemoved(['c']);
      a.setMembers([c.address('b'), c.address('c')]); // still listed, but removed: no link
      expect(a.links().map((l) => l.id)).toEqual(['b']);
      const before = a.stats();
      a.send(numbered('a', 'c', 1));
      expect(a.stats().dropped).toBe(before.dropped + 1);
      c.transport('c').send(numbered('c', 'a', 2));
      await c.until(() => a.stats().refused > before.refused, "the refusal of c's frame");
      c.transport('b').send(numbered('b', 'a', 3));
      await c.until(() => c.inbox('a').messages.length === 1, 'delivery from a member');
      expect(c.inbox('a').messages.map((m) => m.from)).toEqual(['b']);
      expect(a.stats().received).toBe(before.received + 1);
      // A removal undone (an uncommitted configuration entry overwritten): c is a member again.
      a.setRemoved([]);
      expect(a.links().map((l) => l.id).sort()).toEqual(['b', 'c']);
      a.send(numbered('a', 'c', 4));
      await c.until(() => c.inbox('c').messages.length === 1, 'delivery to the member no longer removed');
      expect(c.inbox('c').messages.map(readRound)).toEqual([4]);
      c.transport('c').send(numbered('c', 'a', 5));
      await c.until(() => c.inbox('a').messages.length === 2, "c's frames accepted again");
    });

    it('answers a sender it does not know at the address the sender advertises', async () => {
      const net = await factory();
      const [a, b] = [await net.address('a'), await net.address('b')];
      const ta = track(net.create(a, [b]));
      const tb = track(net.create(b, [])); // b has not heard of a yet (a joined while b was cut off)
      const [inboxA, inboxB] = [await started(ta), await started(tb)];
      const dropped = tb.stats().dropped;
      tb.send(numbered('b', 'a', 0));
      expect(tb.stats().dropped).toBe(dropped + 1);
      ta.send(numbered('a', 'b', 1));
      await net.until(() => inboxB.messages.length === 1, 'delivery from the unknown sender');
      expect(tb.stats().refused).toBe(0);
      expect(tb.links()).toEqual([{ id: 'a', address: formatHostPort(a), learned: true }]);
      tb.send(numbered('b', 'a', 2));
      await net.until(() => inboxA.messages.length === 1, 'the answer, on the learned link');
      expect(inboxA.messages.map(readRound)).toEqual([2]);
      // setMembers drops learned links it does not list; the next frame teaches the address again.
      tb.setMembers([]);
      expect(tb.links()).toEqual([]);
      tb.send(numbered('b', 'a', 3));
      expect(tb.stats().dropped).toBe(dropped + 2);
      ta.send(numbered('a', 'b', 4));
      await net.until(() => inboxB.messages.length === 2, 'the second frame');
      tb.send(numbered('b', 'a', 5));
      await net.until(() => inboxA.messages.length === 2, 'the second answer');
      expect(inboxA.messages.map(readRound)).toEqual([2, 5]);
      // Listed as a member (same address): the learned link becomes a member's link, nothing re-dialled.
      tb.setMembers([a]);
      expect(tb.links()).toEqual([{ id: 'a', address: formatHostPort(a), learned: false }]);
    });

    it('bounds the learned links, and closes those not heard from for a while', async () => {
      const net = await factory();
      const b = await net.address('b');
      const tb = track(net.create(b, [], { learnedLinksMax: 2, learnedIdleMs: 500 }));
      const inboxB = await started(tb);
      const senders = [];
      for (const id of ['s1', 's2', 's3']) {
        const transport = track(net.create(await net.address(id), [b]));
        await started(transport);
        senders.push(transport);
      }
      for (const [n, sender] of senders.entries()) sender.send(numbered(`s${n + 1}`, 'b', n));
      await net.until(() => inboxB.messages.length === 3, 'all three frames, accepted');
      const learned = tb.links().filter((l) => l.learned).map((l) => l.id);
      expect(learned).toHaveLength(2);
      const unanswered = ['s1', 's2', 's3'].find((id) => !learned.includes(id))!;
      const dropped = tb.stats().dropped;
      tb.send(numbered('b', unanswered, 9));
      expect(tb.stats().dropped).toBe(dropped + 1);
      await net.until(() => tb.links().length === 0, 'the idle learned links to close');
      const traffic = tb.peerTraffic();
      expect(learned.filter((id) => traffic.has(id))).toEqual([]); // forgotten with their links
    });

    it('a member re-added at a new address is reached there, not at the old one', async () => {
      const c = await cluster(['a', 'b']);
      c.transport('a').send(numbered('a', 'b', 1));
      await c.until(() => c.inbox('b').messages.length === 1, 'delivery at the first address');
      await c.transport('b').stop(); // b moves to another machine
      const moved = await c.net.address('b');
      const tb2 = track(c.net.create(moved, [c.address('a')]));
      const inbox2 = await started(tb2);
      c.transport('a').setMembers([moved]);
      expect(c.transport('a').links()).toEqual([{ id: 'b', address: formatHostPort(moved), learned: false }]);
      c.transport('a').send(numbered('a', 'b', 2));
      tb2.send(numbered('b', 'a', 3));
      await c.until(() => inbox2.messages.length === 1 && c.inbox('a').messages.length === 1, 'delivery at the new address');
      expect(inbox2.messages.map(readRound)).toEqual([2]);
      expect(c.inbox('b').messages.map(readRound)).toEqual([1]);
    });

    it('setMembers and setRemoved after stop do nothing and do not throw', async () => {
      const c = await cluster(['a', 'b']);
      await c.transport('a').stop();
      expect(() => c.transport('a').setMembers([c.address('b')])).not.toThrow();
      expect(() => c.transport('a').setRemoved(['b'])).not.toThrow();
      expect(c.transport('a').links()).toEqual([]);
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
