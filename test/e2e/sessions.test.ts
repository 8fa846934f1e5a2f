/**
 * Exactly-once client sessions (Raft dissertation §6.3) on real nodes: a CAS
 * retried after the leader is killed applies once; an expired session is
 * refused with a clear error; the session table stays within its bound.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDiskStorage } from '../../src/storage/open.js';
import { startSingleNode, type TestNode } from '../support/in-process.js';
import { ProcessCluster } from '../support/process-cluster.js';
import { RawClient } from '../support/raw-client.js';

const port = (address: string) => Number(address.split(':')[1]);

describe('a retried CAS across leader crashes', { timeout: 120_000 }, () => {
  let cluster: ProcessCluster;
  const clients: RawClient[] = [];
  const connect = async (address: string) => {
    const client = await RawClient.connect(port(address));
    clients.push(client);
    return client;
  };
  beforeAll(async () => {
    cluster = await ProcessCluster.create(3);
    cluster.startAll();
  });
  afterAll(async () => {
    for (const client of clients) client.destroy();
    await cluster?.destroy();
  });

  it('is applied once, whether the leader died after or before answering', async () => {
    const first = await cluster.waitForLeader();
    const c1 = await connect(first);
    const session = (await c1.call('SESSION')).replace('(integer) ', '');
    expect(await c1.call('SET k 0')).toBe('OK');
    expect(await c1.call(`SEQ ${session} 1 CAS k 0 1`)).toBe('(integer) 1');

    // The leader dies after answering; the client, unsure, retries elsewhere.
    await cluster.kill(first);
    const second = await cluster.waitForLeader({ excluding: first });
    const c2 = await connect(second);
    expect(await c2.call(`SEQ ${session} 1 CAS k 0 1`)).toBe('(integer) 1'); // applying it again would answer 0
    expect(await c2.call('GET k')).toBe('"1"');

    // Now the leader dies right after receiving the request, before any answer.
    cluster.start(first);
    await cluster.waitForConvergence();
    c2.send(`SEQ ${session} 2 CAS k 1 2\r\n`);
    await cluster.kill(second);
    const third = await cluster.waitForLeader({ excluding: second });
    const c3 = await connect(third);
    expect(await c3.call(`SEQ ${session} 2 CAS k 1 2`)).toBe('(integer) 1');
    expect(await c3.call(`SEQ ${session} 2 CAS k 1 2`)).toBe('(integer) 1');
    expect(await c3.call('GET k')).toBe('"2"');
  });
});

describe('session limits', { timeout: 60_000 }, () => {
  let t: TestNode;
  beforeAll(async () => {
    t = await startSingleNode({ sessionsMax: 5, sessionIdleEntriesMax: 20 });
  });
  afterAll(async () => t?.close());

  it('refuses a session idle for more than sessionIdleEntriesMax entries, naming the error', async () => {
    const c = await RawClient.connect(t.clientPort);
    const session = (await c.call('SESSION')).replace('(integer) ', '');
    expect(await c.call(`SEQ ${session} 1 SET a 1`)).toBe('OK');
    for (let i = 0; i < 25; i++) await c.call(`SET filler${i} x`);
    expect(await c.call(`SEQ ${session} 2 SET a 2`)).toMatch(/^\(error\) SESSION_EXPIRED session \d+ has expired/);
    expect(await c.call('GET a')).toBe('"1"');
    c.destroy();
  });

  it('keeps at most sessionsMax sessions however many clients open them', async () => {
    const c = await RawClient.connect(t.clientPort);
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) ids.push((await c.call('SESSION')).replace('(integer) ', ''));
    expect(await c.call(`SEQ ${ids[0]} 1 SET b 1`)).toMatch(/SESSION_EXPIRED/);
    expect(await c.call(`SEQ ${ids.at(-1)} 1 SET b 1`)).toBe('OK');
    c.destroy();
    await t.node.stop();
    const storage = await openDiskStorage(t.config.dataDir);
    try {
      expect((await storage.kv.loadSessions()).length).toBeLessThanOrEqual(5);
    } finally {
      await storage.close();
    }
  });

  it('rejects malformed SEQ requests with a clear error', async () => {
    const fresh = await startSingleNode();
    try {
      const c = await RawClient.connect(fresh.clientPort);
      expect(await c.call('SEQ x 1 SET a b')).toMatch(/SEQ takes a session id and a sequence number/);
      expect(await c.call('SEQ 1 1 GET a b')).toMatch(/wrong number of arguments|SEQ applies to writes only/);
      expect(await c.call('SEQ 1 1 EXISTS a')).toMatch(/SEQ applies to writes only/);
      c.destroy();
    } finally {
      await fresh.close();
    }
  });
});
