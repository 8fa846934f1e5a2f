/**
 * A cluster of real raftkv node processes on loopback, for end-to-end tests:
 * generated config files, one `raftkv server` process per node (started from
 * the built bin/raftkv.js), kill -9, restart, graceful stop, and a look at each
 * node's LevelDB once it is stopped.
 */
import { decodeRecord } from '../../src/kv/record.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { collectStatus, leaderOf } from '../../src/client/status.js';
import type { ConnectionSecurity } from '../../src/client/connection.js';
import { openDiskStorage } from '../../src/storage/open.js';
import { freePorts } from './ports.js';
import { waitFor } from './wait.js';

const BIN = resolve(import.meta.dirname, '../../bin/raftkv.js');

export interface ProcessNode {
  readonly id: string;
  readonly client: string;
  readonly peer: string;
  readonly configPath: string;
  readonly dataDir: string;
  readonly logPath: string;
  process: ChildProcess | null;
  /** Extra `raftkv server` arguments, e.g. ['--trace', file] (see traceArgs). */
  serverArgs: string[];
}

export class ProcessCluster {
  /** Credentials and TLS for the cluster's client ports, when its config requires them (clientAuth, clientTls). */
  security: ConnectionSecurity = {};

  private constructor(
    readonly dir: string,
    readonly clusterId: string,
    readonly nodes: ProcessNode[],
    /** What went into every node's config (timing, limits, ...), for nodes added later. */
    private readonly extra: Record<string, unknown> = {},
  ) {}

  /** traceAll() was called: nodes added later trace too. */
  private tracing = false;

  /**
   * `extra` goes into every node's config; `options.perNode(id)` into that
   * node's only (e.g. its certificate). `options.hosts`: a loopback address per
   * node (127.x.y.z), which the node listens on and dials its peers from, so
   * iptables can cut links between nodes.
   */
  static async create(
    size = 3,
    extra: Record<string, unknown> = {},
    options: { perNode?: (id: string) => Record<string, unknown>; hosts?: readonly string[] } = {},
  ): Promise<ProcessCluster> {
    const { perNode = () => ({}), hosts } = options;
    const dir = mkdtempSync(join(tmpdir(), 'raftkv-e2e-'));
    const ports = await freePorts(size * 2);
    const members = Array.from({ length: size }, (_, i) => ({
      id: `n${i + 1}`,
      peer: `${hosts?.[i] ?? '127.0.0.1'}:${ports[2 * i]}`,
      client: `${hosts?.[i] ?? '127.0.0.1'}:${ports[2 * i + 1]}`,
    }));
    const clusterId = `e2e-${process.pid}-${ports[0]}`;
    const nodes = members.map((member) => {
      const configPath = join(dir, `${member.id}.json`);
      const dataDir = join(dir, member.id);
      writeFileSync(configPath, JSON.stringify({ nodeId: member.id, clusterId, dataDir, members, logLevel: 'info', ...extra, ...perNode(member.id) }, null, 2));
      return { ...member, configPath, dataDir, logPath: join(dir, `${member.id}.log`), process: null, serverArgs: [] };
    });
    return new ProcessCluster(dir, clusterId, nodes, extra);
  }

  /**
   * A new node for an existing cluster: free ports, an empty data directory
   * and a config with `join: true` that names only itself (the cluster tells
   * it the rest). Not started; add it with CLUSTER MEMBER ADD-LEARNER.
   */
  async addNode(): Promise<ProcessNode> {
    const [peerPort, clientPort] = await freePorts(2);
    const id = `n${this.nodes.length + 1}`;
    const member = { id, peer: `127.0.0.1:${peerPort}`, client: `127.0.0.1:${clientPort}` };
    const configPath = join(this.dir, `${id}.json`);
    const dataDir = join(this.dir, id);
    writeFileSync(configPath, JSON.stringify({ nodeId: id, clusterId: this.clusterId, dataDir, members: [member], logLevel: 'info', join: true, ...this.extra }, null, 2));
    const node: ProcessNode = { ...member, configPath, dataDir, logPath: join(this.dir, `${id}.log`), process: null, serverArgs: this.tracing ? ['--trace', join(this.dir, `${id}-%p.ndjson`)] : [] };
    this.nodes.push(node);
    return node;
  }

