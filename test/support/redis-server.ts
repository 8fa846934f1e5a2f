/**
 * A real redis-server (Debian's package) on a free loopback port, for
 * differential tests: nothing saved to disk, stopped with the test.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RawClient } from './raw-client.js';
import { freePorts } from './ports.js';
import { waitFor } from './wait.js';

export class RedisServer {
  private constructor(
    readonly port: number,
    private readonly child: ChildProcess,
    private readonly dir: string,
  ) {}

  static async start(): Promise<RedisServer> {
    const [port] = await freePorts(1);
    const dir = mkdtempSync(join(tmpdir(), 'raftkv-redis-'));
    const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
    const server = new RedisServer(port!, child, dir);
    await waitFor(
      async () => {
        try {
          const client = await RawClient.connect(port!);
          client.destroy();
          return true;
        } catch {
          return false;
        }
      },
      { what: `redis-server on port ${port}` },
    );
    return server;
  }

  async stop(): Promise<void> {
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGKILL');
    await exited;
    await rm(this.dir, { recursive: true, force: true });
  }
}
