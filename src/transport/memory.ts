/**
 * An in-process network for tests: a hub that delivers messages between
 * MemoryTransports asynchronously, FIFO per link, with hooks to cut links.
 *
 * Every message goes through the wire codec on send, so a test that builds a
 * message the real transport could not carry (a function, a Map, a bigint,
 * a missing field) fails at the send() that built it.
 */
import type { Message, NodeId } from '../raft/types.js';
import { assert } from '../util/assert.js';
import { decodeEnvelope, encodeEnvelope, type WireEnvelope } from './codec.js';
import { FRAME_HEADER_BYTES } from './frame.js';
import { emptyStats, type TransportStats } from './stats.js';
import { PeerTrafficCounters, type PeerTraffic, type PeerTrafficSource } from './traffic.js';
import type { Transport } from './transport.js';
import { oncePerTurn } from '../util/once-per-turn.js';

interface Endpoint {
  readonly clusterId: string;
  /** frameBytes: what the frame would take on the TCP wire, length prefix included. */
  receive(message: Message, frameBytes: number): void;
  refuse(): void;
}

interface InFlight {
  readonly to: NodeId;
  readonly envelope: WireEnvelope;
  readonly frameBytes: number;
}

export class MemoryNetwork {
  private readonly endpoints = new Map<NodeId, Endpoint>();
  private readonly blocked = new Set<string>();
  private readonly inFlightPerLink = new Map<string, number>();
  private pending: InFlight[] = [];
  // setImmediate, not a microtask: two nodes answering each other forever must
  // still let timers and I/O run between rounds.
  private readonly scheduleFlush = oncePerTurn(() => this.flush());

  /** Cuts both directions between a and b until heal(); in-flight messages are lost too. */
  partition(a: NodeId, b: NodeId): void {
    this.block(a, b);
    this.block(b, a);
  }

  /** Cuts one direction only: from can no longer reach to. */
  block(from: NodeId, to: NodeId): void {
    this.blocked.add(linkKey(from, to));
  }

  /** Cuts every link to and from id (other than links added later by new nodes). */
  isolate(id: NodeId): void {
    for (const other of this.endpoints.keys()) if (other !== id) this.partition(id, other);
  }

  heal(): void {
    this.blocked.clear();
  }

  /** Messages sent and not yet delivered or lost, on one link. */
  inFlight(from: NodeId, to: NodeId): number {
    return this.inFlightPerLink.get(linkKey(from, to)) ?? 0;
  }

  /** @internal Used by MemoryTransport. */
  attach(id: NodeId, endpoint: Endpoint): void {
    assert(!this.endpoints.has(id), `node ${id} is already attached to the memory network`);
    this.endpoints.set(id, endpoint);
  }

  /** @internal Messages in flight to id are lost. */
  detach(id: NodeId, endpoint: Endpoint): void {
    if (this.endpoints.get(id) === endpoint) this.endpoints.delete(id);
  }

  /** @internal Returns false when the link is cut or already holds linkMessagesMax messages. */
  post(to: NodeId, envelope: WireEnvelope, frameBytes: number, linkMessagesMax: number): boolean {
    const key = linkKey(envelope.from, to);
    const inFlight = this.inFlightPerLink.get(key) ?? 0;
    if (this.blocked.has(key) || inFlight >= linkMessagesMax) return false;
    this.inFlightPerLink.set(key, inFlight + 1);
    this.pending.push({ to, envelope, frameBytes });
    this.scheduleFlush();
    return true;
  }

  private flush(): void {
    const batch = this.pending;
    this.pending = [];
    for (const item of batch) this.deliver(item);
  }

  private deliver({ to, envelope, frameBytes }: InFlight): void {
    const key = linkKey(envelope.from, to);
    this.inFlightPerLink.set(key, (this.inFlightPerLink.get(key) ?? 1) - 1);
    const endpoint = this.endpoints.get(to);
    if (endpoint === undefined || this.blocked.has(key)) return;
    if (envelope.clusterId !== endpoint.clusterId || envelope.message.to !== to) {
      endpoint.refuse();
      return;
    }
    endpoint.receive(envelope.message, frameBytes);
  }
}

export interface MemoryTransportOptions {
  readonly self: NodeId;
  readonly clusterId?: string;
  /** Messages in flight on one link before new ones are dropped (peerQueueMessagesMax). */
  readonly linkMessagesMax?: number;
}

export class MemoryTransport implements Transport, PeerTrafficSource {
  private readonly counters: TransportStats = emptyStats();
  private readonly traffic = new PeerTrafficCounters();
  private readonly self: NodeId;
  private readonly clusterId: string;
  private readonly linkMessagesMax: number;
  private state: 'idle' | 'running' | 'stopped' = 'idle';
  private endpoint: Endpoint | null = null;

  constructor(
    private readonly network: MemoryNetwork,
    options: MemoryTransportOptions,
  ) {
    this.self = options.self;
    this.clusterId = options.clusterId ?? 'memory';
    this.linkMessagesMax = options.linkMessagesMax ?? Number.POSITIVE_INFINITY;
  }

  start(onMessage: (message: Message) => void): Promise<void> {
    assert(this.state === 'idle', 'MemoryTransport can be started once');
    this.state = 'running';
    const { counters, traffic } = this;
    this.endpoint = {
      clusterId: this.clusterId,
      receive(message, frameBytes) {
        counters.received++;
        const from = traffic.of(message.from);
        from.framesReceived++;
        from.bytesReceived += frameBytes;
        onMessage(message);
      },
      refuse() {
        counters.refused++;
      },
    };
    this.network.attach(this.self, this.endpoint);
    return Promise.resolve();
  }

  send(message: Message): void {
    assert(message.from === this.self, `send of a message from ${message.from} by ${this.self}`);
    const payload = encodeEnvelope({ clusterId: this.clusterId, from: this.self, message });
    const envelope = decodedAgain(payload);
    const frameBytes = FRAME_HEADER_BYTES + payload.length;
    const posted = this.state === 'running' && this.network.post(message.to, envelope, frameBytes, this.linkMessagesMax);
    if (!posted) {
      this.counters.dropped++;
      return;
    }
    this.counters.sent++;
    const to = this.traffic.of(message.to);
    to.framesSent++;
    to.bytesSent += frameBytes;
  }

  stop(): Promise<void> {
    this.state = 'stopped';
    if (this.endpoint !== null) this.network.detach(this.self, this.endpoint);
    this.endpoint = null;
    return Promise.resolve();
  }

  stats(): TransportStats {
    return { ...this.counters };
  }

  /** Counted as if each message were a TCP frame: what was posted to the hub and delivered from it. */
  peerTraffic(): ReadonlyMap<NodeId, Readonly<PeerTraffic>> {
    return this.traffic.peerTraffic();
  }
}

function decodedAgain(payload: Uint8Array): WireEnvelope {
  const decoded = decodeEnvelope(payload);
  assert(decoded.ok, `message cannot travel on the wire: ${decoded.ok ? '' : decoded.error.message}`);
  return decoded.envelope;
}

function linkKey(from: NodeId, to: NodeId): string {
  return `${from}\u0000${to}`;
}
