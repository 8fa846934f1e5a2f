/**
 * The TCP edge of the client protocol. It parses each connection's bytes into
 * requests, hands them to the bus as `client.request` events, and writes the
 * replies back in request order (pipelined requests can complete out of
 * order: a write waits for commit while a PING answers at once).
 *
 * Every buffer is bounded: the parser's input (line and value limits, far
 * smaller before the connection authenticates), the requests a connection
 * may have outstanding (reading pauses beyond it, and beyond
 * clientOutputPauseBytes of unsent replies), the reply bytes of a client that
 * does not read (checked before a reply is built: it is disconnected), and
 * the unsent reply bytes of all connections together. With clientAuth,
 * nothing but AUTH/HELLO/QUIT/RESET runs before authentication
 * (client-auth.ts); with clientTls, the port speaks TLS.
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
import { DEBUG_REFUSED, debugAllowed, evictUnauthenticated, evictWhenIdle, GUARD_REFUSAL_REASONS, newGuardCounts, OutputLedger, type GuardCounts } from './client-guards.js';
import type { ClientSecurityCounts } from '../metrics/client-security.js';
import { UNAUTHENTICATED_BULK_ERROR, UNAUTHENTICATED_MULTIBULK_ERROR } from '../protocol/parser.js';
import { replyBytesEstimate } from '../protocol/reply-size.js';
import { ClientAuth, gateRequest, NOAUTH } from './client-auth.js';
import { RateLimitedWarn } from '../log/rate-limited.js';
import type { DebugCommands } from '../config/types.js';
import { EdgeConnection } from './edge-connection.js';
import { MemberDirectory } from './member-directory.js';
import type { SnapshotFacts } from '../actors/state-machine.js';
import type { ClusterConfig } from '../raft/membership/config.js';
import { SnapshotExport, type SnapshotSource } from './snapshot-export.js';
import { NodeSettings } from './node-settings.js';
import { Transaction } from './transaction.js';
import { notificationsFor, Subscriptions, type Notification } from './keyspace-notifications.js';
import type { KeyEvent } from '../kv/write-ops.js';

export interface ClientServerOptions {
  readonly nodeId: string;
  readonly clusterId: string;
  readonly members: readonly MemberConfig[];
  /** The configuration in force at start; `raft.membership` events follow it. */
  readonly config: ClusterConfig | null;
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
  /** The state machine's snapshot facts, for INFO (they travel in the request: see EdgeFacts.snapshot). */
  readonly snapshotFacts?: () => SnapshotFacts;
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
  /** Unsent reply bytes per connection, bounded in total by clientOutputTotalBytesMax. */
  private readonly ledger = new OutputLedger<ClientConnection>();
  /** What the guards refused or closed, for INFO. */
  readonly guardCounts: GuardCounts = newGuardCounts();
  private sweepTimer: NodeJS.Timeout | null = null;

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
    const directory = new MemberDirectory(options.members, options.config);
    bus.on('raft.membership', (e) => directory.update(e.config));
    this.node = {
      auth: this.auth,
      nodeId: options.nodeId,
      clusterId: options.clusterId,
      get members() {
        return directory.members();
      },
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
        this.sweepTimer = setInterval(() => this.sweep(), sweepIntervalMs(this.options.limits.clientPartialRequestTimeoutMs));
        this.sweepTimer.unref();
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
    if (this.sweepTimer !== null) clearInterval(this.sweepTimer);
    this.sweepTimer = null;
    this.server.close();
    return Promise.resolve();
  }

  /** Writes what is queued and closes every connection. */
  closeAll(): void {
    for (const connection of this.connections.values()) connection.end();
  }

  /** Closes connections whose request has been arriving for longer than clientPartialRequestTimeoutMs. */
  private sweep(): void {
    const now = Date.now();
    for (const connection of this.connections.values()) connection.checkPartialRequest(now);
  }

  /** Keyspace notifications for this batch, to every subscribed connection. */
  private notify(events: readonly KeyEvent[]): void {
    const notifications = notificationsFor(events, this.node.settings.get('notify-keyspace-events') ?? '');
    if (notifications.length === 0) return;
    for (const connection of this.connections.values()) connection.publish(notifications);
  }

  /** The guards' and AUTH's counts for /metrics, read at scrape time (this edge and ClientAuth own them). */
  clientSecurity(): ClientSecurityCounts {
    const refused = new Map<string, number>();
    for (const [field, reason] of Object.entries(GUARD_REFUSAL_REASONS)) refused.set(reason, this.guardCounts[field as keyof GuardCounts]);
    const { successes, failures, lockedOut } = this.auth.byUser;
    return { authSuccesses: successes, authFailures: failures, authLockedOut: lockedOut, connectionsRefused: refused };
  }

  private edgeFacts(): EdgeFactsForInfo {
    return {
      connectedClients: this.connections.size,
      tcpPort: this.address().port,
      uptimeSeconds: Math.floor((Date.now() - this.startedMs) / 1000),
      processId: process.pid,
      guards: { ...this.guardCounts, acl_access_denied_auth: this.auth.counts.failed + this.auth.counts.lockedOut },
      ...(this.options.snapshotFacts && { snapshot: this.options.snapshotFacts() }),
    };
  }

  private accept(socket: net.Socket): void {
    if (this.connections.size >= this.options.limits.clientConnectionsMax) {
      this.guardCounts.rejected_connections++;
      this.warn.warn('connections-max', { remote: socket.remoteAddress }, 'client refused: clientConnectionsMax reached');
      socket.end(encodeError(`ERR max number of clients reached (clientConnectionsMax ${this.options.limits.clientConnectionsMax})`));
      return;
    }
    const id = this.nextConnectionId++;
    evictWhenIdle(socket, this.options.limits.clientIdleTimeoutMs, this.options.logger, id, this.guardCounts);
    const state = new EdgeConnection(id, `${socket.remoteAddress}:${socket.remotePort}`, `${socket.localAddress}:${socket.localPort}`, Date.now(), this.auth.initialUser());
    state.remoteIp = socket.remoteAddress ?? '';
    if (this.auth.config !== null) evictUnauthenticated(socket, state, this.auth.config.authTimeoutMs, this.warn, this.guardCounts);
    const guards: ConnectionGuards = { ledger: this.ledger, counts: this.guardCounts, warn: this.warn };
    const connection = new ClientConnection(state, socket, this.bus, this.options, this.node, () => this.edgeFacts(), guards);
    this.connections.set(id, connection);
    socket.once('close', () => {
      this.ledger.set(connection, 0);
      this.connections.delete(id);
      this.bus.publish({ type: 'client.closed', conn: id });
    });
  }
}

