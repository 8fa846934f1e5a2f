/**
 * The cluster under test: node processes from a plan, their registry entries, and
 * questions asked over the client protocol (who leads, has everyone caught up).
 */
import { decodeRecord } from '../kv/record.js';
import { collectStatus, type NodeReport } from '../client/status.js';
import { openDiskStorage } from '../storage/open.js';
import { ChaosError } from './errors.js';
import { NodeProcess, type UnexpectedExit } from './node-process.js';
import { clientAddress, type NodePlan } from './plan.js';
import type { RunRegistry } from './registry.js';
import { pollUntil } from './wait.js';

const STATUS_TIMEOUT_MS = 500;

export class ChaosCluster {
  readonly nodes: ReadonlyMap<string, NodeProcess>;
  readonly unexpectedExits: UnexpectedExit[] = [];

  constructor(plans: readonly NodePlan[], registry: RunRegistry) {
    this.nodes = new Map(
      plans.map((plan) => [
        plan.id,
        new NodeProcess(
          plan,
          (exit) => this.unexpectedExits.push(exit),
          (pid) => registry.node(plan.id, pid === null ? null : { pid, configPath: plan.configPath }),
        ),
      ]),
    );
  }

  get ids(): string[] {
    return [...this.nodes.keys()];
  }

  node(id: string): NodeProcess {
    const node = this.nodes.get(id);
    if (node === undefined) throw new Error(`no node ${id}`);
    return node;
  }

  addresses(): string[] {
    return [...this.nodes.values()].map((n) => clientAddress(n.plan));
  }

  idOfAddress(address: string): string | undefined {
    return [...this.nodes.values()].find((n) => clientAddress(n.plan) === address)?.plan.id;
  }

  startAll(): void {
    for (const node of this.nodes.values()) if (!node.running) node.start();
  }

  /** Brings every node back: resumes the paused, restarts the dead. */
  reviveAll(): void {
    for (const node of this.nodes.values()) {
      if (node.running) node.resume();
      else node.start();
    }
  }

  async status(): Promise<Map<string, NodeReport>> {
    const live = [...this.nodes.values()].filter((n) => n.running && !n.paused);
    const reports = await collectStatus(live.map((n) => clientAddress(n.plan)), STATUS_TIMEOUT_MS);
    return new Map(live.map((n, i) => [n.plan.id, reports[i] as NodeReport]));
  }

  /** The id of a running node that reports itself leader, or null (asked once, now). */
  async leader(): Promise<string | null> {
    for (const [id, report] of await this.status()) if (report.up && report.info['role'] === 'leader') return id;
    return null;
  }

  /**
   * Waits until the cluster is quiet: one leader of the highest term, its commit index
   * equal to its last log index, and every node applied up to it (twice in a row, so
   * a write still in flight cannot slip between the two looks).
   */
  async waitForQuiescence(timeoutMs: number): Promise<{ leader: string; index: number }> {
    let previous = -1;
    return pollUntil(
      async () => {
        const state = quietState(await this.status(), this.nodes.size);
        if (state === null || state.index !== previous) {
          previous = state?.index ?? -1;
          return null;
        }
        return state;
      },
      { timeoutMs, intervalMs: 250, what: 'every node to apply the whole log of one leader' },
    );
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.nodes.values()].map((n) => n.stop()));
  }

  killAllNow(): void {
    for (const node of this.nodes.values()) node.killNow();
  }

  /** Every key and value in a stopped node's LevelDB, as strings (as ProcessCluster.dump does). */
  async dump(id: string): Promise<Map<string, string>> {
    const node = this.node(id);
    if (node.running) throw new ChaosError('NODE_FAILED', `${id} must be stopped to read its data directory`);
    const storage = await openDiskStorage(node.plan.dataDir);
    try {
      const rows = await storage.kv.dump();
      return new Map(rows.map(([k, v]) => [Buffer.from(k).toString(), Buffer.from(decodeRecord(v).value).toString()]));
    } finally {
      await storage.close();
    }
  }
}

function quietState(reports: Map<string, NodeReport>, size: number): { leader: string; index: number } | null {
  if (reports.size !== size) return null;
  const infos = [...reports].map(([id, r]) => (r.up ? { id, info: r.info } : null));
  if (infos.some((x) => x === null)) return null;
  const leaders = infos.filter((x) => x!.info['role'] === 'leader');
  if (leaders.length !== 1) return null;
  const leader = leaders[0]!;
  const commit = Number(leader.info['commit_index']);
  if (commit !== Number(leader.info['last_log_index'])) return null;
  const caughtUp = infos.every((x) => Number(x!.info['applied_index']) === commit && x!.info['term'] === leader.info['term']);
  return caughtUp ? { leader: leader.id, index: commit } : null;
}
