/**
 * The client security counters in /metrics on a real node process with
 * clientAuth: a failed and a successful AUTH move the AUTH counters (an
 * unknown user name under the one "(unknown)" label), and connections closed
 * by the edge's limits move the refusal counter, by reason.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseHostPort } from '../../src/config/address.js';
import { enableHttp, scrape } from '../support/http-cluster.js';
import { ProcessCluster } from '../support/process-cluster.js';
import { RawClient } from '../support/raw-client.js';
import { waitFor } from '../support/wait.js';

const PASSWORD = 'metrics-test-password';

describe('client security counters in /metrics', { timeout: 60_000 }, () => {
  let cluster: ProcessCluster;
  let url: string;
  let port: number;
  const clients: RawClient[] = [];
  const raw = async (): Promise<RawClient> => {
    const client = await RawClient.connect(port);
    clients.push(client);
    return client;
  };
  const value = async (key: string): Promise<number> => (await scrape(url)).get(key) ?? 0;

  beforeAll(async () => {
    const hash = createHash('sha256').update(PASSWORD).digest('hex');
    cluster = await ProcessCluster.create(1, {
      clientAuth: { users: [{ name: 'default', passwordSha256: hash }, { name: 'app', passwordSha256: hash }], failuresPerConnectionMax: 2, failuresPerAddressMax: 1_000 },
    });
    cluster.security = { auth: { password: PASSWORD } };
    url = (await enableHttp(cluster)).get(cluster.nodes[0]!.id)!;
    cluster.startAll();
    await cluster.waitForLeader();
    port = parseHostPort(cluster.nodes[0]!.client).port;
  });
  afterAll(async () => {
    for (const client of clients) client.destroy();
    await cluster?.destroy();
  });

  it('exports every refusal reason from the start', async () => {
    const samples = await scrape(url);
    for (const reason of ['clients_max', 'output_bytes_max', 'idle_timeout', 'auth_timeout', 'auth_failures', 'unauthenticated_request_bounds']) {
      expect(samples.has(`raftkv_client_connections_refused_total{reason="${reason}"}`), reason).toBe(true);
    }
  });

  it('counts a failed and a successful AUTH by user, unknown names under one label', async () => {
    const failedApp = 'raftkv_client_auth_failures_total{reason="wrong_password",user="app"}';
    const failedUnknown = 'raftkv_client_auth_failures_total{reason="wrong_password",user="(unknown)"}';
    const succeededApp = 'raftkv_client_auth_successes_total{user="app"}';
    const before = { failedApp: await value(failedApp), failedUnknown: await value(failedUnknown), succeededApp: await value(succeededApp) };
    const c = await raw();
    expect(await c.call('AUTH app wrong')).toMatch(/^\(error\) WRONGPASS/);
    c.destroy();
    const d = await raw();
    expect(await d.call('AUTH nosuchuser1 wrong')).toMatch(/^\(error\) WRONGPASS/);
    expect(await d.call(`AUTH app ${PASSWORD}`)).toBe('OK');
    const e = await raw();
    expect(await e.call('AUTH nosuchuser2 wrong')).toMatch(/^\(error\) WRONGPASS/);
    const after = await scrape(url);
    expect(after.get(failedApp)).toBe(before.failedApp + 1);
    expect(after.get(failedUnknown)).toBe(before.failedUnknown + 2);
    expect(after.get(succeededApp)).toBe(before.succeededApp + 1);
    // Names no user has never become labels of their own.
    expect([...after.keys()].some((key) => key.includes('nosuchuser'))).toBe(false);
  });

  it('counts connections closed by the limits, by reason', async () => {
    const authFailures = 'raftkv_client_connections_refused_total{reason="auth_failures"}';
    const bounds = 'raftkv_client_connections_refused_total{reason="unauthenticated_request_bounds"}';
    const before = { authFailures: await value(authFailures), bounds: await value(bounds) };
    const c = await raw();
    expect(await c.call('AUTH app wrong')).toMatch(/^\(error\) WRONGPASS/);
    expect(await c.call('AUTH app wrong')).toMatch(/^\(error\) WRONGPASS/);
    await c.waitClosed();
    const d = await raw();
    d.send('*11\r\n');
    await d.waitClosed();
    await waitFor(async () => (await value(authFailures)) === before.authFailures + 1 && (await value(bounds)) === before.bounds + 1, {
      what: 'the refusal counters to move',
    });
  });
});
