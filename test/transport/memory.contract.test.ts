import type { NodeId } from '../../src/raft/types.js';
import { MemoryNetwork, MemoryTransport } from '../../src/transport/memory.js';
import { transportContract } from './transport.contract.js';

transportContract('memory', async (ids) => {
  const network = new MemoryNetwork();
  return new Map(ids.map((id) => [id, new MemoryTransport(network, { self: id })]));
});
