/**
 * The simulator's network fake runs the transport contract suite too. Time is
 * virtual: `until` runs the loop's agenda. The network is calm with a fixed
 * delay, so messages on one link arrive in the order sent (with random delays
 * the fake reorders them on purpose, which FIFO order per link rules out).
 */
import { SimLoop } from '../../src/sim/loop.js';
import { CALM_NETWORK, SimNetwork } from '../../src/sim/network.js';
import { Rng } from '../../src/sim/rng.js';
import { transportContract } from '../transport/transport.contract.js';

/** Virtual time `until` waits before it gives up. */
const VIRTUAL_TIMEOUT_MS = 60_000;
const STEP_MS = 10;

transportContract('simulator network', async () => {
  const loop = new SimLoop();
  const network = new SimNetwork(loop, new Rng(1));
  network.conditions = { ...CALM_NETWORK, delayMsMin: 1, delayMsMax: 1 };
  // The contract's stopped peer is a crashed process, whose closed connections its peers see.
  network.departureNoticeProbability = 1;
  let port = 7000;
  return {
    address: (id) => Promise.resolve({ id, host: `${id}.sim`, port: port++ }),
    create: (at, peers, options = {}) => network.transport(at.id, { address: at, peers, measureBytes: true, ...options }),
    until: async (predicate, what) => {
      const deadline = loop.now + VIRTUAL_TIMEOUT_MS;
      while (!predicate()) {
        if (loop.now >= deadline) throw new Error(`timed out (virtual time) waiting for ${what}`);
        await loop.runUntil(loop.now + STEP_MS, predicate);
      }
    },
  };
});
