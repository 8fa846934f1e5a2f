/**
 * The leadership changes the failover benchmark times, each while 16 clients
 * write: a requested transfer, kill -9 of the leader, and a rolling restart
 * (raftkv); kill -9 and `etcdctl move-leader` (etcd). Each returns the
 * longest gap between acknowledged writes around the change, in ms.
 */
import { RaftkvBenchCluster, hostOf, portOf } from '../clusters/raftkv-cluster.js';
import type { EtcdBenchCluster } from '../clusters/etcd-cluster.js';
import { respCall } from '../clusters/resp.js';
import { longestGapMs, type WriteLog } from './writers.js';

/** Writes keep going this long after a change before its window closes. */
const SETTLE_MS = 1_000;

async function timed(log: WriteLog, change: () => Promise<void>): Promise<number> {
  const from = performance.now();
  await change();
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  return longestGapMs(log.acknowledged, from, performance.now());
}

export async function raftkvTransfer(cluster: RaftkvBenchCluster, log: WriteLog): Promise<number> {
  const leader = await cluster.leader();
  return timed(log, async () => {
    const reply = await respCall(hostOf(leader.client), portOf(leader.client), ['CLUSTER', 'TRANSFER-LEADER']);
    if (reply.type === 'error') throw new Error(`transfer refused: ${reply.message}`);
  });
}

export async function raftkvKill(cluster: RaftkvBenchCluster, log: WriteLog): Promise<number> {
  const leader = await cluster.leader();
  const gap = await timed(log, async () => {
    await cluster.killNode(leader.id);
    await cluster.leader();
  });
  cluster.startNode(leader.id);
  await cluster.converged();
  return gap;
}

export async function raftkvRollingRestart(cluster: RaftkvBenchCluster, log: WriteLog): Promise<number> {
  return timed(log, async () => {
    for (const member of cluster.members) {
      await cluster.stopNode(member.id);
      cluster.startNode(member.id);
      await cluster.converged();
    }
  });
}

export async function etcdKill(cluster: EtcdBenchCluster, log: WriteLog): Promise<number> {
  const leader = await cluster.leader();
  const gap = await timed(log, async () => {
    await cluster.killMember(leader.name);
    await cluster.leader();
  });
  cluster.startMember(leader.name);
  await cluster.leader();
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  return gap;
}

export async function etcdMoveLeader(cluster: EtcdBenchCluster, log: WriteLog): Promise<number> {
  return timed(log, () => cluster.moveLeader());
}
