/**
 * The TCP edge of the client protocol. It parses each connection's bytes into
 * requests, hands them to the bus as `client.request` events, and writes the
 * replies back in request order (pipelined requests can complete out of
 * order: a write waits for commit while a PING answers at once).
 *
 * Every buffer is bounded: the parser's input (line and value limits), the
 * requests a connection may have outstanding (reading pauses beyond it), and
 * the reply bytes queued for a client that does not read (it is disconnected).
 */
import net from 'node:net';
import tls from 'node:tls';
import type { Logger } from 'pino';
import type { MessageBus } from '../bus/bus.js';
import type { ConnectionId } from '../bus/events.js';
import type { LimitsConfig, MemberConfig } from '../config/types.js';
import { parseCommand, type ClientRequest, type EdgeRequest } from '../protocol/commands.js';
import { RequestParser } from '../protocol/parser.js';
import { encodeReply, OK, type Reply } from '../protocol/reply.js';
import { concatReplies, encodeError, type RespReply } from '../protocol/resp.js';
import type { Role } from '../raft/ready.js';
import { oncePerTurn } from '../util/once-per-turn.js';
import { answerEdge, type EdgeNode } from './client-edge.js';
import { DEBUG_REFUSED, debugAllowed, evictUnauthenticated, evictWhenIdle } from './client-guards.js';
import { ClientAuth, gateRequest, NOAUTH } from './client-auth.js';
import { RateLimitedWarn } from '../log/rate-limited.js';
import type { DebugCommands } from '../config/types.js';
import { EdgeConnection } from './edge-connection.js';
import { SnapshotExport, type SnapshotSource } from './snapshot-export.js';
import { NodeSettings } from './node-settings.js';
import { Transaction } from './transaction.js';
import { notificationsFor, Subscriptions, type Notification } from './keyspace-notifications.js';
import type { KeyEvent } from '../kv/write-ops.js';

export interface ClientServerOptions {
  readonly nodeId: string;
  readonly clusterId: string;
  readonly members: readonly MemberConfig[];
  readonly host: string;
  readonly port: number;
  readonly limits: LimitsConfig;
  readonly logger: Logger;
  /** DEBUG FLIGHTDUMP: writes the flight recorder to a file, returns its path. Answered here, off the bus, so traces and replays never see it. */
  readonly onFlightDump?: () => string;
  /** SNAPSHOT OPEN | NEXT | CLOSE read views (`raftkv snapshot save`); refused without one. */
  readonly snapshots?: SnapshotSource;
  /** Who may run DEBUG (default "local": loopback clients only). */
  readonly debugCommands?: DebugCommands;
  /** TLS on the client port (clientTls), as loaded by loadClientTls; absent: plaintext. */
  readonly tls?: tls.TlsOptions;
  /** Client users (clientAuth); without it every connection may run everything. */
  readonly auth?: ClientAuth;
}

export class ClientServer {
  private readonly server: net.Server;
  private readonly connections = new Map<ConnectionId, ClientConnection>();
  private nextConnectionId = 1;
  private readonly startedMs = Date.now();
  /** The node's view of the cluster, kept from the bus for CLUSTER, ROLE and HELLO. */
  private view: { role: Role; term: number; leader: string | null; applied: number } = { role: 'follower', term: 0, leader: null, applied: 0 };
  private readonly node: EdgeNode;
  private readonly auth: ClientAuth;
  /** Warnings any client can trigger (refusals, evictions), at most one a second per kind. */
  private readonly warn: RateLimitedWarn;

