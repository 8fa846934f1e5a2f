/**
 * The TCP transport under peer mutual TLS runs the same contract as plaintext
 * TCP and the in-memory transport, with certificates from `raftkv certs`
 * (its command function, which runs openssl) naming each transport's id.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { certsCommand } from '../../src/cli/certs.js';
import { DEFAULT_LIMITS } from '../../src/config/types.js';
import type { NodeId } from '../../src/raft/types.js';
import { TcpTransport } from '../../src/transport/tcp.js';
import { loadPeerTls } from '../../src/transport/tls.js';
import { fakeIo } from '../cli/fake-io.js';
import { freePorts, Inbox, memoryLogger, numbered, waitFor } from './helpers.js';
import type { PeerAddress } from '../../src/transport/transport.js';
import { transportContract } from './transport.contract.js';

const dir = mkdtempSync(join(tmpdir(), 'raftkv-tls-contract-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function credentialsFor(id: NodeId) {
  if (!existsSync(join(dir, `${id}.crt`))) certsCommand({ out: dir, members: id, days: 1 }, fakeIo());
  return loadPeerTls({ caFile: join(dir, 'ca.crt'), certFile: join(dir, `${id}.crt`), keyFile: join(dir, `${id}.key`) }, id);
}

transportContract('tcp with mutual TLS', async () => {
  const { logger } = memoryLogger();
  return {
    address: async (id) => ({ id, host: '127.0.0.1', port: (await freePorts(1))[0]! }),
    create: (at, peers, options = {}) =>
      new TcpTransport({
        self: at.id,
        clusterId: 'contract',
        listen: { host: at.host, port: at.port },
        peers,
        limits: { frameBytesMax: DEFAULT_LIMITS.frameBytesMax, peerQueueMessagesMax: 20_000, peerQueueBytesMax: DEFAULT_LIMITS.peerQueueBytesMax },
        logger,
        tls: credentialsFor(at.id),
        ...options,
      }),
    until: (predicate, what) => waitFor(predicate, what),
  };
});

describe('TcpTransport under mutual TLS: whom a certificate may name', () => {
  const live: TcpTransport[] = [];
  afterEach(async () => {
    await Promise.all(live.splice(0).map((t) => t.stop()));
  });

  async function node(id: NodeId, port: number, peers: PeerAddress[], advertise?: { host: string; port: number }) {
    const { logger, lines } = memoryLogger();
    const transport = new TcpTransport({
      ...(advertise && { advertise }),
      self: id,
      clusterId: 'tls-membership',
      listen: { host: '127.0.0.1', port },
      peers,
      limits: { frameBytesMax: DEFAULT_LIMITS.frameBytesMax, peerQueueMessagesMax: 100, peerQueueBytesMax: DEFAULT_LIMITS.peerQueueBytesMax },
      logger,
      tls: credentialsFor(id),
    });
    live.push(transport);
    const inbox = new Inbox();
    await transport.start(inbox.handler);
    return { transport, inbox, lines };
  }

  it('refuses at accept a certificate naming a removed member, and closes that member\'s connections when it is removed', async () => {
    const [pa, pb] = await freePorts(2);
    const a = await node('a', pa!, [{ id: 'b', host: '127.0.0.1', port: pb! }]);
    const b = await node('b', pb!, [{ id: 'a', host: '127.0.0.1', port: pa! }]);
    b.transport.send(numbered('b', 'a', 1));
    await waitFor(() => a.inbox.messages.length === 1, 'delivery before the removal');
    a.transport.setRemoved(['b']);
    await waitFor(() => b.lines.some((l) => l.msg === 'lost connection to peer'), "b's connection closed by a");
    b.transport.send(numbered('b', 'a', 2)); // b redials: refused at accept, before any frame
    await waitFor(() => a.lines.some((l) => l.msg === 'refused peer: its certificate names a removed member'), 'the refusal at accept');
    expect(a.inbox.messages).toHaveLength(1);
  });

  it('accepts a certificate naming a node it does not know, and answers it only where that certificate is presented', async () => {
    const [pa, pc] = await freePorts(2);
    const a = await node('a', pa!, []);
    const c = await node('c', pc!, [{ id: 'a', host: '127.0.0.1', port: pa! }]);
    c.transport.send(numbered('c', 'a', 1));
    await waitFor(() => a.inbox.messages.length === 1, 'delivery from the unknown member');
    a.transport.send(numbered('a', 'c', 2)); // the learned link checks that the server's certificate names c
    await waitFor(() => c.inbox.messages.length === 1, 'the answer');
    expect(a.transport.links()).toEqual([{ id: 'c', address: `127.0.0.1:${pc}`, learned: true }]);
  });

  it('a learned address is dialled only to the node its certificate names: a forged address reaches no one', async () => {
    const [pa, pb, pc] = await freePorts(3);
    const a = await node('a', pa!, [{ id: 'b', host: '127.0.0.1', port: pb! }]);
    const b = await node('b', pb!, [{ id: 'a', host: '127.0.0.1', port: pa! }]);
    // c holds a real certificate but advertises b's address.
    const c = await node('c', pc!, [{ id: 'a', host: '127.0.0.1', port: pa! }], { host: '127.0.0.1', port: pb! });
    c.transport.send(numbered('c', 'a', 1));
    await waitFor(() => a.inbox.messages.length === 1, 'delivery from c');
    a.transport.send(numbered('a', 'c', 2));
    await waitFor(() => a.lines.some((l) => l.msg === 'TLS connection to peer failed' && String(l['err']).includes('expected "c"')), 'the refused handshake');
    a.transport.send(numbered('a', 'b', 3));
    await waitFor(() => b.inbox.messages.length === 1, 'delivery to b, the real owner of the address');
    expect(b.inbox.messages.map((m) => m.to)).toEqual(['b']);
    expect(c.inbox.messages).toEqual([]);
  });
});
