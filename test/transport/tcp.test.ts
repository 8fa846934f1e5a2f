/** TCP-only behaviour: reconnects, refusal of foreign frames, junk, queue bounds. */
import fc from 'fast-check';
import net from 'node:net';
import { Packr } from 'msgpackr';
import { afterEach, describe, expect, it } from 'vitest';
import type { Message, NodeId } from '../../src/raft/types.js';
import { encodeEnvelope } from '../../src/transport/codec.js';
import { encodeFrame } from '../../src/transport/frame.js';
import { TcpTransport, type TcpTransportOptions } from '../../src/transport/tcp.js';
import type { PeerAddress } from '../../src/transport/transport.js';
import { freePorts, Inbox, memoryLogger, numbered, oneOfEach, waitFor, WARN, type LogLine } from './helpers.js';

const CLUSTER = 'tcp-test';
const live: TcpTransport[] = [];
afterEach(async () => {
  await Promise.all(live.splice(0).map((t) => t.stop()));
});

interface Node {
  readonly transport: TcpTransport;
  readonly inbox: Inbox;
  readonly logs: LogLine[];
  readonly address: PeerAddress;
}

type Limits = { frameBytesMax: number; peerQueueMessagesMax: number; peerQueueBytesMax: number };
const LIMITS: Limits = { frameBytesMax: 1 << 20, peerQueueMessagesMax: 1_000, peerQueueBytesMax: 1 << 26 };

function makeNode(address: PeerAddress, all: readonly PeerAddress[], limits: Limits = LIMITS, extra: Partial<TcpTransportOptions> = {}): Node {
  const { logger, lines } = memoryLogger();
  const transport = new TcpTransport({
    ...extra,
    self: address.id,
    clusterId: CLUSTER,
    listen: { host: address.host, port: address.port },
    peers: all.filter((p) => p.id !== address.id),
    limits,
    logger,
    random: () => 0,
    now: () => 0,
  });
  live.push(transport);
  return { transport, inbox: new Inbox(), logs: lines, address };
}

/** Addresses for ids on free loopback ports; started nodes for those in `up`. */
async function cluster(ids: readonly NodeId[], up: readonly NodeId[] = ids, limits?: Limits, extra?: Partial<TcpTransportOptions>) {
  const ports = await freePorts(ids.length);
  const all = ids.map((id, i) => ({ id, host: '127.0.0.1', port: ports[i] ?? 0 }));
  const nodes = new Map<NodeId, Node>();
  for (const address of all.filter((a) => up.includes(a.id))) {
    const node = makeNode(address, all, limits, extra);
    await node.transport.start(node.inbox.handler);
    nodes.set(address.id, node);
  }
  const node = (id: NodeId): Node => nodes.get(id) ?? expect.fail(`node ${id} not up`);
  return { all, node, nodes };
}

/** A raw client socket to port; resolves once connected. */
async function rawSocket(port: number): Promise<net.Socket> {
  const socket = net.connect({ host: '127.0.0.1', port });
  socket.on('error', () => {}); // resets are expected when the transport refuses us
  await new Promise((resolve) => socket.once('connect', resolve));
  return socket;
}

function closed(socket: net.Socket): Promise<void> {
  return socket.closed ? Promise.resolve() : new Promise((resolve) => socket.once('close', () => resolve()));
}

function frameOf(clusterId: string, from: NodeId, message: Message, listen = '127.0.0.1:9'): Buffer {
  return encodeFrame(encodeEnvelope({ clusterId, from, listen, message }));
}

function refusals(logs: readonly LogLine[], reason: string): LogLine[] {
  return logs.filter((l) => l.level === WARN && typeof l['reason'] === 'string' && l['reason'].includes(reason));
}

