/** etcd (Debian's etcd-server): three members on loopback; load goes to the leader. */
import { EtcdBenchCluster } from '../clusters/etcd-cluster.js';
import { EtcdTarget } from './etcd-target.js';
import type { RunningSystem } from './system.js';

export async function startEtcd(workDir: string): Promise<RunningSystem> {
  const cluster = await EtcdBenchCluster.start({ dir: workDir });
  const leader = await cluster.leader();
  return {
    name: 'etcd',
    pids: () => cluster.pids(),
    target: () => new EtcdTarget(leader.clientUrl),
    stop: () => cluster.stop(),
  };
}
