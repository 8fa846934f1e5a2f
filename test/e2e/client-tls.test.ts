/**
 * TLS on the client port (clientTls) of a real node process, with the
 * certificate `raftkv certs --client-hosts` makes: redis-cli --tls --cacert,
 * ioredis `tls:`, node-redis, raftkv cli/status --cacert all work; a
 * plaintext client and a client that does not trust the CA get nothing; with
 * requireClientCert, a client without a CA-signed certificate is refused at
 * the handshake. TLS and AUTH together, as a production node would run.
 */
import { execFile, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import tls from 'node:tls';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RaftkvClient } from '../../src/client/client.js';
import { parseHostPort } from '../../src/config/address.js';
import { ProcessCluster } from '../support/process-cluster.js';
import { waitFor } from '../support/wait.js';

const run = promisify(execFile);
const BIN = resolve(import.meta.dirname, '../../bin/raftkv.js');
const PASSWORD = 'tls-and-auth';

function certs(out: string, args: string[]): void {
  const result = spawnSync(process.execPath, [BIN, 'certs', '--out', out, ...args], { encoding: 'utf8' });
  expect(result.status, result.stderr).toBe(0);
}

describe('TLS on the client port', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'raftkv-client-tls-'));
  const ca = join(dir, 'ca');
  const other = join(dir, 'other');
  let plain: ProcessCluster;
  let mutual: ProcessCluster;
  let port: number;
  let mutualPort: number;

  beforeAll(async () => {
    certs(ca, ['--members', 'app', '--client-hosts', '127.0.0.1,localhost']);
    certs(other, ['--members', 'app']);
    const server = { certFile: join(ca, 'client-port.crt'), keyFile: join(ca, 'client-port.key') };
    plain = await ProcessCluster.create(1, { clientTls: server, clientAuth: { users: [{ name: 'default', passwordSha256: sha256(PASSWORD) }] } });
    plain.security = { tls: { ca: readFileSync(join(ca, 'ca.crt')) }, auth: { password: PASSWORD } };
    mutual = await ProcessCluster.create(1, { clientTls: { ...server, caFile: join(ca, 'ca.crt'), requireClientCert: true } });
    mutual.security = { tls: { ca: readFileSync(join(ca, 'ca.crt')), cert: readFileSync(join(ca, 'app.crt')), key: readFileSync(join(ca, 'app.key')) } };
    plain.startAll();
    mutual.startAll();
    await Promise.all([plain.waitForLeader(), mutual.waitForLeader()]);
    port = parseHostPort(plain.nodes[0]!.client).port;
    mutualPort = parseHostPort(mutual.nodes[0]!.client).port;
  });
  afterAll(async () => {
    await plain?.destroy();
    await mutual?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('redis-cli --tls --cacert works; without --tls or without the CA it gets no answer', async () => {
    const ok = await run('redis-cli', ['--tls', '--cacert', join(ca, 'ca.crt'), '-h', '127.0.0.1', '-p', String(port), '-a', PASSWORD, '--no-auth-warning', 'SET', 'tls:k', 'v']);
    expect(ok.stdout.trim()).toBe('OK');
    const byName = await run('redis-cli', ['--tls', '--cacert', join(ca, 'ca.crt'), '-h', 'localhost', '-p', String(port), '-a', PASSWORD, '--no-auth-warning', 'GET', 'tls:k']);
    expect(byName.stdout.trim()).toBe('v');
    const untrusted = await run('redis-cli', ['--tls', '--cacert', join(other, 'ca.crt'), '-h', '127.0.0.1', '-p', String(port), 'PING']).catch((e: { stdout: string; stderr: string }) => e);
    expect(`${untrusted.stdout}${untrusted.stderr}`).toMatch(/certificate verify failed|SSL/i);
    const plaintext = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), 'PING']).catch((e: { stdout: string; stderr: string }) => e);
    expect(plaintext.stdout).not.toMatch(/PONG|NOAUTH/);
  });

  it('a plaintext client gets nothing readable, and the node keeps serving TLS clients', async () => {
    const socket = net.connect(port, '127.0.0.1');
    const received: Buffer[] = [];
    socket.on('data', (chunk) => received.push(chunk));
    socket.on('error', () => {});
    socket.write('PING\r\n');
    await waitFor(() => socket.destroyed || socket.readableEnded, { what: 'the node to drop the plaintext client' });
    expect(Buffer.concat(received).toString('latin1')).not.toMatch(/PONG|NOAUTH/);
    expect((await plain.info('n1'))['role']).toBe('leader');
  });

  it('ioredis and node-redis connect with their TLS options', async () => {
    const io = new Redis({ host: '127.0.0.1', port, password: PASSWORD, tls: { ca: readFileSync(join(ca, 'ca.crt')) }, lazyConnect: true });
    await io.connect();
    try {
      expect(await io.get('tls:k')).toBe('v');
    } finally {
      io.disconnect();
    }
    const nr = createClient({ url: `rediss://localhost:${port}`, password: PASSWORD, socket: { tls: true, ca: readFileSync(join(ca, 'ca.crt')) } });
    await nr.connect();
    try {
      expect(await nr.get('tls:k')).toBe('v');
    } finally {
      nr.destroy();
    }
  });

  it('raftkv cli and status connect with --cacert (implying --tls) and a password', async () => {
    const cli = await run(process.execPath, [BIN, 'cli', '--cluster', plain.nodes[0]!.client, '--cacert', join(ca, 'ca.crt'), 'get', 'tls:k'], { env: { ...process.env, RAFTKV_PASSWORD: PASSWORD } });
    expect(cli.stdout).toBe('v\n');
    const status = await run(process.execPath, [BIN, 'status', '--cluster', plain.nodes[0]!.client, '--tls', '--cacert', join(ca, 'ca.crt')], { env: { ...process.env, RAFTKV_PASSWORD: PASSWORD } });
    expect(status.stdout).toMatch(/leader/);
  });

  it('requireClientCert: a CA-signed client certificate is served, none or another CA is refused at the handshake', async () => {
    const client = new RaftkvClient({ nodes: mutual.addresses(), security: mutual.security });
    try {
      await client.set('mtls:k', 'v');
      expect(String(await client.get('mtls:k'))).toBe('v');
    } finally {
      await client.close();
    }
    const refused = async (options: tls.ConnectionOptions) =>
      new Promise<string>((resolve) => {
        const socket = tls.connect({ host: '127.0.0.1', port: mutualPort, ca: readFileSync(join(ca, 'ca.crt')), ...options }, () => socket.write('PING\r\n'));
        socket.on('data', (chunk) => resolve(`answered ${chunk.toString('latin1')}`));
        socket.on('error', (err) => resolve(`refused: ${err.message}`));
        socket.on('close', () => resolve('refused: closed'));
      });
    expect(await refused({})).toMatch(/^refused/);
    expect(await refused({ cert: readFileSync(join(other, 'app.crt')), key: readFileSync(join(other, 'app.key')) })).toMatch(/^refused/);
    expect(readFileSync(mutual.nodes[0]!.logPath, 'utf8')).toMatch(/TLS handshake failed/);
  });
});

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
