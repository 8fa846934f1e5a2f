/** A RESP LoadTarget: one TCP connection per load connection (raftkv's leader, or Redis). */
import net from 'node:net';
import { RespReader } from '../../client/resp-reader.js';
import type { Reply } from '../../client/reply.js';
import { ServerReplyError, type LoadConnection, type LoadTarget } from '../compare/target.js';

export class RespTarget implements LoadTarget {
  constructor(private readonly host: string, private readonly port: number) {}

  open(): Promise<LoadConnection> {
    return RespLoadConnection.open(this.host, this.port);
  }

  async close(): Promise<void> {}
}

interface Waiter {
  resolve(reply: Reply): void;
  reject(error: Error): void;
}

class RespLoadConnection implements LoadConnection {
  private readonly reader = new RespReader();
  private readonly waiting: Waiter[] = [];
  private failure: Error | null = null;

  private constructor(private readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk) => {
      for (const reply of this.reader.feed(chunk)) this.waiting.shift()?.resolve(reply);
    });
    const fail = (error: Error): void => {
      this.failure = error;
      for (const waiter of this.waiting.splice(0)) waiter.reject(error);
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('connection closed')));
  }

  static open(host: string, port: number): Promise<RespLoadConnection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port }, () => {
        socket.off('error', reject);
        resolve(new RespLoadConnection(socket));
      });
      socket.once('error', reject);
    });
  }

  async set(key: string, value: Buffer): Promise<void> {
    await this.call([Buffer.from('SET'), Buffer.from(key), value]);
  }

  async get(key: string): Promise<void> {
    await this.call([Buffer.from('GET'), Buffer.from(key)]);
  }

  async close(): Promise<void> {
    this.socket.destroy();
  }

  /** Sends one request and resolves with its reply, errors included. */
  raw(args: readonly Buffer[]): Promise<Reply> {
    if (this.failure !== null) return Promise.reject(this.failure);
    const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
    for (const arg of args) parts.push(Buffer.from(`$${arg.length}\r\n`), arg, CRLF);
    return new Promise<Reply>((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.socket.write(Buffer.concat(parts));
    });
  }

  private call(args: readonly Buffer[]): Promise<Reply> {
    return this.raw(args).then((reply) => {
      if (reply.type === 'error') throw new ServerReplyError(reply.message.split(' ')[0] ?? 'ERR', reply.message);
      return reply;
    });
  }
}

const CRLF = Buffer.from('\r\n');

/** One request on a fresh connection; for probes (PING, INFO), not load. */
export async function respCall(host: string, port: number, args: readonly string[]): Promise<Reply> {
  const connection = await RespLoadConnection.open(host, port);
  try {
    return await connection.raw(args.map((arg) => Buffer.from(arg)));
  } finally {
    await connection.close();
  }
}
