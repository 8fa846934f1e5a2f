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
import type { Logger } from 'pino';
import type { MessageBus } from '../bus/bus.js';
import type { ConnectionId } from '../bus/events.js';
import type { LimitsConfig } from '../config/types.js';
import { parseCommand } from '../protocol/commands.js';
import { RequestParser } from '../protocol/parser.js';
import { encodeReply } from '../protocol/reply.js';
import { concatReplies, encodeBulk, encodeError, type RespReply } from '../protocol/resp.js';
import { oncePerTurn } from '../util/once-per-turn.js';

export interface ClientServerOptions {
  readonly host: string;
  readonly port: number;
  readonly limits: LimitsConfig;
  readonly logger: Logger;
  /** DEBUG FLIGHTDUMP: writes the flight recorder to a file, returns its path. Answered here, off the bus, so traces and replays never see it. */
  readonly onFlightDump?: () => string;
}

export class ClientServer {
  private readonly server = net.createServer((socket) => this.accept(socket));
  private readonly connections = new Map<ConnectionId, ClientConnection>();
  private nextConnectionId = 1;

  constructor(
    private readonly bus: MessageBus,
    private readonly options: ClientServerOptions,
  ) {
    bus.on('client.reply', (e) => this.connections.get(e.conn)?.deliver(e.seq, encodeReply(e.reply)));
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

  /** Stops accepting; existing connections stay until closeAll(). */
  stopAccepting(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** Writes what is queued and closes every connection. */
  closeAll(): void {
    for (const connection of this.connections.values()) connection.end();
  }

  private accept(socket: net.Socket): void {
    if (this.connections.size >= this.options.limits.clientConnectionsMax) {
      this.options.logger.warn({ remote: socket.remoteAddress }, 'client refused: clientConnectionsMax reached');
      socket.end(encodeError(`ERR max number of clients reached (clientConnectionsMax ${this.options.limits.clientConnectionsMax})`));
      return;
    }
    const id = this.nextConnectionId++;
    const connection = new ClientConnection(id, socket, this.bus, this.options);
    this.connections.set(id, connection);
    socket.once('close', () => {
      this.connections.delete(id);
      this.bus.publish({ type: 'client.closed', conn: id });
    });
  }
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

  constructor(
    private readonly id: ConnectionId,
    private readonly socket: net.Socket,
    private readonly bus: MessageBus,
    private readonly options: ClientServerOptions,
  ) {
    this.parser = new RequestParser(options.limits);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', (err) => options.logger.debug({ conn: id, err: err.message }, 'client connection error'));
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
      const parsed = parseCommand(item.args, this.options.limits);
      if (!parsed.ok) {
        this.refuse(seq, parsed.error, false);
        continue;
      }
      if (parsed.request.kind === 'debug-flightdump') {
        this.deliver(seq, this.flightDump());
        continue;
      }
      this.bus.publish({ type: 'client.request', conn: this.id, seq, request: parsed.request });
      if (parsed.request.kind === 'quit') {
        this.quitSeq = seq;
        return; // nothing after QUIT is read
      }
    }
    const full = this.outstanding() >= max;
    if (full !== this.paused) {
      this.paused = full;
      if (full) this.socket.pause();
      else this.socket.resume();
    }
  }

  private flightDump(): RespReply {
    if (!this.options.onFlightDump) return encodeError('ERR this node has no flight recorder');
    try {
      return encodeBulk(Buffer.from(this.options.onFlightDump()));
    } catch (error) {
      return encodeError(`ERR flight dump failed: ${(error as Error).message}`);
    }
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
