/**
 * The connection handshake and the connection-level commands, through the
 * client libraries people use, with their defaults (node-redis 6 and
 * ioredis 6 both start with HELLO 3), and raw RESP2, against a real node.
 */
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSingleNode, type TestNode } from '../support/in-process.js';
import { RawClient } from '../support/raw-client.js';
import { RespConnection } from '../../src/client/connection.js';

describe('handshake and connection commands', { timeout: 30_000 }, () => {
  let t: TestNode;
  beforeAll(async () => {
    t = await startSingleNode();
  });
  afterAll(async () => t?.close());

  it('node-redis connects with its default protocol (HELLO 3) and names itself', async () => {
    const client = createClient({ url: `redis://127.0.0.1:${t.clientPort}`, name: 'nr-test' });
    await client.connect();
    try {
      expect(await client.ping()).toBe('PONG');
      expect(await client.set('hs:k', 'v')).toBe('OK');
      expect(await client.get('hs:k')).toBe('v');
      expect(await client.get('hs:missing')).toBeNull(); // RESP3 null
      expect(await client.clientGetName()).toBe('nr-test');
      const id = await client.clientId();
      expect(id).toBeGreaterThan(0);
      const info = await client.clientInfo();
      expect(info.id).toBe(id);
      expect(info.name).toBe('nr-test');
      expect(info.resp).toBe(3);
      expect(info.libName).toMatch(/node-redis/);
      const hello = await client.hello();
      expect(hello).toMatchObject({ server: 'redis', proto: 3, id });
    } finally {
      client.destroy();
    }
  });

  it('ioredis connects with its defaults (HELLO 3 too, since version 6), sets a name, lists clients', async () => {
    const client = new Redis({ port: t.clientPort, host: '127.0.0.1', connectionName: 'io-test', lazyConnect: true });
    await client.connect();
    const other = await RawClient.connect(t.clientPort);
    try {
      expect(await client.client('GETNAME')).toBe('io-test');
      expect(await client.client('SETNAME', 'io-renamed')).toBe('OK');
      const list = String(await client.client('LIST'));
      expect(list).toMatch(/name=io-renamed .*resp=3 lib-name=ioredis/);
      expect(list.trim().split('\n').length).toBeGreaterThanOrEqual(2);
      const mine = String(await client.client('LIST', 'ID', String(await client.client('ID'))));
      expect(mine.trim().split('\n')).toHaveLength(1);
      expect(await client.call('CLIENT', 'NO-EVICT', 'on')).toBe('OK');
      expect(String(await client.client('INFO'))).toMatch(/flags=e/);
      await expect(client.call('CLIENT', 'NO-EVICT', 'maybe')).rejects.toThrow('ERR syntax error');
      await expect(client.client('SETNAME', 'has space')).rejects.toThrow(/cannot contain spaces/);
    } finally {
      other.destroy();
      client.disconnect();
    }
  });

  it('COMMAND describes the commands that exist; INFO answers by section; ROLE, TIME, DBSIZE', async () => {
    const client = new Redis({ port: t.clientPort, host: '127.0.0.1', lazyConnect: true });
    await client.connect();
    try {
      const count = (await client.call('COMMAND', 'COUNT')) as number;
      const all = (await client.call('COMMAND')) as unknown[][];
      expect(all).toHaveLength(count);
      const get = all.find((c) => c[0] === 'get')!;
      expect(get.slice(0, 6)).toEqual(['get', 2, ['readonly', 'fast'], 1, 1, 1]);
      expect(await client.call('COMMAND', 'INFO', 'nosuch')).toEqual([null]);
      const docs = (await client.call('COMMAND', 'DOCS', 'set')) as unknown[];
      expect(docs[0]).toBe('set');

      const server = await client.info('server');
      expect(server).toMatch(/^# Server\r\n/);
      expect(server).toMatch(/redis_version:7\./);
      expect(server).toMatch(/raftkv_version:/);
      expect(server).not.toMatch(/# Replication/);
      const replication = await client.info('replication');
      expect(replication).toMatch(/role:master/);
      expect(await client.info()).toMatch(/# raftkv\r\n(.|\r\n)*role:leader/);

      await client.set('hs:1', 'a');
      await client.set('hs:2', 'b');
      const size = await client.dbsize();
      expect(size).toBeGreaterThanOrEqual(2);
      expect(await client.info('keyspace')).toContain(`db0:keys=${size}`);

      const role = (await client.role()) as unknown[];
      expect(role[0]).toBe('master');
      const [seconds, micros] = (await client.time()) as unknown as [string, string];
      expect(Math.abs(Number(seconds) - Date.now() / 1000)).toBeLessThan(60);
      expect(Number(micros)).toBeLessThan(1_000_000);
      expect(await client.config('GET', 'append*')).toEqual(['appendonly', 'yes', 'appendfsync', 'always']);
    } finally {
      client.disconnect();
    }
  });

  it('HELLO refuses unknown protocols; AUTH as Redis without a password; RESET goes back to RESP2', async () => {
    const c = await RawClient.connect(t.clientPort);
    try {
      expect(await c.call('HELLO 4')).toBe('(error) NOPROTO unsupported protocol version');
      // Without clientAuth, as Redis without requirepass: the default user takes any password, others do not exist.
      expect(await c.call('AUTH secret')).toMatch(/without any password configured/);
      expect(await c.call('AUTH default secret')).toBe('OK');
      expect(await c.call('AUTH someone secret')).toBe('(error) WRONGPASS invalid username-password pair or user is disabled.');
      expect(await c.call('ACL WHOAMI')).toBe('"default"');
      // raftkv's client given a password for such a node connects anyway, as ioredis does.
      const connection = await RespConnection.connect(`127.0.0.1:${t.clientPort}`, { auth: { password: 'unneeded' } });
      expect(await connection.send(['PING'])).toEqual({ type: 'simple', value: 'PONG' });
      connection.destroy();
      expect(await c.call('HELLO 2 SETNAME raw')).toMatch(/^\["server", "redis", "version", "7\./);
      expect(await c.call('CLIENT GETNAME')).toBe('"raw"');
      expect(await c.call('RESET')).toBe('RESET');
      expect(await c.call('CLIENT GETNAME')).toBe('(nil)');
    } finally {
      c.destroy();
    }
  });
});