  constructor(
    private readonly bus: MessageBus,
    private readonly options: ClientServerOptions,
  ) {
    bus.on('client.reply', (e) => this.connections.get(e.conn)?.deliverReply(e.seq, e.reply));
    bus.on('raft.status', (e) => (this.view = { ...this.view, role: e.role, term: e.term, leader: e.leader }));
    bus.on('storage.applied', (e) => {
      this.view = { ...this.view, applied: e.index };
      if (e.events) this.notify(e.events);
    });
    const connections = this.connections;
    this.warn = new RateLimitedWarn(options.logger);
    // allowHalfOpen: a client that half-closes (`nc -q1`, `printf ... | nc`) still gets its replies.
    if (options.tls === undefined) {
      this.server = net.createServer({ allowHalfOpen: true }, (socket) => this.accept(socket));
    } else {
      this.server = tls.createServer({ ...options.tls, allowHalfOpen: true }, (socket) => this.accept(socket));
      this.server.on('tlsClientError', (err, socket) =>
        this.warn.warn('tls-handshake', { remote: socket.remoteAddress, err: err.message }, 'client refused: TLS handshake failed'),
      );
    }
    this.auth = options.auth ?? ClientAuth.load(null, options.logger);
    this.node = {
      auth: this.auth,
      nodeId: options.nodeId,
      clusterId: options.clusterId,
      members: options.members,
      settings: new NodeSettings(),
      view: () => this.view,
      *connections() {
        for (const connection of connections.values()) yield connection.state;
      },
      now: () => Date.now(),
      ...(options.onFlightDump ? { flightDump: options.onFlightDump } : {}),
    };
  }

  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port, this.options.host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
  }

  address(): net.AddressInfo {
    return this.server.address() as net.AddressInfo;
  }

  connectionCount(): number {
    return this.connections.size;
  }

  /**
   * Stops accepting; existing connections stay until closeAll(). It does not
   * wait for them (server.close's callback would, and a client that stays
   * connected would hold up the node's shutdown).
   */
  stopAccepting(): Promise<void> {
    this.server.close();
    return Promise.resolve();
  }

  /** Writes what is queued and closes every connection. */
  closeAll(): void {
    for (const connection of this.connections.values()) connection.end();
  }

  /** Keyspace notifications for this batch, to every subscribed connection. */
  private notify(events: readonly KeyEvent[]): void {
    const notifications = notificationsFor(events, this.node.settings.get('notify-keyspace-events') ?? '');
    if (notifications.length === 0) return;
    for (const connection of this.connections.values()) connection.publish(notifications);
  }

  private edgeFacts(): EdgeFactsForInfo {
    return {
      connectedClients: this.connections.size,
      tcpPort: this.address().port,
      uptimeSeconds: Math.floor((Date.now() - this.startedMs) / 1000),
      processId: process.pid,
    };
  }

  private accept(socket: net.Socket): void {
    if (this.connections.size >= this.options.limits.clientConnectionsMax) {
      this.options.logger.warn({ remote: socket.remoteAddress }, 'client refused: clientConnectionsMax reached');
      socket.end(encodeError(`ERR max number of clients reached (clientConnectionsMax ${this.options.limits.clientConnectionsMax})`));
      return;
    }
    const id = this.nextConnectionId++;
    evictWhenIdle(socket, this.options.limits.clientIdleTimeoutMs, this.options.logger, id);
    const state = new EdgeConnection(id, `${socket.remoteAddress}:${socket.remotePort}`, `${socket.localAddress}:${socket.localPort}`, Date.now(), this.auth.initialUser());
    state.remoteIp = socket.remoteAddress ?? '';
    if (this.auth.config !== null) evictUnauthenticated(socket, state, this.auth.config.authTimeoutMs, this.warn);
    const connection = new ClientConnection(state, socket, this.bus, this.options, this.node, () => this.edgeFacts());
    this.connections.set(id, connection);
    socket.once('close', () => {
      this.connections.delete(id);
      this.bus.publish({ type: 'client.closed', conn: id });
    });
  }
}

type EdgeFactsForInfo = NonNullable<Extract<ClientRequest, { kind: 'info' }>['edge']>;

