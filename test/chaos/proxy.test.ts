import net from 'node:net';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { LinkProxy, ProxyNet } from '../../src/chaos/proxy.js';
import { pollUntil } from '../../src/chaos/wait.js';

/** A server that records everything it receives, per connection. */
async function sink(): Promise<{ server: net.Server; port: number; received: () => string; connections: () => number }> {
  let data = '';
  let connections = 0;
  const server = net.createServer((socket) => {
    connections++;
    socket.on('data', (chunk) => (data += chunk.toString()));
    socket.on('error', () => {});
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as net.AddressInfo).port, received: () => data, connections: () => connections };
}

async function dial(port: number): Promise<net.Socket> {
  const socket = net.connect({ host: '127.0.0.1', port });
  socket.on('error', () => {});
  await once(socket, 'connect');
  return socket;
}

/** Resolves when the socket closes, whatever error (a reset) came first; events.once would reject on it. */
function closed(socket: net.Socket): Promise<void> {
  return new Promise((resolve) => socket.once('close', () => resolve()));
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('LinkProxy', () => {
  it('forwards, black-holes while cut (bytes wait), and delivers them on heal', async () => {
    const target = await sink();
    cleanups.push(() => void target.server.close());
    const proxy = await LinkProxy.listen({ host: '127.0.0.1', port: target.port });
    cleanups.push(() => proxy.close());
    const socket = await dial(proxy.address.port);
    cleanups.push(() => void socket.destroy());
    socket.write('before|');
    await pollUntil(async () => target.received() === 'before|', { timeoutMs: 10_000, intervalMs: 10, what: 'forwarded bytes' });
    proxy.cut('blackhole');
    socket.write('during|');
    // Absence cannot be awaited: give the bytes time to (wrongly) arrive.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(target.received()).toBe('before|');
    proxy.heal();
    await pollUntil(async () => target.received() === 'before|during|', { timeoutMs: 10_000, intervalMs: 10, what: 'bytes after heal' });
  });

  it('in reset mode closes open connections and refuses new ones until healed', async () => {
    const target = await sink();
    cleanups.push(() => void target.server.close());
    const proxy = await LinkProxy.listen({ host: '127.0.0.1', port: target.port });
    cleanups.push(() => proxy.close());
    const open = await dial(proxy.address.port);
    const openClosed = closed(open);
    proxy.cut('reset');
    await openClosed;
    const refused = net.connect({ host: '127.0.0.1', port: proxy.address.port });
    refused.on('error', () => {});
    await closed(refused);
    expect(target.received()).toBe('');
    proxy.heal();
    const again = await dial(proxy.address.port);
    cleanups.push(() => void again.destroy());
    again.write('healed');
    await pollUntil(async () => target.received() === 'healed', { timeoutMs: 10_000, intervalMs: 10, what: 'bytes after heal' });
  });
});

describe('ProxyNet', () => {
  it('cuts exactly the directed links asked for', async () => {
    const [a, b] = [await sink(), await sink()];
    cleanups.push(() => void a.server.close(), () => void b.server.close());
    const peers = new Map([
      ['a', { host: '127.0.0.1', port: a.port }],
      ['b', { host: '127.0.0.1', port: b.port }],
    ]);
    const proxies = await ProxyNet.create(peers);
    cleanups.push(() => proxies.close());
    const aToB = await dial(proxies.addressFor('a', 'b').port);
    const bToA = await dial(proxies.addressFor('b', 'a').port);
    cleanups.push(() => void aToB.destroy(), () => void bToA.destroy());
    await proxies.apply([{ from: 'a', to: 'b' }]);
    aToB.write('x');
    bToA.write('y');
    await pollUntil(async () => a.received() === 'y', { timeoutMs: 10_000, intervalMs: 10, what: 'b->a still flowing' });
    expect(b.received()).toBe('');
    await proxies.apply([]);
    await pollUntil(async () => b.received() === 'x', { timeoutMs: 10_000, intervalMs: 10, what: 'a->b after heal' });
  });
});
