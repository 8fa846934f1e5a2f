/**
 * One outbound link to one peer. The link only writes: the peer's replies come
 * back on the connection the peer dials to us (etcd's stream model), so there is
 * no handshake and no question of which of two crossing dials wins.
 *
 * Frames wait in a bounded queue while the link is down or the socket is
 * backpressured. Everything queued within one event-loop turn goes out in a
 * single write() from a setImmediate flush: per-frame writes cap loopback TCP
 * near 170k frames/s, batched writes reach millions.
 */
import net, { type Socket } from 'node:net';
import tls from 'node:tls';
import type { Logger } from 'pino';
import { assert } from '../util/assert.js';
import { backoffDelayMs, type BackoffConfig } from './backoff.js';
import { encodeFrames, FRAME_HEADER_BYTES } from './frame.js';
import type { TransportStats } from './stats.js';
import type { PeerTraffic } from './traffic.js';
import type { PeerAddress } from './transport.js';
import { oncePerTurn } from '../util/once-per-turn.js';
import { RateLimitedWarn } from '../log/rate-limited.js';
import { clientTlsOptions, type PeerTlsCredentials } from './tls.js';

export interface PeerLinkOptions {
  readonly peer: PeerAddress;
  readonly queueMessagesMax: number;
  /** Payload bytes queued for this peer before new messages are dropped (large appends add up fast). */
  readonly queueBytesMax: number;
  /** Bytes per write(); a single larger frame is still written alone. */
  readonly batchBytesMax: number;
  readonly backoff: BackoffConfig;
  readonly connectTimeoutMs: number;
  /**
   * Source address of outbound connections. Fault injection by address (the chaos
   * harness's iptables rules) needs a node's dials to come from its own address,
   * not from whatever the kernel picks (127.0.0.1 for every loopback node).
   */
  readonly localAddress?: string;
  readonly random: () => number;
  readonly now: () => number;
  readonly logger: Logger;
  readonly stats: TransportStats;
  /** This peer's wire counters (owned by the transport); the link adds what it writes. */
  readonly traffic: PeerTraffic;
  /** Mutual TLS (tls.ts); absent: plaintext. */
  readonly tls?: PeerTlsCredentials;
  /** Called when an established connection closes while the link runs (not for failed dials). */
  readonly onDisconnected?: () => void;
}

const DROP_LOG_INTERVAL_MS = 1_000;

export class PeerLink {
  private queue: Uint8Array[] = [];
  private queuedBytes = 0;
  private socket: Socket | null = null;
  private connected = false;
  private backpressured = false;
  private readonly scheduleFlush = oncePerTurn(() => this.flush());
  private redialTimer: NodeJS.Timeout | null = null;
  private attempt = 0;
  private everConnected = false;
  private state: 'idle' | 'running' | 'stopped' = 'idle';
  private dropsUnlogged = 0;
  private dropLoggedAtMs = -Infinity;
  private readonly tlsFailures: RateLimitedWarn;

  constructor(private readonly options: PeerLinkOptions) {
    assert(options.queueMessagesMax > 0, 'queueMessagesMax must be positive');
    this.tlsFailures = new RateLimitedWarn(options.logger);
  }

  start(): void {
    assert(this.state === 'idle', 'PeerLink started twice');
    this.state = 'running';
    this.dial();
  }

  /** Queues one encoded payload; returns false (and counts a drop) when the queue is full. */
  enqueue(payload: Uint8Array): boolean {
    const full =
      this.queue.length >= this.options.queueMessagesMax || this.queuedBytes + payload.length > this.options.queueBytesMax;
    if (this.state === 'stopped' || full) {
      this.noteDrop();
      return false;
    }
    // A payload is a view into msgpackr's shared output buffer (tens of KB). One that waits past
    // this turn (link down or backpressured) would pin that whole buffer for as long as it waits:
    // 4,096 queued heartbeats for a dead peer pinned about 30 MB on a leader. It keeps a copy instead.
    this.queue.push(this.connected && !this.backpressured ? payload : new Uint8Array(payload));
    this.queuedBytes += payload.length;
    if (this.connected && !this.backpressured) this.scheduleFlush();
    return true;
  }

  /** The peer is known to be up again: a redial waiting out its backoff happens now. */
  redialNow(): void {
    if (this.state !== 'running' || this.redialTimer === null) return;
    clearTimeout(this.redialTimer);
    this.redialTimer = null;
    this.attempt = 0;
    this.dial();
  }

  queued(): number {
    return this.queue.length;
  }