  addresses(): string[] {
    return this.nodes.map((node) => node.client);
  }

  node(id: string): ProcessNode {
    const node = this.nodes.find((n) => n.id === id || n.client === id);
    if (!node) throw new Error(`no node ${id}`);
    return node;
  }

  start(id: string): void {
    const node = this.node(id);
    if (node.process) throw new Error(`${id} is already running`);
    const log = createWriteStream(node.logPath, { flags: 'a' });
    const child = spawn(process.execPath, [BIN, 'server', '--config', node.configPath, ...node.serverArgs], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.pipe(log);
    child.stderr!.pipe(log);
    node.process = child;
    child.once('exit', () => {
      if (node.process === child) node.process = null;
    });
  }

  startAll(): void {
    for (const node of this.nodes) this.start(node.id);
  }

  /**
   * Every node records a trace in the cluster's directory: `<id>-<pid>.ndjson`
   * per incarnation, so a restart never overwrites the trace of a killed run.
   */
  traceAll(): void {
    this.tracing = true;
    for (const node of this.nodes) node.serverArgs.push('--trace', join(this.dir, `${node.id}-%p.ndjson`));
  }

  /** Sends a signal without waiting for an exit (SIGUSR2, SIGSTOP, ...). */
  send(id: string, signal: NodeJS.Signals): void {
    const child = this.node(id).process;
    if (!child) throw new Error(`${id} is not running`);
    child.kill(signal);
  }

  /** kill -9: no shutdown code runs. */
  async kill(id: string): Promise<void> {
    await this.signal(id, 'SIGKILL');
  }

  /** SIGTERM and wait for a clean exit. */
  async stop(id: string): Promise<number | null> {
    return this.signal(id, 'SIGTERM');
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.nodes.filter((n) => n.process).map((n) => this.stop(n.id)));
  }

  private async signal(id: string, signal: NodeJS.Signals): Promise<number | null> {
    const child = this.node(id).process;
    if (!child) return null;
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill(signal);
    return exited;
  }

  /** The client address of the node that reports itself leader, once exactly one does among running nodes. */
  async waitForLeader(options: { excluding?: string; timeoutMs?: number } = {}): Promise<string> {
    const running = this.nodes.filter((n) => n.process).map((n) => n.client);
    return waitFor(
      async () => {
        const reports = await collectStatus(running, 500, this.security);
        const leader = leaderOf(reports);
        if (leader === null || leader === options.excluding) return null;
        return leader;
      },
      { timeoutMs: options.timeoutMs ?? 20_000, what: 'a leader' },
    );
  }

  /** Waits until every running node has applied everything the leader has committed (within timeoutMs, 15 s by default). */
  async waitForConvergence(timeoutMs?: number): Promise<void> {
    const leader = await this.waitForLeader();
    const commit = Number((await this.info(leader))['commit_index']);
    const running = this.nodes.filter((n) => n.process);
    await waitFor(
      async () => {
        const applied = await Promise.all(running.map(async (n) => Number((await this.info(n.id))['applied_index'])));
        return applied.every((index) => index >= commit);
      },
      { what: `every node to apply up to ${commit}`, ...(timeoutMs !== undefined && { timeoutMs }) },
    );
  }

  async info(id: string): Promise<Record<string, string>> {
    const [report] = await collectStatus([this.node(id).client], 1_000, this.security);
    if (!report || !report.up) throw new Error(`${id} is down: ${report && !report.up ? report.error : ''}`);
    return { ...report.info };
  }

  /** Every key and value in a stopped node's LevelDB, as strings. */
  async dump(id: string): Promise<Map<string, string>> {
    const node = this.node(id);
    if (node.process) throw new Error(`${id} must be stopped to read its data directory`);
    const storage = await openDiskStorage(node.dataDir);
    try {
      const rows = await storage.kv.dump();
      return new Map(rows.map(([k, v]) => [Buffer.from(k).toString(), Buffer.from(decodeRecord(v).value).toString()]));
    } finally {
      await storage.close();
    }
  }

  async destroy(): Promise<void> {
    for (const node of this.nodes) node.process?.kill('SIGKILL');
    await rm(this.dir, { recursive: true, force: true });
  }
}
