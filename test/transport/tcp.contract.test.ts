import { DEFAULT_LIMITS } from '../../src/config/types.js';
import type { NodeId } from '../../src/raft/types.js';
import { TcpTransport } from '../../src/transport/tcp.js';
import { freePorts, memoryLogger } from './helpers.js';
import { transportContract } from './transport.contract.js';

transportContract('tcp', async (ids) => {
  const ports = await freePorts(ids.length);
  const addresses = ids.map((id, i) => ({ id, host: '127.0.0.1', port: ports[i] ?? 0 }));
  const { logger } = memoryLogger();
  return new Map(
    addresses.map((address) => [
      address.id,
      new TcpTransport({
        self: address.id,
        clusterId: 'contract',
        listen: { host: address.host, port: address.port },
        peers: addresses.filter((peer) => peer.id !== address.id),
        // Room for the whole 10,000-message burst while the links are still dialing.
        limits: { frameBytesMax: DEFAULT_LIMITS.frameBytesMax, peerQueueMessagesMax: 20_000, peerQueueBytesMax: DEFAULT_LIMITS.peerQueueBytesMax },
        logger,
      }),
    ]),
  );
});
