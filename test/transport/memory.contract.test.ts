import { MemoryNetwork, MemoryTransport } from '../../src/transport/memory.js';
import { waitFor } from './helpers.js';
import { transportContract } from './transport.contract.js';

transportContract('memory', async () => {
  const network = new MemoryNetwork();
  let port = 7000;
  return {
    address: (id) => Promise.resolve({ id, host: `${id}.memory`, port: port++ }),
    create: (at, peers, options = {}) => new MemoryTransport(network, { self: at.id, address: at, peers, ...options }),
    until: (predicate, what) => waitFor(predicate, what),
  };
});
