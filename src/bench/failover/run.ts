/**
 * `npm run bench:failover`: unavailability during leadership changes, raftkv
 * and etcd with the same heartbeat and election settings, 16 writing clients.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EtcdBenchCluster } from '../clusters/etcd-cluster.js';
import { RaftkvBenchCluster } from '../clusters/raftkv-cluster.js';
import { etcdKill, etcdMoveLeader, raftkvKill, raftkvRollingRestart, raftkvTransfer } from './scenarios.js';
import { etcdWriters, raftkvWriters, type WriteLog } from './writers.js';

export interface FailoverOptions {
  readonly repeats: number;
  readonly clients: number;
  readonly heartbeatMs: number;
  readonly electionMinMs: number;
  readonly electionMaxMs: number;
  readonly etcd: boolean;
  readonly log: (line: string) => void;
}

/** Gaps in ms per scenario name ("raftkv kill -9", ...). */
export type FailoverResult = Record<string, number[]>;

export async function runFailover(options: FailoverOptions): Promise<FailoverResult> {
  const result: FailoverResult = {};
  const record = (name: string, gap: number): void => {
    (result[name] ??= []).push(gap);
    options.log(`  ${name}: ${Math.round(gap)} ms`);
  };
  await withDir('raftkv', async (dir) => {
    const timing = { heartbeatMs: options.heartbeatMs, electionTimeoutMinMs: options.electionMinMs, electionTimeoutMaxMs: options.electionMaxMs };
    const cluster = await RaftkvBenchCluster.start({ dir, timing });
    const writers = raftkvWriters(cluster.clientAddresses(), options.clients);
    try {
      await warmUp(writers.log);
      for (let i = 0; i < options.repeats; i++) record('raftkv transfer-leader', await raftkvTransfer(cluster, writers.log));
      for (let i = 0; i < options.repeats; i++) record('raftkv kill -9 of the leader', await raftkvKill(cluster, writers.log));
      record('raftkv rolling restart (SIGTERM each node in turn)', await raftkvRollingRestart(cluster, writers.log));
    } finally {
      await writers.stop();
      options.log(`  raftkv: ${writers.log.acknowledged.length} writes acknowledged, ${writers.log.failures} failed`);
      await cluster.stop();
    }
  });
  if (!options.etcd) return result;
  await withDir('etcd', async (dir) => {
    // etcd takes one election timeout and randomizes within [1x, 2x) of it.
    const cluster = await EtcdBenchCluster.start({ dir, heartbeatMs: options.heartbeatMs, electionMs: options.electionMinMs });
    const writers = etcdWriters(cluster.clientUrls(), options.clients);
    try {
      await warmUp(writers.log);
      for (let i = 0; i < options.repeats; i++) record('etcd move-leader', await etcdMoveLeader(cluster, writers.log));
      for (let i = 0; i < options.repeats; i++) record('etcd kill -9 of the leader', await etcdKill(cluster, writers.log));
    } finally {
      await writers.stop();
      options.log(`  etcd: ${writers.log.acknowledged.length} writes acknowledged, ${writers.log.failures} failed`);
      await cluster.stop();
    }
  });
  return result;
}

/** Waits until writes flow, then a second more. */
async function warmUp(log: WriteLog): Promise<void> {
  const deadline = performance.now() + 20_000;
  while (log.acknowledged.length < 100 && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  if (log.acknowledged.length < 100) throw new Error('writes did not start flowing within 20 s');
  await new Promise((resolve) => setTimeout(resolve, 1_000));
}

async function withDir(name: string, body: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), `raftkv-failover-${name}-`));
  try {
    await body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