class ClientConnection {
  private readonly parser: RequestParser;
  private nextSeq = 0;
  private nextToWrite = 0;
  private readonly replies = new Map<number, RespReply>();
  private quitSeq = -1;
  private closeAfterSeq = -1;
  private out: RespReply[] = [];
  private readonly scheduleFlush = oncePerTurn(() => this.flush());
  private paused = false;
  private readonly subscriptions = new Subscriptions();
  /** MULTI/EXEC/WATCH state. */
  private readonly transaction = new Transaction();
  /** WATCH requests in flight: their keys, by request seq. */
  private readonly watching = new Map<number, readonly Buffer[]>();
  /** The client half-closed: once every request read so far is answered, close our side too. */
  private inputEnded = false;
  private readonly snapshotExport: SnapshotExport;

  private readonly id: ConnectionId;

  constructor(
    readonly state: EdgeConnection,
    private readonly socket: net.Socket,
    private readonly bus: MessageBus,
    private readonly options: ClientServerOptions,
    private readonly node: EdgeNode,
    private readonly edgeFacts: () => EdgeFactsForInfo,
  ) {
    this.id = state.id;
    this.parser = new RequestParser(options.limits);
    this.snapshotExport = new SnapshotExport(options.snapshots, () => node.view().role);
    socket.once('close', () => {
      this.snapshotExport.close().catch((err: Error) => options.logger.warn({ conn: this.id, err: err.message }, 'closing a snapshot export failed'));
    });
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('end', () => {
      this.inputEnded = true;
      this.endIfDone();
    });
    socket.on('error', (err) => options.logger.debug({ conn: this.id, err: err.message }, 'client connection error'));
  }

  private receive(chunk: Buffer): void {
    this.parser.push(chunk);
    this.parseRequests();
  }

  /**
   * Parses requests until the connection has pipelinePerConnectionMax of
   * them outstanding; the rest of its bytes wait in the parser (and the socket
   * is paused) until replies go out.
   */
  private parseRequests(): void {
    const max = this.options.limits.pipelinePerConnectionMax;
    while (this.outstanding() < max) {
      const item = this.parser.next();
      if (item === null) break;
      const seq = this.nextSeq++;
      if (item.type === 'error') {
        this.refuse(seq, item.message, item.fatal);
        if (item.fatal) return;
        continue;
      }
      let parsed = parseCommand(item.args, this.options.limits);
      const name = item.args[0]!.toString('latin1').toLowerCase();
      const gate = gateRequest(this.state.user, name, item.args, parsed);
      if (gate === NOAUTH) {
        this.refuse(seq, NOAUTH, false);
        continue;
      }
      // A read-only user's write fails as a bad command does, so inside MULTI it aborts EXEC (as in Redis).
      if (gate !== null) parsed = { ok: false, error: gate };
      this.state.lastActiveMs = Date.now();
      this.state.lastCommand = name;
      const step = this.transaction.step(name, item.args, parsed, this.options.limits);
      if (step.kind === 'reply') {
        this.deliverReply(seq, step.reply);
        continue;
      }
      if (step.kind === 'send') {
        if (step.watch) this.watching.set(seq, step.watch);
        this.bus.publish({ type: 'client.request', conn: this.id, seq, request: this.withConnectionFacts(step.request) });
        continue;
      }
      if (!parsed.ok) {
        this.refuse(seq, parsed.error, false);
        continue;
      }
      const request = parsed.request;
      if (request.kind === 'edge') {
        this.answerAtEdge(seq, request);
        if (request.name === 'quit' || this.state.closeAfterReply) return; // nothing after QUIT is read
        continue;
      }
      this.bus.publish({ type: 'client.request', conn: this.id, seq, request: this.withConnectionFacts(request) });
    }
    const full = this.outstanding() >= max;
    if (full !== this.paused) {
      this.paused = full;
      if (full) this.socket.pause();
      else this.socket.resume();
    }
  }

  /** Out-of-band pushes for the notifications this connection subscribed to. */
  publish(notifications: readonly Notification[]): void {
    if (this.subscriptions.count === 0) return;
    for (const n of notifications) for (const push of this.subscriptions.messagesFor(n)) this.out.push(encodeReply(push, this.state.protocol));
    if (this.out.length > 0) this.scheduleFlush();
  }

