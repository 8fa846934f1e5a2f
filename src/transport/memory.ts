/**
 * An in-process network for tests: a hub that delivers messages between
 * MemoryTransports asynchronously, FIFO per link, with hooks to cut links.
 * Each transport listens at an address (host:port, made up) and sends to the
 * address its PeerDirectory holds for the peer, as the TCP transport dials
 * it: a message sent to an address where nobody listens is lost, and one
 * that reaches a node other than its addressee is refused.
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
import type { PeerAddress, Transport } from './transport.js';
import { PeerDirectory, unrefTimer, type LinkInfo } from './directory.js';
import { formatHostPort } from '../config/address.js';
import { oncePerTurn } from '../util/once-per-turn.js';

interface Endpoint {
  readonly id: NodeId;
  readonly clusterId: string;
  /** frameBytes: what the frame would take on the TCP wire, length prefix included. */
  receive(envelope: WireEnvelope, frameBytes: number): void;
  refuse(): void;
  /** The node listening at address (id) went away: as a TCP peer whose connection closes. */
  departed(address: string, id: NodeId): void;
}

interface InFlight {
  /** host:port */
  readonly address: string;
  readonly envelope: WireEnvelope;
  readonly frameBytes: number;
}

/** The address a MemoryTransport listens at unless told otherwise (id must be a valid host name). */
export function memoryAddress(id: NodeId): PeerAddress {
  return { id, host: `${id}.memory`, port: 7000 };
}

export class MemoryNetwork {
  /** By listen address (host:port). */
  private readonly endpoints = new Map<string, Endpoint>();
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
    for (const { id: other } of this.endpoints.values()) if (other !== id) this.partition(id, other);
  }

  heal(): void {
    this.blocked.clear();
  }

  /** Messages sent and not yet delivered or lost, on one link. */
  inFlight(from: NodeId, to: NodeId): number {
    return this.inFlightPerLink.get(linkKey(from, to)) ?? 0;
  }

  /** @internal Used by MemoryTransport. */
  attach(address: string, endpoint: Endpoint): void {
    assert(!this.endpoints.has(address), `${address} is already in use on the memory network`);
    this.endpoints.set(address, endpoint);
  }

  /** @internal Messages in flight to the address are lost; the others hear of it in a later turn. */
  detach(address: string, endpoint: Endpoint): void {
    if (this.endpoints.get(address) !== endpoint) return;
    this.endpoints.delete(address);
    const others = [...this.endpoints.values()];
    setImmediate(() => {
      for (const other of others) other.departed(address, endpoint.id);
    });
  }

  /** @internal Returns false when the link is cut or already holds linkMessagesMax messages. */
  post(address: string, envelope: WireEnvelope, frameBytes: number, linkMessagesMax: number): boolean {
    const key = linkKey(envelope.from, envelope.message.to);
    const inFlight = this.inFlightPerLink.get(key) ?? 0;
    if (this.blocked.has(key) || inFlight >= linkMessagesMax) return false;
    this.inFlightPerLink.set(key, inFlight + 1);
    this.pending.push({ address, envelope, frameBytes });
    this.scheduleFlush();
    return true;
  }

  private flush(): void {
    const batch = this.pending;
    this.pending = [];
    for (const item of batch) this.deliver(item);
  }

  private deliver({ address, envelope, frameBytes }: InFlight): void {
    const key = linkKey(envelope.from, envelope.message.to);
    this.inFlightPerLink.set(key, (this.inFlightPerLink.get(key) ?? 1) - 1);
    const endpoint = this.endpoints.get(address);
    if (endpoint === undefined || this.blocked.has(key)) return;
    if (envelope.clusterId !== endpoint.clusterId || envelope.message.to !== endpoint.id) {
      endpoint.refuse();
      return;
    }
    endpoint.receive(envelope, frameBytes);
  }
}

export interface MemoryTransportOptions {
  readonly self: NodeId;
  readonly clusterId?: string;
  /** Where this transport listens; default memoryAddress(self). */
  readonly address?: { readonly host: string; readonly port: number };
  /** The other members at start (setMembers changes them); default none. */
  readonly peers?: readonly PeerAddress[];
  /** Messages in flight on one link before new ones are dropped (peerQueueMessagesMax). */
  readonly linkMessagesMax?: number;
  readonly learnedLinksMax?: number;
  readonly learnedIdleMs?: number;
}

