/** The transport dials peers from the node's own loopback address, which the iptables cuts rely on. */
import net from 'node:net';
import { once } from 'node:events';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { pollUntil } from '../../src/chaos/wait.js';
import { localAddressFor, TcpTransport } from '../../src/transport/tcp.js';

describe('TcpTransport localAddress', () => {
  it('defaults to the listen host when it is an IPv4 loopback address, else leaves it to the kernel', () => {
    expect(localAddressFor({ listen: { host: '127.0.0.12', port: 1 } })).toEqual({ localAddress: '127.0.0.12' });
    expect(localAddressFor({ listen: { host: '0.0.0.0', port: 1 } })).toEqual({});
    expect(localAddressFor({ listen: { host: 'localhost', port: 1 } })).toEqual({});
    expect(localAddressFor({ listen: { host: '0.0.0.0', port: 1 }, localAddress: '10.0.0.1' })).toEqual({ localAddress: '10.0.0.1' });
  });

  it('dials peers from the node address it listens on', async () => {
    const seen: string[] = [];
    const peer = net.createServer((socket) => {
      seen.push(socket.remoteAddress ?? '?');
      socket.destroy();
    });
    peer.listen(0, '127.0.0.1');
    await once(peer, 'listening');
    const transport = new TcpTransport({
      self: 'n1',
      clusterId: 'local-address-test',
      listen: { host: '127.0.0.21', port: 0 },
      peers: [{ id: 'n2', host: '127.0.0.1', port: (peer.address() as net.AddressInfo).port }],
      limits: { frameBytesMax: 1 << 20, peerQueueMessagesMax: 16, peerQueueBytesMax: 1 << 20 },
      logger: pino({ level: 'silent' }),
    });
    try {
      await transport.start(() => {});
      await pollUntil(async () => seen.length > 0, { timeoutMs: 10_000, intervalMs: 10, what: 'the dial to arrive' });
      expect(seen[0]).toBe('127.0.0.21');
    } finally {
      await transport.stop();
      peer.close();
    }
  });
});