  stop(): Promise<void> {
    this.state = 'stopped';
    if (this.redialTimer !== null) clearTimeout(this.redialTimer);
    this.redialTimer = null;
    this.queue = [];
    this.queuedBytes = 0;
    const socket = this.socket;
    if (socket === null || socket.closed) return Promise.resolve();
    return new Promise((resolve) => {
      socket.once('close', () => resolve());
      socket.destroy();
    });
  }

  private dial(): void {
    const { peer, connectTimeoutMs, logger } = this.options;
    const { localAddress } = this.options;
    const at = { host: peer.host, port: peer.port, ...(localAddress === undefined ? {} : { localAddress }) };
    const credentials = this.options.tls;
    const socket = credentials ? tls.connect({ ...at, ...clientTlsOptions(credentials, peer.id) }) : net.connect(at);
    this.socket = socket;
    socket.setNoDelay(true);
    // A black-holed address would otherwise hang in SYN_SENT for minutes.
    socket.setTimeout(connectTimeoutMs, () => {
      if (!this.connected) socket.destroy(new Error(`connect timeout after ${connectTimeoutMs} ms`));
    });
    socket.once(credentials ? 'secureConnect' : 'connect', () => this.onConnect(socket));
    socket.on('drain', () => {
      this.backpressured = false;
      this.scheduleFlush();
    });
    socket.on('error', (err) => {
      // A refused handshake is a misconfiguration (or an impostor): say so, once in a while.
      if (credentials && !this.connected) this.tlsFailures.warn('tls', { peer: peer.id, err: err.message }, 'TLS connection to peer failed');
      else logger.debug({ peer: peer.id, err: err.message }, 'peer connection error');
    });
    socket.once('close', () => this.onClose(socket));
    // The peer never writes on this connection; reading lets us see its FIN at once.
    socket.resume();
  }

  private onConnect(socket: Socket): void {
    socket.setTimeout(0);
    this.connected = true;
    this.backpressured = false;
    if (this.everConnected) this.options.stats.reconnects++;
    this.everConnected = true;
    this.attempt = 0;
    this.options.logger.info({ peer: this.options.peer.id }, 'connected to peer');
    this.scheduleFlush();
  }

  private onClose(socket: Socket): void {
    if (this.socket !== socket) return;
    const wasConnected = this.connected;
    if (wasConnected) this.options.logger.info({ peer: this.options.peer.id }, 'lost connection to peer');
    this.socket = null;
    this.connected = false;
    if (this.state !== 'running') return;
    if (wasConnected) this.options.onDisconnected?.();
    const delayMs = backoffDelayMs(this.options.backoff, this.attempt++, this.options.random);
    this.redialTimer = setTimeout(() => {
      this.redialTimer = null;
      if (this.state === 'running') this.dial();
    }, delayMs);
  }

  /** Writes queued frames in batches of about batchBytesMax until done or backpressured. */
  private flush(): void {
    const socket = this.socket;
    if (socket === null || !this.connected || this.backpressured) return;
    const queue = this.queue;
    let from = 0;
    while (from < queue.length && !this.backpressured) {
      const to = batchEnd(queue, from, this.options.batchBytesMax);
      const frames = encodeFrames(queue, from, to);
      this.backpressured = !socket.write(frames);
      this.options.stats.sent += to - from;
      this.options.traffic.framesSent += to - from;
      this.options.traffic.bytesSent += frames.length;
      for (let i = from; i < to; i++) this.queuedBytes -= queue[i]!.length;
      from = to;
    }
    this.queue = from === queue.length ? [] : queue.slice(from);
  }

  private noteDrop(): void {
    this.options.stats.dropped++;
    this.dropsUnlogged++;
    const nowMs = this.options.now();
    if (nowMs - this.dropLoggedAtMs < DROP_LOG_INTERVAL_MS) return;
    this.options.logger.warn(
      { peer: this.options.peer.id, dropped: this.dropsUnlogged, queued: this.queue.length },
      'peer queue full or link stopped; dropping messages',
    );
    this.dropLoggedAtMs = nowMs;
    this.dropsUnlogged = 0;
  }
}

/** End (exclusive) of a batch starting at from: at least one frame, then up to batchBytesMax. */
function batchEnd(queue: readonly Uint8Array[], from: number, batchBytesMax: number): number {
  let bytes = FRAME_HEADER_BYTES + (queue[from]?.length ?? 0);
  let to = from + 1;
  while (to < queue.length) {
    const next = FRAME_HEADER_BYTES + (queue[to]?.length ?? 0);
    if (bytes + next > batchBytesMax) break;
    bytes += next;
    to++;
  }
  return to;
}