/** A link is only where to post: the hub has no connections. */
interface MemoryLink {
  readonly address: string;
  readonly traffic: PeerTraffic;
}

export class MemoryTransport implements Transport, PeerTrafficSource {
  private readonly counters: TransportStats = emptyStats();
  private readonly traffic = new PeerTrafficCounters();
  private readonly self: NodeId;
  private readonly clusterId: string;
  private readonly listen: string;
  private readonly linkMessagesMax: number;
  private readonly directory: PeerDirectory<MemoryLink>;
  private state: 'idle' | 'running' | 'stopped' = 'idle';
  private endpoint: Endpoint | null = null;

  constructor(
    private readonly network: MemoryNetwork,
    options: MemoryTransportOptions,
  ) {
    this.self = options.self;
    this.clusterId = options.clusterId ?? 'memory';
    this.listen = formatHostPort(options.address ?? memoryAddress(options.self));
    this.linkMessagesMax = options.linkMessagesMax ?? Number.POSITIVE_INFINITY;
    this.directory = new PeerDirectory<MemoryLink>({
      self: options.self,
      open: (peer) => ({ address: formatHostPort(peer), traffic: this.traffic.of(peer.id) }),
      close: (_link, id, learned) => {
        if (learned) this.traffic.forget(id);
      },
      startTimer: unrefTimer,
      ...(options.learnedLinksMax !== undefined && { learnedMax: options.learnedLinksMax }),
      ...(options.learnedIdleMs !== undefined && { learnedIdleMs: options.learnedIdleMs }),
    });
    this.directory.setMembers(options.peers ?? []);
  }

  start(onMessage: (message: Message) => void, onDisconnected?: (peer: NodeId) => void): Promise<void> {
    assert(this.state === 'idle', 'MemoryTransport can be started once');
    this.state = 'running';
    const { counters, directory, self } = this;
    const isRunning = (): boolean => this.state === 'running';
    this.endpoint = {
      id: self,
      clusterId: this.clusterId,
      receive({ from, listen, message }, frameBytes) {
        if (from === self || directory.isRemoved(from) || message.from !== from) {
          counters.refused++;
          return;
        }
        counters.received++;
        const traffic = directory.heard(from, listen)?.traffic;
        if (traffic !== undefined) {
          traffic.framesReceived++;
          traffic.bytesReceived += frameBytes;
        }
        onMessage(message);
      },
      refuse() {
        counters.refused++;
      },
      departed(address, id) {
        if (isRunning() && directory.linkTo(id)?.address === address) onDisconnected?.(id);
      },
    };
    this.network.attach(this.listen, this.endpoint);
    return Promise.resolve();
  }

  send(message: Message): void {
    assert(message.from === this.self, `send of a message from ${message.from} by ${this.self}`);
    const payload = encodeEnvelope({ clusterId: this.clusterId, from: this.self, listen: this.listen, message });
    const envelope = decodedAgain(payload);
    const frameBytes = FRAME_HEADER_BYTES + payload.length;
    const link = this.directory.linkTo(message.to);
    const posted = link !== undefined && this.state === 'running' && this.network.post(link.address, envelope, frameBytes, this.linkMessagesMax);
    if (!posted) {
      this.counters.dropped++;
      return;
    }
    this.counters.sent++;
    link.traffic.framesSent++;
    link.traffic.bytesSent += frameBytes;
  }

  setMembers(peers: readonly PeerAddress[]): void {
    if (this.state !== 'stopped') this.directory.setMembers(peers);
  }

  setRemoved(ids: readonly NodeId[]): void {
    if (this.state !== 'stopped') this.directory.setRemoved(ids);
  }

  links(): LinkInfo[] {
    return this.directory.info();
  }

  stop(): Promise<void> {
    this.state = 'stopped';
    this.directory.clear();
    if (this.endpoint !== null) this.network.detach(this.listen, this.endpoint);
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
