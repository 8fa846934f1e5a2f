/**
 * The real transport: TCP with length-prefixed msgpack frames. Each node dials
 * one outbound connection per peer and only writes on it, and only reads on the
 * connections peers dial to it (see peer.ts and inbound.ts). Which peers have
 * a link is the PeerDirectory's call (directory.ts): members, and senders
 * that are not members yet, answered at the address their envelopes advertise.
 */
import net, { type Server, type Socket } from 'node:net';
import tls, { type TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import type { LimitsConfig } from '../config/types.js';
import type { Message, NodeId } from '../raft/types.js';
import { assert } from '../util/assert.js';
import { DEFAULT_BACKOFF, type BackoffConfig } from './backoff.js';
import { encodeEnvelope } from './codec.js';
import { serveInbound } from './inbound.js';
import { RateLimitedWarn } from '../log/rate-limited.js';
import { PeerLink } from './peer.js';
import { PeerDirectory, unrefTimer, type LinkCloseReason, type LinkInfo } from './directory.js';
import { formatHostPort } from '../config/address.js';
import { clip, emptyStats, type TransportStats } from './stats.js';
import { PeerTrafficCounters, type PeerTraffic, type PeerTrafficSource } from './traffic.js';
import type { PeerAddress, Transport } from './transport.js';
import { memberIdOf, serverTlsOptions, type PeerTlsCredentials } from './tls.js';

export interface TcpTransportOptions {
  readonly self: NodeId;
  readonly clusterId: string;
  readonly listen: { readonly host: string; readonly port: number };
  /**
   * The address peers reach this node at, carried in every envelope so a
   * node that does not know this one yet can answer. Default: listen (with
   * port 0, the bound port once started). Set it when listening on a wildcard.
   */
  readonly advertise?: { readonly host: string; readonly port: number };
  /** The other members at start (setMembers changes them at run time). */
  readonly peers: readonly PeerAddress[];
  readonly limits: Pick<LimitsConfig, 'frameBytesMax' | 'peerQueueMessagesMax' | 'peerQueueBytesMax'>;
  readonly logger: Logger;
  /** Jitter source for reconnect backoff, in [0, 1); fix it in tests. */
  readonly random?: () => number;
  /** Clock used only to rate-limit drop warnings. */
  readonly now?: () => number;
  readonly backoff?: BackoffConfig;
  readonly connectTimeoutMs?: number;
  /**
   * Source address for dials to peers. Defaults to the listen host when that is an
   * IPv4 loopback address (127.0.0.0/8), so a node on 127.0.0.12 is seen by its
   * peers as 127.0.0.12; otherwise the kernel chooses.
   */
  readonly localAddress?: string;
  /** Mutual TLS (tls.ts); absent: plaintext. */
  readonly tls?: PeerTlsCredentials;
  /** Links to senders that are not members, at most (directory.ts). */
  readonly learnedLinksMax?: number;
  readonly learnedIdleMs?: number;
}

/** Bytes per socket.write(): large enough to amortise the syscall, small enough to interleave peers. */
const BATCH_BYTES_MAX = 256 * 1024;
const CONNECT_TIMEOUT_MS = 3_000;

interface TcpLink {
  readonly link: PeerLink;
  readonly traffic: PeerTraffic;
}

export class TcpTransport implements Transport, PeerTrafficSource {
  private readonly directory: PeerDirectory<TcpLink>;
  /** Open inbound connections, with the sender each carries once known (so setRemoved can close them). */
  private readonly inbound = new Map<Socket, NodeId | null>();
  /** This node's advertised host:port; null until known (listening on port 0, not started yet). */
  private listenText: string | null;
  private readonly counters: TransportStats = emptyStats();
  private readonly traffic: PeerTrafficCounters;
  private readonly logger: Logger;
  private readonly refusals: RateLimitedWarn;
  private server: Server | null = null;
  /** Told of each established outbound link that closes (Transport.start). */
  private onDisconnected: ((peer: NodeId) => void) | null = null;
  private state: 'idle' | 'running' | 'stopped' = 'idle';

  constructor(private readonly options: TcpTransportOptions) {
    assert(!options.peers.some((p) => p.id === options.self), 'peers must not include self');
    assert(new Set(options.peers.map((p) => p.id)).size === options.peers.length, 'peer ids must be unique');
    this.logger = options.logger.child({ component: 'transport' });
    this.refusals = new RateLimitedWarn(this.logger);
    this.traffic = new PeerTrafficCounters(options.peers.map((p) => p.id));
    const advertise = options.advertise ?? options.listen;
    this.listenText = advertise.port === 0 ? null : formatHostPort(advertise);
    this.directory = new PeerDirectory<TcpLink>({
      self: options.self,
      open: (peer) => this.openLink(peer),
      close: (link, id, learned, reason) => this.closeLink(link, id, learned, reason),
      startTimer: unrefTimer,
      ...(options.learnedLinksMax !== undefined && { learnedMax: options.learnedLinksMax }),
      ...(options.learnedIdleMs !== undefined && { learnedIdleMs: options.learnedIdleMs }),
      logger: this.logger,
    });
    this.directory.setMembers(options.peers);
  }

  setMembers(peers: readonly PeerAddress[]): void {
    if (this.state === 'stopped') return;
    this.directory.setMembers(peers);
  }

  setRemoved(ids: readonly NodeId[]): void {
    if (this.state === 'stopped') return;
    this.directory.setRemoved(ids);
    for (const [socket, sender] of this.inbound) {
      if (sender !== null && this.directory.isRemoved(sender)) socket.destroy();
    }
  }

  /** The links this node has now: members, and learned senders. */
  links(): LinkInfo[] {
    return this.directory.info();
  }

  async start(onMessage: (message: Message) => void, onDisconnected?: (peer: NodeId) => void): Promise<void> {
    assert(this.state === 'idle', 'TcpTransport can be started once');
    this.state = 'running';
    this.onDisconnected = onDisconnected ?? null;
    const credentials = this.options.tls;
    const server = credentials
      ? tls.createServer(serverTlsOptions(credentials), (socket) => this.accept(socket, onMessage))
      : net.createServer((socket) => this.accept(socket, onMessage));
    if (credentials) {
      // Track connections from the first byte, so stop() also closes those still in their handshake.
      server.on('connection', (raw: Socket) => {
        this.inbound.set(raw, null);
        raw.once('close', () => this.inbound.delete(raw));
      });
      server.on('tlsClientError', (err, socket) => {
        this.counters.refused++;
        this.refusals.warn('tls handshake', { remote: `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`, err: err.message }, 'refused unauthenticated peer connection');
      });
    }
    this.server = server;
    await listen(server, this.options.listen);
    server.on('error', (err) => this.logger.error({ err: err.message }, 'transport server error'));
    if (this.listenText === null) this.listenText = formatHostPort({ host: this.options.listen.host, port: this.address()?.port ?? 0 });
    this.logger.info({ address: this.address(), advertised: this.listenText }, 'transport listening');
    for (const { link } of this.directory.links()) link.start();
  }

  send(message: Message): void {
    assert(message.from === this.options.self, `send of a message from ${message.from} by ${this.options.self}`);
    const link = this.directory.linkTo(message.to)?.link;
    const listen = this.listenText;
    if (link === undefined || this.state === 'stopped' || listen === null) {
      this.counters.dropped++;
      this.logger.debug({ to: message.to, type: message.type, state: this.state }, 'dropped message: no link (or no advertised address before start)');
      return;
    }
    const payload = encodeEnvelope({ clusterId: this.options.clusterId, from: this.options.self, listen, message });
    if (payload.length > this.options.limits.frameBytesMax) {
      // The receiver would refuse it; appendBytesMax must leave room under frameBytesMax.
      this.counters.dropped++;
      this.logger.error({ to: message.to, type: message.type, bytes: payload.length }, 'dropped message: exceeds frameBytesMax');
      return;
    }
    link.enqueue(payload);
  }

  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    const closing: Promise<void>[] = this.directory.links().map(({ link }) => link.stop());
    this.directory.clear();
    for (const socket of this.inbound.keys()) closing.push(destroyed(socket));
    if (this.server !== null) closing.push(closeServer(this.server));
    await Promise.all(closing);
    this.logger.info('transport stopped');
  }

  /** The bound address (useful with port 0); null before start. */
  address(): { host: string; port: number } | null {
    const address = this.server?.address();
    if (address === null || address === undefined || typeof address === 'string') return null;
    return { host: address.address, port: address.port };
  }

  stats(): TransportStats {
    return { ...this.counters };
  }

  peerTraffic(): ReadonlyMap<NodeId, Readonly<PeerTraffic>> {
    return this.traffic.peerTraffic();
  }

  /** Frames waiting for one peer (not yet handed to its socket). */
  queued(peer: NodeId): number {
    return this.directory.linkTo(peer)?.link.queued() ?? 0;
  }

  private accept(socket: Socket, onMessage: (message: Message) => void): void {
    if (this.state !== 'running') {
      socket.destroy();
      return;
    }
    const authenticatedAs = this.options.tls ? memberIdOf((socket as TLSSocket).getPeerCertificate()) : undefined;
    this.inbound.set(socket, authenticatedAs ?? null);
    socket.once('close', () => this.inbound.delete(socket));
    // Under TLS the certificate names the sender: any id but this node's and the removed ones (it may be a member we do not know yet).
    const refusal =
      authenticatedAs === null ? 'its certificate names no member id'
      : authenticatedAs === this.options.self ? 'its certificate names this node'
      : authenticatedAs !== undefined && this.directory.isRemoved(authenticatedAs) ? 'its certificate names a removed member'
      : null;
    if (refusal !== null) {
      this.counters.refused++;
      this.refusals.warn('certificate refused', { remote: `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`, named: clip(authenticatedAs) }, `refused peer: ${refusal}`);
      socket.destroy();
      return;
    }
    serveInbound(socket, {
      ...(typeof authenticatedAs === 'string' && { authenticatedAs }),
      self: this.options.self,
      clusterId: this.options.clusterId,
      isRemoved: (id) => this.directory.isRemoved(id),
      frameBytesMax: this.options.limits.frameBytesMax,
      logger: this.logger,
      refusals: this.refusals,
      stats: this.counters,
      heard: (from, listen) => this.directory.heard(from, listen)?.traffic ?? null,
      pinned: (sender) => {
        if (this.inbound.has(socket)) this.inbound.set(socket, sender);
        // The peer is back (it dialled us): answer now, not when our redial backoff (up to a second) ends.
        this.directory.linkTo(sender)?.link.redialNow();
      },
      deliver: onMessage,
    });
  }

  private openLink(peer: PeerAddress): TcpLink {
    const traffic = this.traffic.of(peer.id);
    const link = this.makeLink(peer, traffic);
    if (this.state === 'running') link.start();
    return { link, traffic };
  }

  /** What was queued for the peer is dropped and counted; the connection closes in the background. */
  private closeLink({ link }: TcpLink, id: NodeId, learned: boolean, reason: LinkCloseReason): void {
    if (reason === 'transport stopped') return; // stop() awaits the links itself
    const queued = link.queued();
    this.counters.dropped += queued;
    if (learned) this.traffic.forget(id);
    this.logger.info({ peer: id, reason, dropped: queued }, 'closed link to peer');
    void link.stop();
  }

  private makeLink(peer: PeerAddress, traffic: PeerTraffic): PeerLink {
    return new PeerLink({
      peer,
      queueMessagesMax: this.options.limits.peerQueueMessagesMax,
      queueBytesMax: this.options.limits.peerQueueBytesMax,
      batchBytesMax: BATCH_BYTES_MAX,
      backoff: this.options.backoff ?? DEFAULT_BACKOFF,
      connectTimeoutMs: this.options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS,
      ...localAddressFor(this.options),
      random: this.options.random ?? Math.random,
      now: this.options.now ?? Date.now,
      logger: this.logger,
      stats: this.counters,
      traffic,
      ...(this.options.tls && { tls: this.options.tls }),
      onDisconnected: () => {
        if (this.state === 'running') this.onDisconnected?.(peer.id);
      },
    });
  }
}

/** The dial source address: explicit, else the listen host when it is an IPv4 loopback literal. */
export function localAddressFor(options: Pick<TcpTransportOptions, 'localAddress' | 'listen'>): { localAddress?: string } {
  if (options.localAddress !== undefined) return { localAddress: options.localAddress };
  return LOOPBACK_V4.test(options.listen.host) ? { localAddress: options.listen.host } : {};
}

const LOOPBACK_V4 = /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;

function listen(server: Server, at: { host: string; port: number }): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(at.port, at.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function closeServer(server: Server): Promise<void> {
  // Resolves once every accepted connection has closed too (they are destroyed alongside).
  return new Promise((resolve) => server.close(() => resolve()));
}

function destroyed(socket: Socket): Promise<void> {
  if (socket.closed) return Promise.resolve();
  return new Promise((resolve) => {
    socket.once('close', () => resolve());
    socket.destroy();
  });
}
