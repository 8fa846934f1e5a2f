import { DEFAULT_LIMITS } from '../../src/config/types.js';
import { TcpTransport } from '../../src/transport/tcp.js';
import { freePorts, memoryLogger, waitFor } from './helpers.js';
import { transportContract } from './transport.contract.js';

transportContract('tcp', async () => {
  const { logger } = memoryLogger();
  return {
    address: async (id) => ({ id, host: '127.0.0.1', port: (await freePorts(1))[0]! }),
    create: (at, peers, options = {}) =>
      new TcpTransport({
        self: at.id,
        clusterId: 'contract',
        listen: { host: at.host, port: at.port },
        peers,
        // Room for the whole 10,000-message burst while the links are still dialing.
        limits: { frameBytesMax: DEFAULT_LIMITS.frameBytesMax, peerQueueMessagesMax: 20_000, peerQueueBytesMax: DEFAULT_LIMITS.peerQueueBytesMax },
        logger,
        ...options,
      }),
    until: (predicate, what) => waitFor(predicate, what),
  };
});
