/**
 * Closed-loop writers that note when each write is acknowledged: the
 * unavailability of a leadership change is the longest gap between
 * acknowledgements around it. Each system is written to with its own client
 * library and its failover behaviour (raftkv: RaftkvClient following MOVED and
 * trying the next node; etcd: the etcd3 client over every endpoint).
 */
import { Etcd3 } from 'etcd3';
import { RaftkvClient } from '../../client/client.js';

export interface WriteLog {
  /** performance.now() of every acknowledged write, in order. */
  readonly acknowledged: number[];
  failures: number;
}

export interface Writers {
  readonly log: WriteLog;
  stop(): Promise<void>;
}

type WriteOnce = (key: string) => Promise<void>;

function runWriters(count: number, open: () => { write: WriteOnce; close: () => Promise<void> }): Writers {
  const log: WriteLog = { acknowledged: [], failures: 0 };
  let stopped = false;
  let next = 0;
  const loops = Array.from({ length: count }, async () => {
    const client = open();
    try {
      while (!stopped) {
        try {
          await client.write(`failover:${next++}`);
          log.acknowledged.push(performance.now());
        } catch {
          log.failures += 1;
        }
      }
    } finally {
      await client.close();
    }
  });
  return {
    log,
    stop: async () => {
      stopped = true;
      await Promise.all(loops);
    },
  };
}

const VALUE = 'x'.repeat(256);

export function raftkvWriters(addresses: readonly string[], count: number): Writers {
  return runWriters(count, () => {
    const client = new RaftkvClient({ nodes: addresses, deadlineMs: 10_000 });
    return { write: (key) => client.set(key, VALUE), close: () => client.close() };
  });
}

export function etcdWriters(endpoints: readonly string[], count: number): Writers {
  return runWriters(count, () => {
    const client = new Etcd3({ hosts: [...endpoints] });
    return {
      write: async (key) => {
        await client.put(key).value(VALUE);
      },
      close: async () => client.close(),
    };
  });
}

/** The longest time without an acknowledged write within [from, to], its edges included. */
export function longestGapMs(acknowledged: readonly number[], from: number, to: number): number {
  let previous = from;
  let longest = 0;
  for (const at of acknowledged) {
    if (at < from) continue;
    if (at > to) break;
    longest = Math.max(longest, at - previous);
    previous = at;
  }
  return Math.max(longest, to - previous);
}
