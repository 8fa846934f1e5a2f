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

/**
 * Hands out node plans: `n1`, `n2`, ... in order, ids never reused, each with its own
 * free ports (and, with iptables, its own loopback address 127.<a>.<b>.<10 + n>), so
 * the membership nemesis can add fresh nodes to a running cluster.
 */
export class NodePlanner {
  private count = 0;
  private readonly base: readonly [number, number];

  constructor(
    private readonly dir: string,
    private readonly mechanism: MechanismName,
    rng: Rng,
  ) {
    this.base = [rng.int(1, 250), rng.int(1, 250)];
  }

  /** The next node: a new id, a new address, a data directory that does not exist yet. */
  async next(): Promise<NodePlan> {
    const n = ++this.count;
    // 127.a.b.11 .. 127.a.b.254: room for 244 nodes in one run.
    if (10 + n > 254) throw new RangeError(`no loopback address left for node n${n}`);
    const id = `n${n}`;
    const host = this.mechanism === 'iptables' ? `127.${this.base[0]}.${this.base[1]}.${10 + n}` : '127.0.0.1';
    const [peerPort, clientPort] = await freePorts(host, 2);
    return {
      id,
      host,
      peerPort: peerPort as number,
      clientPort: clientPort as number,
      dataDir: join(this.dir, id),
      configPath: join(this.dir, `${id}.json`),
      logPath: join(this.dir, `${id}.log`),
    };
  }
}

/** The first `size` nodes of a run. */
export async function planFirst(planner: NodePlanner, size: number): Promise<NodePlan[]> {
  const plans: NodePlan[] = [];
  for (let i = 0; i < size; i++) plans.push(await planner.next());
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
    writeConfig(self, members, false, options);
  }
}

/**
 * The config of a node that joins the running cluster: `join: true` and only itself
 * in `members` (it learns the rest from the leader); same cluster id, timing, limits.
 */
export function writeJoinConfig(self: NodePlan, options: Omit<ConfigOptions, 'peerAddress'>): void {
  writeConfig(self, [{ id: self.id, peer: peerAddress(self), client: clientAddress(self) }], true, options);
}

export function peerAddress(plan: NodePlan): string {
  return `${plan.host}:${plan.peerPort}`;
}

function writeConfig(self: NodePlan, members: readonly { id: string; peer: string; client: string }[], join: boolean, options: Omit<ConfigOptions, 'peerAddress'>): void {
  const config = {
    nodeId: self.id,
    clusterId: options.clusterId,
    dataDir: self.dataDir,
    members,
    ...(join && { join: true }),
    timing: options.timing,
    limits: CHAOS_LIMITS,
    logLevel: 'info',
  };
  writeFileSync(self.configPath, `${JSON.stringify(config, null, 2)}\n`);
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
