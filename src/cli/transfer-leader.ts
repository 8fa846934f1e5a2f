/**
 * `raftkv transfer-leader [--to ID]`: asks the leader to hand over
 * (CLUSTER TRANSFER-LEADER, dissertation 3.10) and reports who leads after.
 */
import { RaftkvClient } from '../client/client.js';
import { collectStatus, leaderOf, type NodeReport } from '../client/status.js';
import type { ConnectionSecurity } from '../client/connection.js';
import { pollUntil } from '../util/poll.js';
import { println, type CliIo } from './io.js';

export interface TransferLeaderOptions {
  readonly nodes: readonly string[];
  readonly to?: string;
  readonly security?: ConnectionSecurity;
}

/** How long to wait for the new leader to show itself in INFO after the old one said OK. */
const NEW_LEADER_WAIT_MS = 5_000;

export async function transferLeaderCommand(options: TransferLeaderOptions, io: CliIo): Promise<void> {
  const before = await currentLeader(options.nodes, options.security);
  const started = performance.now();
  const client = new RaftkvClient({ nodes: [before.address, ...options.nodes], session: false, deadlineMs: 10_000, ...(options.security && { security: options.security }) });
  try {
    // Not retried once sent: a second request could move leadership twice.
    await client.command(['CLUSTER', 'TRANSFER-LEADER', ...(options.to === undefined ? [] : [options.to])], 'write');
  } finally {
    await client.close();
  }
  const after = await pollUntil(
    async () => {
      const report = await currentLeader(options.nodes, options.security).catch(() => null);
      return report !== null && report.id !== before.id ? report : null;
    },
    { timeoutMs: NEW_LEADER_WAIT_MS, intervalMs: 20, what: `a leader other than ${before.id}` },
  );
  const ms = Math.round(performance.now() - started);
  println(io.stdout, `leadership moved from ${before.id} (term ${before.term}) to ${after.id} (term ${after.term}) in ${ms} ms`);
}

interface LeaderReport {
  readonly id: string;
  readonly address: string;
  readonly term: string;
}

async function currentLeader(nodes: readonly string[], security?: ConnectionSecurity): Promise<LeaderReport> {
  const reports = await collectStatus(nodes, undefined, security);
  const address = leaderOf(reports);
  const report = reports.find((r): r is NodeReport & { up: true } => r.up && r.address === address);
  if (report === undefined) throw new Error(`NO_LEADER none of ${nodes.join(', ')} reports itself leader`);
  return { id: report.info['node_id'] ?? address!, address: report.address, term: report.info['term'] ?? '?' };
}
