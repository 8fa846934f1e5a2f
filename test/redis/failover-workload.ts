/**
 * A write workload for cluster-client tests: sequential SETs through a
 * client library, a kill -9 of the leader part-way, and a record of every
 * write the library acknowledged, so the test can check that the client
 * carried on against the new leader and that no acknowledged write was lost.
 */
import { waitFor } from '../support/wait.js';

export interface WorkloadClient {
  set(key: string, value: string): Promise<unknown>;
  get(key: string): Promise<string | null>;
}

export interface WorkloadResult {
  readonly acknowledged: Map<string, string>;
  readonly failed: number;
  readonly afterKill: number;
}

/**
 * Writes `prefix:i` = `v<i>` one at a time. After `killAfter` acknowledged
 * writes it calls `kill` (without waiting for the writes to drain), then goes
 * on until `afterKill` more writes were acknowledged. Errors during the
 * failover are counted, not fatal: what matters is that the same client
 * object recovers by itself.
 */
export async function failoverWorkload(
  client: WorkloadClient,
  prefix: string,
  { killAfter, afterKill, kill }: { killAfter: number; afterKill: number; kill: () => Promise<void> },
): Promise<WorkloadResult> {
  const acknowledged = new Map<string, string>();
  let failed = 0;
  let acknowledgedAfterKill = 0;
  let killed = false;
  let i = 0;
  await waitFor(
    async () => {
      const key = `${prefix}:${i}`;
      const value = `v${i}`;
      i++;
      try {
        await client.set(key, value);
        acknowledged.set(key, value);
        if (killed) acknowledgedAfterKill++;
      } catch {
        failed++;
      }
      if (!killed && acknowledged.size >= killAfter) {
        killed = true;
        await kill();
      }
      return acknowledgedAfterKill >= afterKill;
    },
    { timeoutMs: 60_000, intervalMs: 0, what: `${afterKill} writes acknowledged after the leader was killed` },
  );
  return { acknowledged, failed, afterKill: acknowledgedAfterKill };
}

/** Every acknowledged key, read back through the client: the ones whose value is not what was acknowledged. */
export async function lostWrites(client: WorkloadClient, acknowledged: Map<string, string>): Promise<string[]> {
  const lost: string[] = [];
  for (const [key, value] of acknowledged) if ((await client.get(key)) !== value) lost.push(key);
  return lost;
}
