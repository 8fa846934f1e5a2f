/**
 * The cluster's addresses and config files. With iptables every node gets its own
 * loopback address, 127.<a>.<b>.11, .12, ..., with <a>.<b> random per run so that
 * concurrent runs never share an address (and never cut each other's traffic). With
 * proxies every node listens on 127.0.0.1 and each node's config points its peers at
 * the proxies of its outbound links.
 */
import net from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MechanismName } from './net-faults.js';
import type { Rng } from './rng.js';

export interface NodePlan {
  readonly id: string;
  readonly host: string;
  readonly peerPort: number;
  readonly clientPort: number;
  readonly dataDir: string;
  readonly configPath: string;
  readonly logPath: string;
}

export interface Endpoint {
  readonly host: string;
  readonly port: number;
}

/** Picks hosts and free ports for `size` nodes under `dir`. */
export async function planNodes(dir: string, size: number, mechanism: MechanismName, rng: Rng): Promise<NodePlan[]> {
  const [a, b] = [rng.int(1, 250), rng.int(1, 250)];
  const plans: NodePlan[] = [];
  for (let i = 0; i < size; i++) {
    const id = `n${i + 1}`;
    const host = mechanism === 'iptables' ? `127.${a}.${b}.${11 + i}` : '127.0.0.1';
    const [peerPort, clientPort] = await freePorts(host, 2);
    plans.push({
      id,
      host,
      peerPort: peerPort as number,
      clientPort: clientPort as number,
      dataDir: join(dir, id),
      configPath: join(dir, `${id}.json`),
      logPath: join(dir, `${id}.log`),
    });
  }
  return plans;
}

export function clientAddress(plan: NodePlan): string {
  return `${plan.host}:${plan.clientPort}`;
}

export interface ConfigOptions {
  readonly clusterId: string;
  /** The `timing` section: a preset name or an object. */
  readonly timing: unknown;
  /** Where node `from` reaches peer `to` (its real address, or a proxy). */
  readonly peerAddress: (from: string, to: NodePlan) => Endpoint;
}

/**
 * Snapshots every few hundred entries, so a run compacts many times and a node
 * that was down (the down-compact fault) comes back by InstallSnapshot.
 */
export const CHAOS_LIMITS = { snapshotEntries: 200, snapshotTrailingEntries: 50, snapshotChunkBytes: 4096 } as const;

/** Writes one config file per node. */
export function writeConfigs(plans: readonly NodePlan[], options: ConfigOptions): void {
  for (const self of plans) {
    const members = plans.map((member) => {
      const peer = member.id === self.id ? { host: member.host, port: member.peerPort } : options.peerAddress(self.id, member);
      return { id: member.id, peer: `${peer.host}:${peer.port}`, client: clientAddress(member) };
    });
    const config = { nodeId: self.id, clusterId: options.clusterId, dataDir: self.dataDir, members, timing: options.timing, limits: CHAOS_LIMITS, logLevel: 'info' };
    writeFileSync(self.configPath, `${JSON.stringify(config, null, 2)}\n`);
  }
}

/** Ports the OS reports free on `host` right now (bound, then released). */
export async function freePorts(host: string, count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<net.Server>((resolve, reject) => {
          const server = net.createServer();
          server.once('error', reject);
          server.listen(0, host, () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((server) => (server.address() as net.AddressInfo).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}