type EdgeFactsForInfo = NonNullable<Extract<ClientRequest, { kind: 'info' }>['edge']>;

/** The node-wide state a connection's guards share. */
interface ConnectionGuards {
  readonly ledger: OutputLedger<ClientConnection>;
  readonly counts: GuardCounts;
  readonly warn: RateLimitedWarn;
}

/** Partial requests are checked this often: a tenth of the timeout, between 100 ms and 1 s. */
function sweepIntervalMs(timeoutMs: number): number {
  return Math.min(1_000, Math.max(100, Math.floor(timeoutMs / 10)));
}

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
  /** Estimated bytes of replies built and not yet handed to the socket (queued in order or waiting for an earlier one). */
  private queuedBytes = 0;
  /** Reading stopped because this connection holds more than clientOutputPauseBytes of unsent replies. */
  private outputPaused = false;
  /** When the first bytes of the request still incomplete arrived (ms), or null when none is. */
  private partialSinceMs: number | null = null;

  private readonly id: ConnectionId;

  constructor(
    readonly state: EdgeConnection,
    private readonly socket: net.Socket,
    private readonly bus: MessageBus,
    private readonly options: ClientServerOptions,
    private readonly node: EdgeNode,
    private readonly edgeFacts: () => EdgeFactsForInfo,
    private readonly guards: ConnectionGuards,
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
    socket.on('drain', () => this.drained());
  }

  /** Unsent reply bytes: built and queued here, or written and not yet taken by the kernel. */
  private unsentBytes(): number {
    return this.queuedBytes + this.socket.writableLength;
  }

  /** Reports unsent bytes to the node-wide ledger and stops reading requests past clientOutputPauseBytes. */
  private accountOutput(): void {
    const unsent = this.unsentBytes();
    this.guards.ledger.set(this, unsent);
    const limits = this.options.limits;
    if (!this.outputPaused && unsent > Math.min(limits.clientOutputPauseBytes, limits.clientOutputBytesMax)) {
      this.outputPaused = true;
      this.updateReading();
    }
  }

  /** The kernel took everything written: account it, and read requests again if output had stopped them. */
  private drained(): void {
    this.guards.ledger.set(this, this.unsentBytes());
    if (!this.outputPaused) return;
    this.outputPaused = false;
    this.parseRequests();
  }

  /**
   * Whether a reply of `bytes` may be built: not past this connection's
   * clientOutputBytesMax (else it is closed), and not past the node's
   * clientOutputTotalBytesMax (else the connection holding the most unsent
   * bytes is closed, this one or another, as Redis's maxmemory-clients does).
   */
  private admitOutput(bytes: number): boolean {
    const limits = this.options.limits;
    const unsent = this.unsentBytes();
    if (unsent + bytes > limits.clientOutputBytesMax) {
      this.evict('output', 'client disconnected: it does not read its replies (clientOutputBytesMax)', { unsent, reply: bytes });
      return false;
    }
    const ledger = this.guards.ledger;
    while (ledger.total - ledger.heldBy(this) + unsent + bytes > limits.clientOutputTotalBytesMax) {
      const victim = ledger.largest();
      if (victim === null || victim === this || ledger.heldBy(victim) <= unsent) {
        this.evict('total', 'client disconnected: replies unsent to all clients reached clientOutputTotalBytesMax and this one held the most', { unsent, total: ledger.total });
        return false;
      }
      victim.evict('total', 'client disconnected: replies unsent to all clients reached clientOutputTotalBytesMax and this one held the most', { unsent: ledger.heldBy(victim), total: ledger.total });
    }
    return true;
  }

  /** Closes the connection for a guard, logged (rate-limited) and counted; its queued replies are dropped. */
  evict(reason: 'output' | 'total' | 'partial', message: string, fields: Record<string, unknown>): void {
    if (this.socket.destroyed) return;
    const counts = this.guards.counts;
    if (reason === 'output') counts.client_output_buffer_limit_disconnections++;
    else if (reason === 'total') counts.client_output_total_limit_disconnections++;
    else counts.client_partial_request_timeouts++;
    this.guards.warn.warn(`evict-${reason}`, { conn: this.id, remote: this.socket.remoteAddress, ...fields }, message);
    this.out = [];
    this.replies.clear();
    this.queuedBytes = 0;
    this.guards.ledger.set(this, 0);
    this.socket.destroy();
  }

  /** Called by the node's sweep: a request begun clientPartialRequestTimeoutMs ago and still incomplete closes the connection. */
  checkPartialRequest(nowMs: number): void {
    if (this.partialSinceMs === null) return;
    const timeoutMs = this.options.limits.clientPartialRequestTimeoutMs;
    if (nowMs - this.partialSinceMs < timeoutMs) return;
    this.evict('partial', 'client disconnected: a request begun was not completed within clientPartialRequestTimeoutMs', { timeoutMs, buffered: this.parser.bufferedBytes });
  }

  /** Reading from the socket follows whether the connection may send more requests now. */
  private updateReading(): void {
    const stop = this.outstanding() >= this.options.limits.pipelinePerConnectionMax || this.outputPaused;
    if (stop === this.paused) return;
    this.paused = stop;
    if (stop) this.socket.pause();
    else this.socket.resume();
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
    let completed = false;
    while (this.outstanding() < max && !this.outputPaused) {
      // Redis's limits on what an unauthenticated client may send; AUTH answered above lifts them for the next request.
      this.parser.unauthenticated = this.state.user === null;
      const item = this.parser.next();
      if (item === null) break;
      completed = true;
      const seq = this.nextSeq++;
      if (item.type === 'error') {
        if (item.message === UNAUTHENTICATED_MULTIBULK_ERROR || item.message === UNAUTHENTICATED_BULK_ERROR) {
          this.guards.counts.client_unauthenticated_request_disconnections++;
        }
        this.refuse(seq, item.message, item.fatal);
        if (item.fatal) return;
        continue;
      }
      if (!this.userIsCurrent()) return;
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
    this.updateReading();
    // A request is partly here while the parser waits for the rest of it (not while it is held back).
    const partial = !this.paused && this.parser.bufferedBytes > 0;
    if (!partial) this.partialSinceMs = null;
    else if (completed || this.partialSinceMs === null) this.partialSinceMs = Date.now();
  }

  /**
   * ACL SETUSER changes the users of open connections at once, as in Redis:
   * after any change, the connection's user is looked up again. A deleted
   * user's connection is closed (false).
   */
  private userIsCurrent(): boolean {
    const auth = this.node.auth;
    const state = this.state;
    if (state.user === null || state.authGeneration === auth.generation) return true;
    state.authGeneration = auth.generation;
    state.user = auth.current(state.user);
    if (state.user !== null) return true;
    this.options.logger.info({ conn: this.id, remote: this.socket.remoteAddress }, 'client disconnected: its user was deleted (ACL DELUSER)');
    this.socket.destroy();
    return false;
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
    if (this.state.closeAfterReply && this.closeAfterSeq === -1) {
      this.closeAfterSeq = seq;
      this.guards.counts.client_auth_failure_disconnections++;
    }
    this.deliverReply(seq, reply);
  }

  /** READONLY tags reads as stale; INFO carries what only the edge knows. */
  private withConnectionFacts(request: ClientRequest): ClientRequest {
    if (request.kind === 'read' && this.state.stale) return { ...request, stale: true };
    if (request.kind === 'info') return { ...request, edge: this.edgeFacts() };
    // Built whole, not spread from the request: every write passes here, and the copy showed in a busy leader's profile.
    if (request.kind === 'write') return { kind: 'write', command: request.command, now: Date.now() };
    return request;
  }

  deliverReply(seq: number, reply: Reply): void {
    // No reply is built for a connection already closed (or closed by a guard).
    if (this.socket.destroyed) return;
    const watch = this.watching.get(seq);
    if (watch) {
      this.watching.delete(seq);
      if (reply.type === 'array') {
        this.transaction.watched(watch, reply.items.map((v) => Number(Buffer.from(v ?? []).toString())));
        reply = OK;
      }
    }
    const bytes = replyBytesEstimate(reply);
    if (!this.admitOutput(bytes)) return;
    this.queuedBytes += bytes;
    this.deliver(seq, encodeReply(reply, this.state.protocol));
    this.accountOutput();
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
    // What was queued is now the socket's, but for replies still waiting for an earlier one.
    this.queuedBytes = this.replies.size === 0 ? 0 : Math.max(0, this.queuedBytes - (typeof bytes === 'string' ? Buffer.byteLength(bytes, 'latin1') : bytes.length));
    if (this.socket.writableLength > this.options.limits.clientOutputBytesMax) {
      this.evict('output', 'client disconnected: it does not read its replies (clientOutputBytesMax)', { buffered: this.socket.writableLength });
      return;
    }
    this.accountOutput();
  }

  end(): void {
    this.flush();
    this.socket.end();
  }
}
