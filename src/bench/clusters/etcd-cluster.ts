/**
 * An etcd cluster for benchmarks (Debian's etcd-server): members on
 * loopback, fresh data directories, each killable and restartable, with
 * heartbeat and election settings given (50 ms / 300 ms by default, close to
 * raftkv's `fast` timing).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { freePorts } from '../../util/free-ports.js';
import { pollUntil } from '../../util/poll.js';
import { ServerProcess } from './proc.js';

export interface EtcdClusterOptions {
  readonly dir: string;
  readonly members?: number;
  readonly heartbeatMs?: number;
  readonly electionMs?: number;
}

interface EtcdMember {
  readonly name: string;
  readonly peerUrl: string;
  readonly clientUrl: string;
}

export interface EtcdLeader {
  readonly name: string;
  readonly clientUrl: string;
}

export class EtcdBenchCluster {
  private readonly processes = new Map<string, ServerProcess>();

  private constructor(
    private readonly options: EtcdClusterOptions,
    readonly members: readonly EtcdMember[],
  ) {}

  static async start(options: EtcdClusterOptions): Promise<EtcdBenchCluster> {
    const size = options.members ?? 3;
    const ports = await freePorts(size * 2);
    const members = Array.from({ length: size }, (_, i) => ({
      name: `e${i + 1}`,
      peerUrl: `http://127.0.0.1:${ports[2 * i]}`,
      clientUrl: `http://127.0.0.1:${ports[2 * i + 1]}`,
    }));
    const cluster = new EtcdBenchCluster(options, members);
    for (const member of members) cluster.startMember(member.name);
    await cluster.leader(30_000);
    return cluster;
  }

  clientUrls(): string[] {
    return this.members.map((m) => m.clientUrl);
  }

  pids(): number[] {
    return [...this.processes.values()].filter((p) => p.running).map((p) => p.pid);
  }

  startMember(name: string): void {
    const member = this.member(name);
    const initialCluster = this.members.map((m) => `${m.name}=${m.peerUrl}`).join(',');
    const args = [
      '--name', name, '--data-dir', join(this.options.dir, name),
      '--listen-peer-urls', member.peerUrl, '--initial-advertise-peer-urls', member.peerUrl,
      '--listen-client-urls', member.clientUrl, '--advertise-client-urls', member.clientUrl,
      '--initial-cluster', initialCluster, '--initial-cluster-state', 'new', '--initial-cluster-token', 'bench',
      '--heartbeat-interval', String(this.options.heartbeatMs ?? 50), '--election-timeout', String(this.options.electionMs ?? 300),
      '--log-level', 'warn',
    ];
    this.processes.set(name, new ServerProcess(name, 'etcd', args, join(this.options.dir, `${name}.log`)));
  }

  async killMember(name: string): Promise<void> {
    await this.processes.get(name)?.kill();
  }

  /** The member that reports itself leader, once one does. */
  async leader(timeoutMs = 20_000): Promise<EtcdLeader> {
    return pollUntil(() => this.findLeader(), { timeoutMs, intervalMs: 20, what: 'an etcd leader' });
  }

  /** etcd's own leadership transfer: `etcdctl move-leader` to the first other running member. */
  async moveLeader(): Promise<void> {
    const leader = await this.leader();
    const target = this.members.find((m) => m.name !== leader.name && this.processes.get(m.name)?.running);
    if (target === undefined) throw new Error('no member to move leadership to');
    const id = await memberIdHex(target.clientUrl);
    await run('etcdctl', ['--endpoints', leader.clientUrl, 'move-leader', id]);
  }

  async stop(): Promise<void> {
    await Promise.all([...this.processes.values()].map((p) => p.stop()));
  }

  private member(name: string): EtcdMember {
    const member = this.members.find((m) => m.name === name);
    if (member === undefined) throw new Error(`no member ${name}`);
    return member;
  }

  private async findLeader(): Promise<EtcdLeader | undefined> {
    for (const member of this.members) {
      if (!this.processes.get(member.name)?.running) continue;
      const client = new Etcd3({ hosts: member.clientUrl, dialTimeout: 500 });
      try {
        const status = await client.maintenance.status();
        if (status.leader !== '0' && status.leader === status.header.member_id) return { name: member.name, clientUrl: member.clientUrl };
      } catch {
        // not up, or not answering yet
      } finally {
        client.close();
      }
    }
    return undefined;
  }
}

async function memberIdHex(clientUrl: string): Promise<string> {
  const client = new Etcd3({ hosts: clientUrl, dialTimeout: 1_000 });
  try {
    return BigInt((await client.maintenance.status()).header.member_id).toString(16);
  } finally {
    client.close();
  }
}

function run(command: string, args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ETCDCTL_API: '3' } });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')}: exit ${code}: ${stderr.trim()}`))));
  });
}
