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
  /** Every node process of the run, removed members included (they stay stopped). */
  private readonly processes = new Map<string, NodeProcess>();
  /** The cluster's members as the harness last changed them, in the order they joined. */
  private memberIds: string[] = [];
  readonly unexpectedExits: UnexpectedExit[] = [];

  constructor(
    plans: readonly NodePlan[],
    private readonly registry: RunRegistry,
  ) {
    for (const plan of plans) this.add(plan);
  }

  /** Current members (removed ones excluded, joined ones included). */
  get ids(): string[] {
    return [...this.memberIds];
  }

  /** Every node process the run has had, members or not. */
  get nodes(): ReadonlyMap<string, NodeProcess> {
    return this.processes;
  }

  /** A member planned at the start: its process, not started. */
  add(plan: NodePlan): NodeProcess {
    const node = this.addJoining(plan);
    this.admit(plan.id);
    return node;
  }

  /** A node that will join the running cluster: its process, not started, not a member until admit(). */
  addJoining(plan: NodePlan): NodeProcess {
    if (this.processes.has(plan.id)) throw new Error(`node ${plan.id} exists already; ids are never reused`);
    const node = new NodeProcess(
      plan,
      (exit) => this.unexpectedExits.push(exit),
      (pid) => this.registry.node(plan.id, pid === null ? null : { pid, configPath: plan.configPath }),
    );
    this.processes.set(plan.id, node);
    return node;
  }

  /** The cluster took `id` in (as a learner): clients may use it, the final checks include it. */
  admit(id: string): void {
    this.node(id);
    if (!this.memberIds.includes(id)) this.memberIds.push(id);
  }

  /** A member removed from the configuration: no longer a target, an address or checked at the end. */
  retire(id: string): void {
    this.node(id);
    this.memberIds = this.memberIds.filter((m) => m !== id);
  }

  node(id: string): NodeProcess {
    const node = this.processes.get(id);
    if (node === undefined) throw new Error(`no node ${id}`);
    return node;
  }

  private members(): NodeProcess[] {
    return this.memberIds.map((id) => this.node(id));
  }

  /** The members' client addresses: clients and the harness's requests go there. */
  addresses(): string[] {
    return this.members().map((n) => clientAddress(n.plan));
  }

  startAll(): void {
    for (const node of this.members()) if (!node.running) node.start();
  }

  /** Brings every member back: resumes the paused, restarts the dead. */
  reviveAll(): void {
    for (const node of this.members()) {
      if (node.running) node.resume();
      else node.start();
    }
  }

  async status(): Promise<Map<string, NodeReport>> {
    const live = this.members().filter((n) => n.running && !n.paused);
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
        const state = quietState(await this.status(), this.memberIds.length);
        if (state === null || state.index !== previous) {
          previous = state?.index ?? -1;
          return null;
        }
        return state;
      },
      { timeoutMs, intervalMs: 250, what: 'every node to apply the whole log of one leader' },
    );
  }

  /** The leader's commit index and id, asked now; null without a leader. */
  async leaderCommit(): Promise<{ leader: string; commit: number } | null> {
    for (const [id, report] of await this.status()) {
      if (report.up && report.info['role'] === 'leader') return { leader: id, commit: Number(report.info['commit_index']) };
    }
    return null;
  }

  /** Waits until member `id` reports an applied index of at least `index`. */
  async waitApplied(id: string, index: number, timeoutMs: number): Promise<void> {
    const address = clientAddress(this.node(id).plan);
    await pollUntil(
      async () => {
        const [report] = await collectStatus([address], STATUS_TIMEOUT_MS);
        return report?.up === true && Number(report.info['applied_index']) >= index;
      },
      { timeoutMs, intervalMs: 100, what: `${id} to apply up to index ${index}` },
    );
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.processes.values()].map((n) => n.stop()));
  }

  killAllNow(): void {
    for (const node of this.processes.values()) node.killNow();
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
