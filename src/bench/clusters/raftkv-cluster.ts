/**
 * A raftkv cluster for benchmarks: `raftkv server` processes from this
 * checkout on loopback, fresh data directories, each node startable,
 * stoppable (SIGTERM) and killable (kill -9) on its own.
 */
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseInfo } from '../../client/client.js';
import { freePorts } from '../../util/free-ports.js';
import { pollUntil } from '../../util/poll.js';
import { ServerProcess } from './proc.js';
import { respCall } from './resp.js';

/** Three levels up from src/bench/clusters or dist/bench/clusters. */
const BIN = resolve(import.meta.dirname, '../../../bin/raftkv.js');

export interface RaftkvClusterOptions {
  readonly dir: string;
  readonly nodes?: number;
  /** The config's `timing` section (a preset name or an object); `fast` by default. */
  readonly timing?: unknown;
  /** Options for node itself, before the script (`--cpu-prof`, for scripts/profile-cluster.mjs). */
  readonly nodeArgs?: readonly string[];
}

interface Member {
  readonly id: string;
  readonly peer: string;
  readonly client: string;
}

export class RaftkvBenchCluster {
  private readonly processes = new Map<string, ServerProcess>();

  private constructor(
    private readonly dir: string,
    readonly members: readonly Member[],
    private readonly nodeArgs: readonly string[] = [],
  ) {}

  static async start(options: RaftkvClusterOptions): Promise<RaftkvBenchCluster> {
    const size = options.nodes ?? 3;
    const ports = await freePorts(size * 2);
    const members = Array.from({ length: size }, (_, i) => ({
      id: `n${i + 1}`,
      peer: `127.0.0.1:${ports[2 * i]}`,
      client: `127.0.0.1:${ports[2 * i + 1]}`,
    }));
    for (const member of members) {
      const config = { nodeId: member.id, clusterId: 'bench', dataDir: join(options.dir, member.id), members, timing: options.timing ?? 'fast', logLevel: 'warn' };
      writeFileSync(join(options.dir, `${member.id}.json`), JSON.stringify(config, null, 2));
    }
    const cluster = new RaftkvBenchCluster(options.dir, members, options.nodeArgs);
    for (const member of members) cluster.startNode(member.id);
    await cluster.leader();
    return cluster;
  }

  clientAddresses(): string[] {
    return this.members.map((m) => m.client);
  }

  pids(): number[] {
    return [...this.processes.values()].filter((p) => p.running).map((p) => p.pid);
  }

  /** The process id of one running node. */
  processPid(id: string): number {
    const proc = this.processes.get(id);
    if (proc === undefined) throw new Error(`no process for ${id}`);
    return proc.pid;
  }

  startNode(id: string): void {
    const args = [...this.nodeArgs, BIN, 'server', '--config', join(this.dir, `${id}.json`)];
    this.processes.set(id, new ServerProcess(id, process.execPath, args, join(this.dir, `${id}.log`)));
  }

  async killNode(id: string): Promise<void> {
    await this.processes.get(id)?.kill();
  }

  async stopNode(id: string): Promise<void> {
    await this.processes.get(id)?.stop();
  }

  /** The node that reports itself leader, once one does. */
  async leader(timeoutMs = 20_000): Promise<Member> {
    return pollUntil(() => this.findLeader(), { timeoutMs, intervalMs: 20, what: 'a raftkv leader' });
  }

  async info(id: string): Promise<Record<string, string>> {
    const member = this.member(id);
    const reply = await respCall(hostOf(member.client), portOf(member.client), ['INFO']);
    if (reply.type !== 'bulk' || reply.value === null) throw new Error(`${id}: no INFO`);
    return parseInfo(reply.value.toString());
  }

  /** Waits until every running node has applied what the leader had committed when asked. */
  async converged(timeoutMs = 30_000): Promise<void> {
    const leader = await this.leader();
    const commit = Number((await this.info(leader.id))['commit_index']);
    const running = this.members.filter((m) => this.processes.get(m.id)?.running);
    await pollUntil(
      async () => (await Promise.all(running.map(async (m) => Number((await this.info(m.id))['applied_index'])))).every((i) => i >= commit),
      { timeoutMs, intervalMs: 50, what: `every node to apply up to ${commit}` },
    );
  }

  async stop(): Promise<void> {
    await Promise.all([...this.processes.values()].map((p) => p.stop()));
  }

  member(id: string): Member {
    const member = this.members.find((m) => m.id === id);
    if (member === undefined) throw new Error(`no member ${id}`);
    return member;
  }

  private async findLeader(): Promise<Member | undefined> {
    for (const member of this.members) {
      if (!this.processes.get(member.id)?.running) continue;
      const info = await this.info(member.id).catch(() => undefined);
      if (info?.['role'] === 'leader') return member;
    }
    return undefined;
  }
}

export function hostOf(address: string): string {
  return address.slice(0, address.lastIndexOf(':'));
}

export function portOf(address: string): number {
  return Number(address.slice(address.lastIndexOf(':') + 1));
}
