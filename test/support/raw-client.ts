/** A raw TCP client for protocol tests: send any bytes, collect the RESP replies. */
import net from 'node:net';
import { RespReader } from '../../src/client/resp-reader.js';
import { describeReply, type Reply } from '../../src/client/reply.js';
import { waitFor } from './wait.js';

export class RawClient {
  readonly replies: Reply[] = [];
  closed = false;
  private readonly reader = new RespReader();

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk) => this.replies.push(...this.reader.feed(chunk)));
    socket.on('close', () => (this.closed = true));
    socket.on('error', () => {});
  }

  static connect(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () => resolve(new RawClient(socket)));
      socket.once('error', reject);
    });
  }

  send(bytes: string | Uint8Array): void {
    this.socket.write(bytes);
  }

  /** Waits for `count` replies in total and returns them rendered as redis-cli would. */
  async read(count: number): Promise<string[]> {
    await waitFor(() => this.replies.length >= count || this.closed, { what: `${count} replies` });
    return this.replies.slice(0, count).map(describeReply);
  }

  /** Sends a command and returns its reply. */
  async call(line: string): Promise<string> {
    const before = this.replies.length;
    this.send(`${line}\r\n`);
    const all = await this.read(before + 1);
    return all[before]!;
  }

  async waitClosed(): Promise<void> {
    await waitFor(() => this.closed, { what: 'the server to close the connection' });
  }

  destroy(): void {
    this.socket.destroy();
  }
}