describe('TcpTransport', () => {
  it('reconnects to a peer restarted on the same port and delivers what was queued meanwhile', async () => {
    const c = await cluster(['a', 'b']);
    c.node('a').transport.send(numbered('a', 'b', 1));
    await waitFor(() => c.node('b').inbox.messages.length === 1, 'first delivery');
    await c.node('b').transport.stop();
    await waitFor(() => c.node('a').logs.some((l) => l.msg === 'lost connection to peer'), 'a to notice');
    c.node('a').transport.send(numbered('a', 'b', 2));
    const b2 = makeNode(c.node('b').address, c.all);
    await b2.transport.start(b2.inbox.handler);
    await waitFor(() => b2.inbox.messages.length === 1, 'delivery after restart');
    expect(b2.inbox.messages).toEqual([numbered('a', 'b', 2)]);
    expect(c.node('a').transport.stats().reconnects).toBe(1);
  });

  it('redials a peer at once when that peer dials in, instead of waiting out its backoff', async () => {
    // A backoff of a minute: only the peer's own connection can make a redial happen within the test.
    const slow = { backoff: { baseMs: 60_000, capMs: 60_000 } };
    const c = await cluster(['a', 'b'], ['a'], LIMITS, slow);
    await waitFor(() => c.node('a').logs.some((l) => l.msg === 'peer connection error' && l['peer'] === 'b'), "a's first dial to b refused");
    const b = makeNode(c.all[1]!, c.all, LIMITS, slow);
    await b.transport.start(b.inbox.handler);
    b.transport.send(numbered('b', 'a', 1));
    await waitFor(() => c.node('a').inbox.messages.length === 1, 'b reaching a');
    c.node('a').transport.send(numbered('a', 'b', 2));
    await waitFor(() => b.inbox.messages.length === 1, 'a answering b over a new connection');
    expect(b.inbox.messages).toEqual([numbered('a', 'b', 2)]);
  });

  it('refuses a frame with the wrong cluster id, logs why, and keeps serving real peers', async () => {
    const c = await cluster(['a', 'b']);
    const a = c.node('a');
    const raw = await rawSocket(a.address.port);
    raw.write(frameOf('other-cluster', 'b', numbered('b', 'a', 66)));
    await closed(raw);
    const [line] = refusals(a.logs, 'wrong cluster id');
    expect(line).toMatchObject({ clusterId: 'other-cluster', expected: CLUSTER });
    expect(line?.['remote']).toMatch(/^127\.0\.0\.1:\d+$/);
    c.node('b').transport.send(numbered('b', 'a', 7));
    await waitFor(() => a.inbox.messages.length === 1, 'delivery from the real peer');
    expect(a.inbox.messages).toEqual([numbered('b', 'a', 7)]);
    expect(a.transport.stats()).toMatchObject({ refused: 1, received: 1 });
  });

  it.each([
    ['sender is this node', 'a', numbered('a', 'a', 1)],
    ['message.from differs', 'b', numbered('c', 'a', 1)],
    ['not addressed to this node', 'b', numbered('b', 'c', 1)],
    ['listen is not a host:port', 'b', numbered('b', 'a', 1), 'b.example:0'],
  ])('refuses a frame whose %s', async (reason, sender, message, listen?: string) => {
    const c = await cluster(['a', 'b', 'c'], ['a']);
    const raw = await rawSocket(c.node('a').address.port);
    raw.write(frameOf(CLUSTER, sender, message, listen));
    await closed(raw);
    expect(refusals(c.node('a').logs, reason)).toHaveLength(1);
    expect(c.node('a').inbox.messages).toEqual([]);
    expect(c.node('a').transport.stats().refused).toBe(1);
  });

  it('refuses frames from a removed member, logs why, and closes its open connections when it is removed', async () => {
    const c = await cluster(['a', 'b', 'c']);
    const [a, b] = [c.node('a'), c.node('b')];
    b.transport.send(numbered('b', 'a', 1));
    await waitFor(() => a.inbox.messages.length === 1, 'delivery before the removal');
    a.transport.setRemoved(['b']);
    await waitFor(() => b.logs.some((l) => l.msg === 'lost connection to peer'), "b's connection to a closed by a");
    const raw = await rawSocket(a.address.port);
    raw.write(frameOf(CLUSTER, 'b', numbered('b', 'a', 2)));
    await closed(raw);
    expect(refusals(a.logs, 'removed member')[0]).toMatchObject({ from: 'b' });
    expect(a.inbox.messages).toHaveLength(1);
    expect(a.transport.queued('b')).toBe(0);
    expect(a.logs.some((l) => l.msg === 'closed link to peer' && l['peer'] === 'b' && l['reason'] === 'removed')).toBe(true);
    c.node('c').transport.send(numbered('c', 'a', 3));
    await waitFor(() => a.inbox.messages.length === 2, 'a member still delivers');
  });

  it('accepts frames from senders it does not know, answers at most learnedLinksMax of them, and says so', async () => {
    const listener = await freePorts(2);
    const c = await cluster(['a'], ['a'], undefined, { learnedLinksMax: 1 });
    const a = c.node('a');
    for (const [i, id] of ['x1', 'x2'].entries()) {
      const raw = await rawSocket(a.address.port);
      raw.write(frameOf(CLUSTER, id, numbered(id, 'a', i), `127.0.0.1:${listener[i]}`));
      await waitFor(() => a.inbox.messages.length === i + 1, `the frame from ${id}`);
      raw.destroy();
    }
    expect(a.transport.links()).toEqual([{ id: 'x1', address: `127.0.0.1:${listener[0]}`, learned: true }]);
    expect(a.logs.some((l) => l.level === WARN && l.msg.includes('learned links are full') && l['from'] === 'x2')).toBe(true);
    expect(a.transport.stats()).toMatchObject({ received: 2, refused: 0 });
  });

  it('closes only the connection that declared an oversized frame', async () => {
    const c = await cluster(['a', 'b'], ['a'], { frameBytesMax: 1024, peerQueueMessagesMax: 10, peerQueueBytesMax: 1 << 26 });
    const port = c.node('a').address.port;
    const good = await rawSocket(port);
    const bad = await rawSocket(port);
    bad.write(Uint8Array.of(0x7f, 0xff, 0xff, 0xff));
    await closed(bad);
    expect(refusals(c.node('a').logs, 'exceeds frameBytesMax')).toHaveLength(1);
    good.write(frameOf(CLUSTER, 'b', numbered('b', 'a', 5)));
    await waitFor(() => c.node('a').inbox.messages.length === 1, 'delivery on the other connection');
    expect(good.closed).toBe(false);
    good.destroy();
  });

  it('survives random junk on inbound connections', async () => {
    const c = await cluster(['a', 'b']);
    const port = c.node('a').address.port;
    const plain = new Packr({ useRecords: false });
    const junk = fc.oneof(
      fc.uint8Array({ minLength: 1, maxLength: 300 }),
      fc.uint8Array({ maxLength: 300 }).map((bytes) => encodeFrame(bytes)),
      fc.jsonValue().map((value) => encodeFrame(plain.pack({ clusterId: CLUSTER, from: 'b', listen: '127.0.0.1:9', message: value }))),
    );
    await fc.assert(
      fc.asyncProperty(junk, async (bytes) => {
        const raw = await rawSocket(port);
        raw.end(bytes);
        await closed(raw);
      }),
      { numRuns: 60 },
    );
    c.node('b').transport.send(numbered('b', 'a', 9));
    await waitFor(() => c.node('a').inbox.messages.length === 1, 'delivery after the junk');
    expect(c.node('a').transport.stats().received).toBe(1);
    expect(c.node('a').transport.stats().refused).toBeGreaterThan(0);
  });

  it('bounds the queue for a dead peer, counts drops and warns once per interval', async () => {
    const limits = { frameBytesMax: 1 << 20, peerQueueMessagesMax: 100, peerQueueBytesMax: 1 << 26 };
    const c = await cluster(['a', 'dead'], ['a'], limits);
    const a = c.node('a');
    for (let n = 0; n < 2 * limits.peerQueueMessagesMax; n++) a.transport.send(numbered('a', 'dead', n));
    expect(a.transport.queued('dead')).toBe(limits.peerQueueMessagesMax);
    expect(a.transport.stats()).toMatchObject({ sent: 0, dropped: limits.peerQueueMessagesMax });
    // now() is frozen at 0, so the one-per-second rate limit allows exactly one warning.
    expect(a.logs.filter((l) => l.msg.includes('dropping messages'))).toHaveLength(1);
  });

  it('bounds the bytes queued for a dead peer, however few the messages', async () => {
    const limits = { frameBytesMax: 1 << 20, peerQueueMessagesMax: 1000, peerQueueBytesMax: 100_000 };
    const c = await cluster(['a', 'dead'], ['a'], limits);
    const a = c.node('a');
    const entries = [{ index: 1, term: 1, type: 1 as const, data: new Uint8Array(30_000) }];
    const append: Message = { type: 'AppendEntries', from: 'a', to: 'dead', term: 1, prevLogIndex: 0, prevLogTerm: 0, entries, leaderCommit: 0 };
    for (let n = 0; n < 10; n++) a.transport.send(append);
    expect(a.transport.queued('dead')).toBe(3); // 3 x ~30 KB fit in 100,000 bytes, a fourth does not
    expect(a.transport.stats().dropped).toBe(7);
  });

  it('drops (and logs) a message larger than frameBytesMax instead of sending it', async () => {
    const c = await cluster(['a', 'b'], ['a', 'b'], { frameBytesMax: 256, peerQueueMessagesMax: 10, peerQueueBytesMax: 1 << 26 });
    const big = oneOfEach('a', 'b')[2] as Message;
    c.node('a').transport.send(big);
    c.node('a').transport.send(numbered('a', 'b', 1));
    await waitFor(() => c.node('b').inbox.messages.length === 1, 'the small message');
    expect(c.node('b').inbox.messages).toEqual([numbered('a', 'b', 1)]);
    expect(c.node('a').transport.stats()).toMatchObject({ dropped: 1, sent: 1 });
    expect(c.node('a').logs.some((l) => l.msg.includes('exceeds frameBytesMax'))).toBe(true);
  });

  it('rejects a peer list that includes the node itself', () => {
    const { logger } = memoryLogger();
    const self = { id: 'a', host: '127.0.0.1', port: 1 };
    expect(() => new TcpTransport({ self: 'a', clusterId: CLUSTER, listen: self, peers: [self], limits: LIMITS, logger })).toThrow(
      /self/,
    );
  });
});
