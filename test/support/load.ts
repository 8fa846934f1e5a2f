/**
 * A steady write load for end-to-end tests: `clients` connections writing
 * until stopped. A write that fails (a leader change can lose one) is counted
 * and the load goes on: it is traffic, not the thing under test.
 */
import { RaftkvClient } from '../../src/client/client.js';

export interface Load {
  /** Writes acknowledged so far. */
  acknowledged(): number;
  /** Writes that failed so far. */
  failed(): number;
  stop(): Promise<void>;
}

export function startLoad(addresses: readonly string[], clients: number, prefix = 'load'): Load {
  let running = true;
  let acknowledged = 0;
  let failed = 0;
  const workers = Array.from({ length: clients }, async (_, w) => {
    const client = new RaftkvClient({ nodes: [...addresses], deadlineMs: 20_000 });
    try {
      for (let i = 0; running; i++) {
        try {
          await client.set(`${prefix}:${w}:${i % 100}`, `v${i}`);
          acknowledged++;
        } catch {
          failed++;
        }
      }
    } finally {
      await client.close();
    }
  });
  return {
    acknowledged: () => acknowledged,
    failed: () => failed,
    stop: async () => {
      running = false;
      await Promise.all(workers);
    },
  };
}
