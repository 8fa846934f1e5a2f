/**
 * etcd (Debian's etcd-server): three members on loopback, fresh data
 * directories, heartbeat and election timeouts close to raftkv's `fast` timing.
 */
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { freePorts } from '../../util/free-ports.js';
import { pollUntil } from '../../util/poll.js';
import { EtcdTarget } from './etcd-target.js';
import { ServerProcess } from './proc.js';
import type { RunningSystem } from './system.js';

const MEMBERS = 3;

export async function startEtcd(workDir: string): Promise<RunningSystem> {
  const ports = await freePorts(MEMBERS * 2);
  const names = Array.from({ length: MEMBERS }, (_, i) => `e${i + 1}`);
  const peerUrl = (i: number): string => `http://127.0.0.1:${ports[2 * i]}`;
  const clientUrl = (i: number): string => `http://127.0.0.1:${ports[2 * i + 1]}`;
  const initialCluster = names.map((name, i) => `${name}=${peerUrl(i)}`).join(',');
  const servers = names.map((name, i) => new ServerProcess(name, 'etcd', [
    '--name', name, '--data-dir', join(workDir, name),
    '--listen-peer-urls', peerUrl(i), '--initial-advertise-peer-urls', peerUrl(i),
    '--listen-client-urls', clientUrl(i), '--advertise-client-urls', clientUrl(i),
    '--initial-cluster', initialCluster, '--initial-cluster-state', 'new', '--initial-cluster-token', 'bench',
    '--heartbeat-interval', '50', '--election-timeout', '300', '--log-level', 'warn',
  ], join(workDir, `${name}.log`)));
  const endpoints = names.map((_, i) => clientUrl(i));
  const leader = await pollUntil(() => findLeader(endpoints), { timeoutMs: 30_000, intervalMs: 200, what: 'an etcd leader' });
  return {
    name: 'etcd',
    pids: () => servers.map((server) => server.pid),
    target: () => new EtcdTarget(leader),
    stop: async () => {
      await Promise.all(servers.map((server) => server.stop()));
    },
  };
}

async function findLeader(endpoints: readonly string[]): Promise<string | undefined> {
  for (const endpoint of endpoints) {
    const client = new Etcd3({ hosts: endpoint, dialTimeout: 1_000 });
    try {
      const status = await client.maintenance.status();
      if (status.leader !== '0' && status.leader === status.header.member_id) return endpoint;
    } catch {
      // not up yet
    } finally {
      client.close();
    }
  }
  return undefined;
}