  private answerAtEdge(seq: number, request: EdgeRequest): void {
    if (request.name.endsWith('subscribe')) {
      this.deliver(seq, concatReplies(this.subscriptions.change(request.name, request.args).map((r) => encodeReply(r, this.state.protocol))));
      return;
    }
    if (request.name === 'snapshot') {
      void this.snapshotExport.answer(request.args).then((reply) => this.deliverReply(seq, reply));
      return;
    }
    if (request.name === 'quit') this.quitSeq = seq;
    if (request.name === 'debug' && !debugAllowed(this.options.debugCommands ?? 'local', this.socket.remoteAddress)) {
      this.deliver(seq, encodeError(DEBUG_REFUSED));
      return;
    }
    const reply = answerEdge(request, this.state, this.node);
    // Too many failed AUTHs: the refusal is the last reply.
    if (this.state.closeAfterReply) this.closeAfterSeq = seq;
    this.deliverReply(seq, reply);
  }

  /** READONLY tags reads as stale; INFO carries what only the edge knows. */
  private withConnectionFacts(request: ClientRequest): ClientRequest {
    if (request.kind === 'read' && this.state.stale) return { ...request, stale: true };
    if (request.kind === 'info') return { ...request, edge: this.edgeFacts() };
    if (request.kind === 'write') return { ...request, now: Date.now() };
    return request;
  }

  deliverReply(seq: number, reply: Reply): void {
    const watch = this.watching.get(seq);
    if (watch) {
      this.watching.delete(seq);
      if (reply.type === 'array') {
        this.transaction.watched(watch, reply.items.map((v) => Number(Buffer.from(v ?? []).toString())));
        reply = OK;
      }
    }
    this.deliver(seq, encodeReply(reply, this.state.protocol));
  }

  private refuse(seq: number, message: string, fatal: boolean): void {
    // Debug, not info: what a client gets wrong is its own business, and a busy node would log little else.
    this.options.logger.debug({ conn: this.id, remote: this.socket.remoteAddress, fatal, error: message }, 'client request refused');
    if (fatal) this.closeAfterSeq = seq;
    this.deliver(seq, encodeError(message));
  }

  private outstanding(): number {
    return this.nextSeq - this.nextToWrite;
  }

  /** Queues the reply for request seq; writes every reply that is now in order. */
  deliver(seq: number, reply: RespReply): void {
    this.replies.set(seq, reply);
    while (this.replies.has(this.nextToWrite)) {
      const seqToWrite = this.nextToWrite++;
      this.out.push(this.replies.get(seqToWrite)!);
      this.replies.delete(seqToWrite);
      if (seqToWrite === this.quitSeq || seqToWrite === this.closeAfterSeq) {
        this.flush();
        this.socket.end();
        return;
      }
    }
    if (this.paused && this.outstanding() < this.options.limits.pipelinePerConnectionMax / 2) this.parseRequests();
    // One write() per event-loop turn, however many replies completed in it.
    if (this.out.length > 0) this.scheduleFlush();
    this.endIfDone();
  }

  /** After a half-close, ends the connection once the last reply is queued (end() writes what is queued first). */
  private endIfDone(): void {
    if (!this.inputEnded || this.paused || this.outstanding() > 0) return;
    this.end();
  }

  private flush(): void {
    if (this.out.length === 0 || this.socket.destroyed || this.socket.writableEnded) return;
    const bytes = this.out.length === 1 ? this.out[0]! : concatReplies(this.out);
    this.out = [];
    this.socket.write(bytes);
    if (this.socket.writableLength > this.options.limits.clientOutputBytesMax) {
      this.options.logger.warn(
        { conn: this.id, remote: this.socket.remoteAddress, buffered: this.socket.writableLength },
        'client disconnected: it does not read its replies (clientOutputBytesMax)',
      );
      this.socket.destroy();
    }
  }

  end(): void {
    this.flush();
    this.socket.end();
  }
}
