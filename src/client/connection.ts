/**
 * One TCP connection speaking RESP arrays to one node, with pipelining.
 *
 * The server answers requests in order, so pending requests are a FIFO of
 * promises. Requests issued in the same event-loop turn go out in one
 * `socket.write` (loopback TCP costs per write, not per byte). A request not
 * answered in time fails with TIMEOUT and the connection is dropped: its reply
 * may still arrive and would otherwise be handed to the next request.
 */
import net from 'node:net';
import tls from 'node:tls';
import { ClientError } from './errors.js';
import { encodeCommand, parseAddress, type Arg } from './encode.js';
import { Fifo } from './fifo.js';
import type { Reply } from './reply.js';
import { RespProtocolError, RespReader } from './resp-reader.js';
import { oncePerTurn } from '../util/once-per-turn.js';

/** AUTH once connected: `user` absent means Redis's `AUTH password` (the default user). */
export interface Credentials {
  readonly user?: string;
  readonly password: string;
}

/** TLS to the client port (the node's clientTls): the CA to trust, and a certificate when the node requires one. */
export interface ClientTls {
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
  /** The name the node's certificate must carry; default: the host connected to. */
  readonly servername?: string;
}

/** How to reach a node that requires TLS or authentication; shared by every connection a client opens. */
export interface ConnectionSecurity {
  readonly auth?: Credentials;
  readonly tls?: ClientTls;
}

export interface ConnectionOptions extends ConnectionSecurity {
  readonly connectTimeoutMs?: number;
  /** Default per-request timeout; `send` may override it. */
  readonly requestTimeoutMs?: number;
}

export interface SendOptions {
  readonly timeoutMs?: number;
}

interface Pending {
  readonly resolve: (reply: Reply) => void;
  readonly reject: (error: ClientError) => void;
  readonly deadline: number;
}

export class RespConnection {
  readonly address: string;
  private readonly socket: net.Socket;
  private readonly reader = new RespReader();
  private readonly pending = new Fifo<Pending>();
  private outQueue: Buffer[] = [];
  private readonly scheduleFlush = oncePerTurn(() => this.flush());
  private timer: NodeJS.Timeout | null = null;
  private timerAt = Infinity;
  private failure: ClientError | null = null;
  private readonly closeListeners: (() => void)[] = [];
  private closedEmitted = false;
  private closing = false;
  private idleWaiters: (() => void)[] = [];
  private readonly requestTimeoutMs: number;

