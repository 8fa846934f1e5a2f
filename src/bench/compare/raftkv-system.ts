/** raftkv from this checkout: three `raftkv server` processes on loopback, fresh data directories. */
import { hostOf, portOf, RaftkvBenchCluster } from '../clusters/raftkv-cluster.js';
import { RespTarget } from '../clusters/resp.js';
import type { RunningSystem } from './system.js';

export async function startRaftkv(workDir: string): Promise<RunningSystem> {
  const cluster = await RaftkvBenchCluster.start({ dir: workDir });
  const leader = await cluster.leader();
  return {
    name: 'raftkv',
    pids: () => cluster.pids(),
    target: () => new RespTarget(hostOf(leader.client), portOf(leader.client)),
    respPort: portOf(leader.client),
    stop: () => cluster.stop(),
  };
}
