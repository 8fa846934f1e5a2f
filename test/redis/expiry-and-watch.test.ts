/**
 * TTLs, WATCH and keyspace notifications on real node processes: an expired key is absent to every
 * read on every node (READONLY too) and is then deleted through the log from
 * every node's store; a WATCHed key changed by another connection makes EXEC
 * answer nil on every replica's terms, an unchanged one lets it apply.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProcessCluster } from '../support/process-cluster.js';
import { RawClient } from '../support/raw-client.js';
import { waitFor } from '../support/wait.js';

const port = (address: string) => Number(address.split(':')[1]);

describe('expiry and WATCH on a 3-process cluster', { timeout: 120_000 }, () => {
  let cluster: ProcessCluster;
  let leader: string;
  const clients: RawClient[] = [];
  const connect = async (address: string) => {
    const client = await RawClient.connect(port(address));
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    cluster = await ProcessCluster.create(3);
    cluster.startAll();
    leader = await cluster.waitForLeader();
  });
  afterAll(async () => {
    for (const client of clients) client.destroy();
    await cluster?.destroy();
  });

  it('an expired key is absent everywhere, then deleted through the log on every node', async () => {
    const c = await connect(leader);
    expect(await c.call('SET gone soon PX 600')).toBe('OK');
    expect(await c.call('SET kept forever')).toBe('OK');
    expect(await c.call('GET gone')).toBe('"soon"');
    const ttl = Number((await c.call('PTTL gone')).replace('(integer) ', ''));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(600);
    // Nothing else writes from here on: the next entry the leader appends is its sweep's deletion.
    const idOf = (address: string) => cluster.nodes.find((n) => n.client === address)!.id;
    const before = Number((await cluster.info(idOf(leader)))['last_log_index']);
    await waitFor(async () => (await c.call('GET gone')) === '(nil)', { what: 'the key to expire on the leader' });
    await cluster.waitForConvergence(); // READONLY reads show each node's own applied state
    for (const address of cluster.addresses()) {
      const r = await connect(address);
      expect(await r.call('READONLY')).toBe('OK');
      expect(await r.call('GET gone')).toBe('(nil)');
      expect(await r.call('TTL gone')).toBe('(integer) -2');
      expect(await r.call('GET kept')).toBe('"forever"');
    }
    expect(await c.call('KEYS *')).toBe('["kept"]');
    await waitFor(async () => Number((await cluster.info(idOf(leader)))['last_log_index']) > before, { what: "the leader's expiry sweep entry" });
    await cluster.waitForConvergence();
    await cluster.stopAll();
    for (const node of cluster.nodes) {
      const stored = await cluster.dump(node.id);
      expect(stored.has('gone'), `${node.id} still stores the expired key`).toBe(false);
      expect(stored.get('kept')).toBe('forever');
    }
    cluster.startAll();
    leader = await cluster.waitForLeader();
  });

  it('EXEC answers nil when a watched key changed after WATCH, and applies when none did', async () => {
    const a = await connect(leader);
    const b = await connect(leader);
    expect(await a.call('SET balance 10')).toBe('OK');
    expect(await a.call('WATCH balance')).toBe('OK');
    expect(await b.call('INCRBY balance 5')).toBe('(integer) 15');
    expect(await a.call('MULTI')).toBe('OK');
    expect(await a.call('DECRBY balance 10')).toBe('QUEUED');
    expect(await a.call('EXEC')).toBe('(nil)');
    expect(await a.call('GET balance')).toBe('"15"');

    expect(await a.call('WATCH balance')).toBe('OK');
    expect(await a.call('MULTI')).toBe('OK');
    expect(await a.call('DECRBY balance 10')).toBe('QUEUED');
    expect(await a.call('GET balance')).toBe('QUEUED');
    expect(await a.call('EXEC')).toBe('[(integer) 5, "5"]');
  });

  it('a subscriber on a follower gets keyspace notifications from its applied stream, in commit order', async () => {
    const follower = cluster.addresses().find((a) => a !== leader)!;
    const sub = await connect(follower);
    expect(await sub.call('CONFIG SET notify-keyspace-events KEA')).toBe('OK');
    expect(await sub.call('PSUBSCRIBE __keyspace@0__:watch:*')).toBe('["psubscribe", "__keyspace@0__:watch:*", (integer) 1]');
    const w = await connect(leader);
    expect(await w.call('SET watch:a 1')).toBe('OK');
    expect(await w.call('INCR watch:a')).toBe('(integer) 2');
    expect(await w.call('SET other 1')).toBe('OK');
    expect(await w.call('EXPIRE watch:a 100')).toBe('(integer) 1');
    expect(await w.call('DEL watch:a')).toBe('(integer) 1');
    const messages = await sub.read(6);
    expect(messages.slice(2)).toEqual(['set', 'incrby', 'expire', 'del'].map((event) => `["pmessage", "__keyspace@0__:watch:*", "__keyspace@0__:watch:a", "${event}"]`));
  });
});
