/**
 * Client-edge guards on a real node process: idle sockets that filled every
 * connection slot are evicted after clientIdleTimeoutMs and a new client is
 * served; DEBUG (which writes files on the node) is refused unless the config
 * allows it for the client's address.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseHostPort } from '../../src/config/address.js';
import { debugAllowed } from '../../src/node/client-guards.js';
import { ProcessCluster } from '../support/process-cluster.js';
import { RawClient } from '../support/raw-client.js';

describe('client guards on a node process', { timeout: 60_000 }, () => {
  let cluster: ProcessCluster;
  let port: number;
  const clients: RawClient[] = [];

  beforeAll(async () => {
    cluster = await ProcessCluster.create(1, { limits: { clientIdleTimeoutMs: 1_000, clientConnectionsMax: 16 }, debugCommands: 'no' });
    cluster.startAll();
    await cluster.waitForLeader();
    port = parseHostPort(cluster.nodes[0]!.client).port;
  });
  afterAll(async () => {
    for (const client of clients) client.destroy();
    await cluster?.destroy();
  });

  it('evicts idle sockets that hold every slot, then serves a new client', async () => {
    for (let i = 0; i < 16; i++) clients.push(await RawClient.connect(port));
    const locked = await RawClient.connect(port);
    clients.push(locked);
    expect(await locked.read(1)).toEqual([expect.stringMatching(/max number of clients reached/)]);
    await Promise.all(clients.slice(0, 16).map((client) => client.waitClosed()));
    const fresh = await RawClient.connect(port);
    clients.push(fresh);
    expect(await fresh.call('PING')).toBe('PONG');
  });

  it('a connection that keeps talking is not idle', async () => {
    const busy = await RawClient.connect(port);
    clients.push(busy);
    for (let i = 0; i < 6; i++) {
      expect(await busy.call('PING')).toBe('PONG');
      await new Promise((resolve) => setTimeout(resolve, 400)); // the pause under test: below the 1 s idle limit, 2.4 s in all
    }
    expect(busy.closed).toBe(false);
  });

  it('refuses DEBUG FLIGHTDUMP when debugCommands is "no"', async () => {
    const c = await RawClient.connect(port);
    clients.push(c);
    expect(await c.call('DEBUG FLIGHTDUMP')).toMatch(/DEBUG command not allowed/);
    expect(await c.call('PING')).toBe('PONG');
  });

  it('"local" allows loopback clients only', () => {
    expect(debugAllowed('local', '127.0.0.1')).toBe(true);
    expect(debugAllowed('local', '::ffff:127.0.0.1')).toBe(true);
    expect(debugAllowed('local', '::1')).toBe(true);
    expect(debugAllowed('local', '10.1.2.3')).toBe(false);
    expect(debugAllowed('local', undefined)).toBe(false);
    expect(debugAllowed('no', '127.0.0.1')).toBe(false);
    expect(debugAllowed('yes', '10.1.2.3')).toBe(true);
  });
});
