/**
 * Client authentication on a real node process (clientAuth): -NOAUTH before
 * AUTH, -WRONGPASS, ACL WHOAMI, a read-only user's -NOPERM, the connection
 * closed after repeated failures and the address locked out, the
 * unauthenticated-connection timeout; and the tools people use, with their
 * password options: redis-cli (-a, --user --pass), ioredis, node-redis,
 * and raftkv's own cli and status (flags and RAFTKV_PASSWORD).
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseHostPort } from '../../src/config/address.js';
import { ProcessCluster } from '../support/process-cluster.js';
import { RawClient } from '../support/raw-client.js';
import { waitFor } from '../support/wait.js';

const run = promisify(execFile);
const BIN = resolve(import.meta.dirname, '../../bin/raftkv.js');
const ADMIN_PASSWORD = 'correct horse battery staple';
const READER_PASSWORD = 'r3ad-only';

describe('client authentication on a node process', { timeout: 90_000 }, () => {
  let cluster: ProcessCluster;
  let port: number;
  let address: string;
  let secrets: string;
  const clients: RawClient[] = [];

  const raw = async (): Promise<RawClient> => {
    const client = await RawClient.connect(port);
    clients.push(client);
    return client;
  };
  const cli = (args: string[], env: Record<string, string> = {}) =>
    run(process.execPath, [BIN, ...args], { env: { ...process.env, RAFTKV_PASSWORD: '', RAFTKV_USER: '', ...env } }).then(
      (r) => ({ code: 0, out: r.stdout, err: r.stderr }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout, err: e.stderr }),
    );

  beforeAll(async () => {
    secrets = mkdtempSync(join(tmpdir(), 'raftkv-secrets-'));
    writeFileSync(join(secrets, 'default.pass'), `${ADMIN_PASSWORD}\n`, { mode: 0o600 });
    const readerHash = createHash('sha256').update(READER_PASSWORD).digest('hex');
    cluster = await ProcessCluster.create(1, {
      clientAuth: {
        users: [
          { name: 'default', passwordFile: join(secrets, 'default.pass') },
          { name: 'reader', passwordSha256: readerHash, commands: 'read' },
        ],
        authTimeoutMs: 2_000,
        failuresPerConnectionMax: 2,
        failuresPerAddressMax: 1_000,
      },
    });
    cluster.security = { auth: { password: ADMIN_PASSWORD } };
    cluster.startAll();
    await cluster.waitForLeader();
    address = cluster.nodes[0]!.client;
    port = parseHostPort(address).port;
  });
  afterAll(async () => {
    for (const client of clients) client.destroy();
    await cluster?.destroy();
    rmSync(secrets, { recursive: true, force: true });
  });

  it('answers NOAUTH before AUTH (but unknown commands and arities first, as Redis), then serves', async () => {
    const c = await raw();
    expect(await c.call('PING')).toBe('(error) NOAUTH Authentication required.');
    expect(await c.call('GET k')).toBe('(error) NOAUTH Authentication required.');
    expect(await c.call('MULTI')).toBe('(error) NOAUTH Authentication required.');
    expect(await c.call('ACL WHOAMI')).toBe('(error) NOAUTH Authentication required.');
    expect(await c.call('NOSUCH')).toMatch(/^\(error\) ERR unknown command 'NOSUCH'/);
    expect(await c.call('GET')).toBe("(error) ERR wrong number of arguments for 'get' command");
    expect(await c.call('HELLO 3')).toMatch(/^\(error\) NOAUTH HELLO must be called with the client already authenticated/);
    expect(await c.call(`AUTH "${ADMIN_PASSWORD}"`)).toBe('OK');
    expect(await c.call('ACL WHOAMI')).toBe('"default"');
    expect(await c.call('SET auth:k v')).toBe('OK');
    expect(await c.call('CLIENT INFO')).toMatch(/ user=default /);
    // RESET goes back to the default user, which here means unauthenticated (as Redis).
    expect(await c.call('RESET')).toBe('RESET');
    expect(await c.call('GET auth:k')).toBe('(error) NOAUTH Authentication required.');
  });

  it('limits what an unauthenticated client may send, as Redis 7 does (10 words, 16 KiB strings), and lifts it after AUTH', async () => {
    const many = await raw();
    many.send(`*11\r\n${'$1\r\na\r\n'.repeat(11)}`);
    expect(await many.read(1)).toEqual(['(error) ERR Protocol error: unauthenticated multibulk length']);
    await many.waitClosed();
    const big = await raw();
    big.send('*2\r\n$4\r\nAUTH\r\n$16385\r\n');
    expect(await big.read(1)).toEqual(['(error) ERR Protocol error: unauthenticated bulk length']);
    await big.waitClosed();
    const ok = await raw();
    const value = 'v'.repeat(20_000);
    ok.send(`AUTH "${ADMIN_PASSWORD}"\r\n*3\r\n$3\r\nSET\r\n$7\r\nauth:bg\r\n$${value.length}\r\n${value}\r\n`);
    expect(await ok.read(2)).toEqual(['OK', 'OK']);
  });

  it('refuses a wrong pair with WRONGPASS and closes the connection after failuresPerConnectionMax', async () => {
    const c = await raw();
    expect(await c.call('AUTH nope')).toBe('(error) WRONGPASS invalid username-password pair or user is disabled.');
    expect(await c.call(`AUTH nobody "${ADMIN_PASSWORD}"`)).toBe('(error) WRONGPASS invalid username-password pair or user is disabled.');
    await c.waitClosed();
    const log = readFileSync(cluster.nodes[0]!.logPath, 'utf8');
    expect(log).toContain('client AUTH failed');
    expect(log).not.toContain('nope'); // the password tried is never logged
  });

  it('HELLO AUTH authenticates and answers the handshake in one step; a bad pair changes nothing', async () => {
    const c = await raw();
    expect(await c.call('HELLO 2 AUTH reader wrong SETNAME r1')).toBe('(error) WRONGPASS invalid username-password pair or user is disabled.');
    expect(await c.call('CLIENT GETNAME')).toBe('(error) NOAUTH Authentication required.');
    expect(await c.call(`HELLO 2 AUTH reader ${READER_PASSWORD} SETNAME r1`)).toMatch(/^\["server", "redis", "version", "7\./);
    expect(await c.call('CLIENT GETNAME')).toBe('"r1"');
    expect(await c.call('ACL WHOAMI')).toBe('"reader"');
  });

  it('a read-only user reads but gets NOPERM for writes, also inside MULTI (EXECABORT)', async () => {
    const c = await raw();
    expect(await c.call(`AUTH reader ${READER_PASSWORD}`)).toBe('OK');
    expect(await c.call('GET auth:k')).toBe('"v"');
    expect(await c.call('SET auth:k w')).toBe("(error) NOPERM this user has no permissions to run the 'set' command");
    expect(await c.call('CONFIG SET notify-keyspace-events KEA')).toBe("(error) NOPERM this user has no permissions to run the 'config|set' command");
    expect(await c.call('CLUSTER TRANSFER-LEADER')).toBe("(error) NOPERM this user has no permissions to run the 'cluster|transfer-leader' command");
    expect(await c.call('MULTI')).toBe('OK');
    expect(await c.call('GET auth:k')).toBe('QUEUED');
    expect(await c.call('DEL auth:k')).toBe("(error) NOPERM this user has no permissions to run the 'del' command");
    expect(await c.call('EXEC')).toMatch(/EXECABORT/);
    expect(await c.call('GET auth:k')).toBe('"v"');
  });

  it('closes a connection that does not authenticate within authTimeoutMs, even a busy one', async () => {
    const c = await raw();
    await waitFor(
      async () => {
        if (!c.closed) await c.call('PING').catch(() => undefined);
        return c.closed;
      },
      { what: 'the unauthenticated connection to be closed', timeoutMs: 10_000 },
    );
    expect(readFileSync(cluster.nodes[0]!.logPath, 'utf8')).toContain('not authenticated within authTimeoutMs');
  });

  it('redis-cli authenticates with -a and with --user --pass', async () => {
    const a = await run('redis-cli', ['-p', String(port), '-a', ADMIN_PASSWORD, '--no-auth-warning', 'SET', 'auth:cli', 'x']);
    expect(a.stdout.trim()).toBe('OK');
    const user = await run('redis-cli', ['-p', String(port), '--user', 'reader', '--pass', READER_PASSWORD, '--no-auth-warning', 'GET', 'auth:cli']);
    expect(user.stdout.trim()).toBe('x');
    const none = await run('redis-cli', ['-p', String(port), 'GET', 'auth:cli']);
    expect(none.stdout.trim()).toBe('NOAUTH Authentication required.');
  });

  it('ioredis and node-redis authenticate with their password options (and fail clearly without)', async () => {
    const io = new Redis({ host: '127.0.0.1', port, password: ADMIN_PASSWORD, lazyConnect: true });
    await io.connect();
    try {
      expect(await io.set('auth:io', '1')).toBe('OK');
      expect(await io.call('ACL', 'WHOAMI')).toBe('default');
    } finally {
      io.disconnect();
    }
    const ioUser = new Redis({ host: '127.0.0.1', port, username: 'reader', password: READER_PASSWORD, lazyConnect: true });
    await ioUser.connect();
    try {
      expect(await ioUser.get('auth:io')).toBe('1');
      await expect(ioUser.set('auth:io', '2')).rejects.toThrow(/NOPERM/);
    } finally {
      ioUser.disconnect();
    }
    const nr = createClient({ url: `redis://127.0.0.1:${port}`, password: ADMIN_PASSWORD });
    await nr.connect();
    try {
      expect(await nr.get('auth:io')).toBe('1');
    } finally {
      nr.destroy();
    }
    const nrUser = createClient({ url: `redis://reader:${encodeURIComponent(READER_PASSWORD)}@127.0.0.1:${port}` });
    await nrUser.connect();
    try {
      expect(await nrUser.sendCommand(['ACL', 'WHOAMI'])).toBe('reader');
    } finally {
      nrUser.destroy();
    }
    const wrong = createClient({ url: `redis://127.0.0.1:${port}`, password: 'wrong', socket: { reconnectStrategy: false } });
    wrong.on('error', () => {});
    await expect(wrong.connect()).rejects.toThrow(/WRONGPASS/);
  });

  it('raftkv cli and status take --password / --user or RAFTKV_PASSWORD, and say what is missing', async () => {
    const set = await cli(['cli', '--cluster', address, '--password', ADMIN_PASSWORD, 'set', 'auth:raftkv', 'y']);
    expect(set).toMatchObject({ code: 0, out: 'OK\n' });
    const get = await cli(['cli', '--cluster', address, 'get', 'auth:raftkv'], { RAFTKV_USER: 'reader', RAFTKV_PASSWORD: READER_PASSWORD });
    expect(get).toMatchObject({ code: 0, out: 'y\n' });
    const denied = await cli(['cli', '--cluster', address, 'get', 'auth:raftkv']);
    expect(denied.code).toBe(1);
    expect(denied.err).toMatch(/NOAUTH.*RAFTKV_PASSWORD/);
    const status = await cli(['status', '--cluster', address], { RAFTKV_PASSWORD: ADMIN_PASSWORD });
    expect(status.code).toBe(0);
    expect(status.out).toMatch(/leader/);
  });
});
