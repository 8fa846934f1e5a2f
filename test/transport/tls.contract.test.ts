/**
 * The TCP transport under peer mutual TLS runs the same contract as plaintext
 * TCP and the in-memory transport, with certificates from `raftkv certs`
 * (its command function, which runs openssl) naming each transport's id.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { certsCommand } from '../../src/cli/certs.js';
import { DEFAULT_LIMITS } from '../../src/config/types.js';
import type { NodeId } from '../../src/raft/types.js';
import { TcpTransport } from '../../src/transport/tcp.js';
import { loadPeerTls } from '../../src/transport/tls.js';
import { fakeIo } from '../cli/fake-io.js';
import { freePorts, memoryLogger, waitFor } from './helpers.js';
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
