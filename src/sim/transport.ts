/**
 * A simulated node's Transport: the simulator's network fake seen through the
 * same interface, and the same PeerDirectory, as the TCP and in-memory
 * transports (it runs their contract suite: test/sim/transport.contract.test.ts).
 * It sends only to members and learned senders, at the address it holds for
 * them; it refuses removed ids and itself; it accepts anyone else and learns
 * where to answer them. Timers (the learned-link sweep) run on virtual time,
 * and only while learned links exist, so a fixed membership adds nothing to a
 * run's agenda.
 */
import { formatHostPort, type HostPort } from '../config/address.js';
import type { Message, NodeId } from '../raft/types.js';
import { assert } from '../util/assert.js';
import { encodeEnvelope } from '../transport/codec.js';
import { PeerDirectory, type LinkInfo } from '../transport/directory.js';
import { FRAME_HEADER_BYTES } from '../transport/frame.js';
import { emptyStats, type TransportStats } from '../transport/stats.js';
import { PeerTrafficCounters, type PeerTraffic, type PeerTrafficSource } from '../transport/traffic.js';
import type { PeerAddress, Transport } from '../transport/transport.js';
import type { Envelope, SimNetwork } from './network.js';

export interface SimTransportOptions {
  /** Where this incarnation listens. */
  readonly address: HostPort;
  /** The other members at start (setMembers changes them). */
  readonly peers: readonly PeerAddress[];
  /**
   * Count each message's bytes as the TCP transport would frame it (by
   * encoding it). Off in simulations: it costs an encode per message and
   * nothing reads it there.
   */
  readonly measureBytes?: boolean;
  readonly learnedLinksMax?: number;
  readonly learnedIdleMs?: number;
}

interface SimLink {
  readonly address: string;
  readonly traffic: PeerTraffic;
}

export class SimTransport implements Transport, PeerTrafficSource {
  private readonly counters: TransportStats = emptyStats();
  private readonly traffic = new PeerTrafficCounters();
  private readonly directory: PeerDirectory<SimLink>;
  private readonly listen: string;
  /** Reused for every message when bytes are not measured: no allocation per send. */
  private readonly envelope: Envelope;
  private readonly measureBytes: boolean;
  private state: 'idle' | 'running' | 'stopped' = 'idle';

  constructor(
    private readonly network: SimNetwork,
    readonly id: NodeId,
    private readonly generation: number,
    options: SimTransportOptions,
  ) {
    this.listen = formatHostPort(options.address);
    this.envelope = { listen: this.listen, frameBytes: 0 };
    this.measureBytes = options.measureBytes ?? false;
    this.directory = new PeerDirectory<SimLink>({
      self: id,
      open: (peer) => ({ address: formatHostPort(peer), traffic: this.traffic.of(peer.id) }),
      close: (_link, peer, learned) => {
        if (learned) this.traffic.forget(peer);
      },
      startTimer: network.startTimer,
      ...(options.learnedLinksMax !== undefined && { learnedMax: options.learnedLinksMax }),
      ...(options.learnedIdleMs !== undefined && { learnedIdleMs: options.learnedIdleMs }),
    });
    this.directory.setMembers(options.peers);
  }

  start(onMessage: (message: Message) => void, onDisconnected?: (peer: NodeId) => void): Promise<void> {
    assert(this.state === 'idle', 'SimTransport can be started once');
    this.state = 'running';
    const { counters, directory, id } = this;
    this.network.attach(id, this.generation, this.listen, (message, from) => {
      if (message.from === id || directory.isRemoved(message.from)) {
        counters.refused++;
        return;
      }
      counters.received++;
      const link = directory.heard(message.from, from.listen);
      if (link !== null) {
        link.traffic.framesReceived++;
        link.traffic.bytesReceived += from.frameBytes;
      }
      onMessage(message);
    }, (address, peer) => {
      if (this.state === 'running' && directory.linkTo(peer)?.address === address) onDisconnected?.(peer);
    });
    return Promise.resolve();
  }

  send(message: Message): void {
    assert(message.from === this.id, `send of a message from ${message.from} by ${this.id}`);
    const link = this.directory.linkTo(message.to);
    if (link === undefined) {
      this.counters.dropped++;
      return;
    }
    const envelope = this.measureBytes ? { listen: this.listen, frameBytes: this.frameBytes(message) } : this.envelope;
    if (!this.network.send(message, this.generation, link.address, envelope)) {
      this.counters.dropped++;
      return;
    }
    this.counters.sent++;
    link.traffic.framesSent++;
    link.traffic.bytesSent += envelope.frameBytes;
  }

  setMembers(peers: readonly PeerAddress[]): void {
    if (this.state !== 'stopped') this.directory.setMembers(peers);
  }

  setRemoved(ids: readonly NodeId[]): void {
    if (this.state !== 'stopped') this.directory.setRemoved(ids);
  }

  stop(): Promise<void> {
    this.state = 'stopped';
    this.directory.clear();
    this.network.detach(this.id, this.generation);
    return Promise.resolve();
  }

  links(): LinkInfo[] {
    return this.directory.info();
  }

  stats(): TransportStats {
    return { ...this.counters };
  }

  peerTraffic(): ReadonlyMap<NodeId, Readonly<PeerTraffic>> {
    return this.traffic.peerTraffic();
  }

  private frameBytes(message: Message): number {
    return FRAME_HEADER_BYTES + encodeEnvelope({ clusterId: 'sim', from: this.id, listen: this.listen, message }).length;
  }
}