  private constructor(address: string, socket: net.Socket, options: ConnectionOptions) {
    this.address = address;
    this.socket = socket;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 5_000;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error) => this.fail(connectionError(address, error)));
    socket.on('close', () => this.onClose());
  }

  /**
   * Connects to "host:port" (over TLS when options.tls is given) and
   * authenticates when options.auth is; rejects with a CONNECTION or AUTH
   * ClientError.
   */
  static async connect(address: string, options: ConnectionOptions = {}): Promise<RespConnection> {
    const connection = await RespConnection.open(address, options);
    if (options.auth === undefined) return connection;
    const { user, password } = options.auth;
    let reply: Reply;
    try {
      reply = await connection.send(user === undefined ? ['AUTH', password] : ['AUTH', user, password]);
    } catch (error) {
      connection.destroy();
      throw error;
    }
    // A node without clientAuth answers a bare password so; as ioredis does, connect anyway.
    if (reply.type !== 'error' || reply.message.startsWith('ERR AUTH <password> called without any password configured')) return connection;
    connection.destroy();
    throw new ClientError('AUTH', `${address} refused the credentials${user === undefined ? '' : ` of user ${user}`}: ${reply.message}`, { address, serverMessage: reply.message });
  }

  private static open(address: string, options: ConnectionOptions): Promise<RespConnection> {
    const parsed = parseAddress(address);
    if (parsed === null) {
      return Promise.reject(new ClientError('CONNECTION', `bad address ${JSON.stringify(address)}`, { address }));
    }
    return new Promise((resolve, reject) => {
      const secure = options.tls;
      const socket =
        secure === undefined
          ? net.connect({ host: parsed.host, port: parsed.port })
          : tls.connect({ host: parsed.host, port: parsed.port, ...secure, ...(secure.servername === undefined && net.isIP(parsed.host) === 0 && { servername: parsed.host }) });
      const ready = secure === undefined ? 'connect' : 'secureConnect';
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new ClientError('CONNECTION', `connecting to ${address} timed out`, { address }));
      }, options.connectTimeoutMs ?? 2_000);
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(connectionError(address, error));
      });
      socket.once(ready, () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(new RespConnection(address, socket, options));
      });
    });
  }

  /** False once the connection failed or was closed; a closed connection never reopens. */
  get isOpen(): boolean {
    return this.failure === null;
  }

  get pendingCount(): number {
    return this.pending.length;
  }

  /** Called once when the connection is gone, whatever the reason. */
  onClosed(listener: () => void): void {
    if (this.closedEmitted) listener();
    else this.closeListeners.push(listener);
  }

  send(args: readonly Arg[], options: SendOptions = {}): Promise<Reply> {
    if (this.failure !== null) return Promise.reject(this.failure);
    if (this.closing) return Promise.reject(this.closedError());
    const frame = encodeCommand(args);
    const deadline = performance.now() + (options.timeoutMs ?? this.requestTimeoutMs);
    return new Promise<Reply>((resolve, reject) => {
      this.pending.push({ resolve, reject, deadline });
      this.outQueue.push(frame);
      this.scheduleFlush();
      if (deadline < this.timerAt) this.armTimer(deadline);
    });
  }

  /** Stops new requests, waits for pending ones (bounded by their timeouts), then closes. */
  async close(): Promise<void> {
    this.closing = true;
    await new Promise<void>((resolve) => this.waitForIdle(resolve));
    this.destroy();
  }

  /** Closes at once; every pending request fails with `error` (CLOSED by default). */
  destroy(error?: ClientError): void {
    this.fail(error ?? this.closedError());
  }

  private closedError(): ClientError {
    return new ClientError('CLOSED', `connection to ${this.address} closed`, { address: this.address });
  }


  private waitForIdle(resolve: () => void): void {
    if (this.pending.length === 0 || this.failure !== null) resolve();
    else this.idleWaiters.push(resolve);
  }

  private flush(): void {
    if (this.failure !== null || this.outQueue.length === 0) return;
    const frames = this.outQueue;
    this.outQueue = [];
    this.socket.write(frames.length === 1 ? (frames[0] as Buffer) : Buffer.concat(frames));
  }

  private onData(chunk: Buffer): void {
    let replies: Reply[];
    try {
      replies = this.reader.feed(chunk);
    } catch (error) {
      const message = error instanceof RespProtocolError ? error.message : String(error);
      this.fail(new ClientError('PROTOCOL', `bad reply from ${this.address}: ${message}`, { address: this.address }));
      return;
    }
    for (const reply of replies) {
      const waiter = this.pending.shift();
      if (waiter === undefined) {
        this.fail(new ClientError('PROTOCOL', `unsolicited reply from ${this.address}`, { address: this.address }));
        return;
      }
      waiter.resolve(reply);
    }
    if (this.pending.length === 0) this.notifyIdle();
  }

  private notifyIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const waiter of waiters) waiter();
  }

  private armTimer(at: number): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => this.onTimer(), Math.max(0, at - performance.now()));
  }

  /** Lazily re-armed: one timer per connection, not one per request. */
  private onTimer(): void {
    this.timer = null;
    this.timerAt = Infinity;
    const now = performance.now();
    let next = Infinity;
    for (const p of this.pending) {
      if (p.deadline <= now) {
        const timeout = new ClientError('TIMEOUT', `no reply from ${this.address} in time`, { address: this.address });
        p.reject(timeout);
        this.fail(new ClientError('CONNECTION', `connection to ${this.address} dropped after a request timed out`, { address: this.address }));
        return;
      }
      next = Math.min(next, p.deadline);
    }
    if (next < Infinity) this.armTimer(next);
  }

  private fail(error: ClientError): void {
    if (this.failure === null) this.failure = error;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.outQueue = [];
    for (const p of this.pending.drain()) p.reject(this.failure);
    this.notifyIdle();
    if (!this.socket.destroyed) this.socket.destroy();
  }

  private onClose(): void {
    this.fail(new ClientError('CONNECTION', `connection to ${this.address} closed by the server`, { address: this.address }));
    this.closedEmitted = true;
    const listeners = this.closeListeners.splice(0);
    for (const listener of listeners) listener();
  }
}

function connectionError(address: string, error: Error & { code?: string }): ClientError {
  const what = error.code ?? error.message;
  return new ClientError('CONNECTION', `connection to ${address} failed: ${what}`, { address, cause: error });
}
