/**
 * A simulated cluster: the loop, the network, one disk and node per member
 * and per spare, the safety checker and trace recorder tapping every node,
 * and the glue to the simulated clients. Fault actions are carried out here,
 * membership changes included: a spare starts in join mode when it is first
 * added, and the change is asked of whoever leads.
 */
import type { BusEvent } from '../bus/events.js';
import { DEFAULT_LIMITS, type MemberConfig } from '../config/types.js';
import type { NodeSettings } from '../node/assemble.js';
import type { ClientRequest } from '../protocol/commands.js';
import type { Workload } from './clients.js';
import { SimDisk, type DiskTiming } from './disk.js';
import { SPARE_NODES, type FaultAction, type Target } from './faults.js';
import type { MembershipChange, MembershipRefusal } from '../raft/membership/change.js';
import { SafetyChecker } from './invariants.js';
import { SimLoop } from './loop.js';
import { SimNetwork, type NetworkConditions } from './network.js';
import { SimNode, type NodeObserver } from './node.js';
import { Rng } from './rng.js';
import { TraceRecorder } from './trace.js';

export const SIM_TIMING = {
  tickMs: 10,
  electionTimeoutMinMs: 150,
  electionTimeoutMaxMs: 300,
  heartbeatMs: 50,
  requestTimeoutMs: 1_000,
} as const;

/** One-way delay between a client and a node. */
const CLIENT_DELAY_MS_MAX = 3;

/**
 * Ids of the nemesis's membership requests: negative, so no client actor
 * (which numbers its requests from 1) mistakes an outcome for its own.
 */
const FIRST_CHANGE_ID = -1;

/** A refused change is asked again after this long, and an unanswered one (its leader gone) too. */
const CHANGE_RETRY_MS = 30;
const CHANGE_ANSWER_MS = 200;
/** A change not taken within this long is given up (a promotion of a learner never added, a member already gone). */
const CHANGE_PATIENCE_MS = 2_500;

/** Refusals that cannot turn into a yes by waiting: the change is dropped. */
const FINAL_REFUSALS: ReadonlySet<MembershipRefusal> = new Set(['MEMBER_EXISTS', 'REMOVED_MEMBER', 'NOT_A_LEARNER']);

/** A change the nemesis wants, and when it gives up on it. */
interface Change {
  readonly change: MembershipChange;
  readonly until: number;
}

/** What the nemesis's membership changes came to (in the run's stats). */
export interface MembershipStats {
  /** Changes a leader appended to its log. */
  proposed: number;
  /** Refusals, by code (each retry counts). */
  refused: Partial<Record<MembershipRefusal, number>>;
  /** Changes still not taken when the faults stopped, or refused for good. */
  abandoned: number;
}

export function simMembers(count: number): MemberConfig[] {
  return Array.from({ length: count }, (_, i) => ({ id: `n${i + 1}`, peer: `n${i + 1}.sim:7000`, client: `n${i + 1}.sim:6379` }));
}

export class SimCluster implements NodeObserver {
  readonly loop = new SimLoop();
  readonly network: SimNetwork;
  readonly nodes: SimNode[];
  readonly checker = new SafetyChecker();
  readonly trace: TraceRecorder;
  /** Every node's addresses: the bootstrap members, then the spares. */
  readonly members: MemberConfig[];
  /** How many of the nodes bootstrap the cluster (the rest are spares). */
  readonly bootstrap: number;
  readonly membership: MembershipStats = { proposed: 0, refused: {}, abandoned: 0 };
  /** The nemesis's change requests awaiting a leader's answer, by request id. */
  private readonly changes = new Map<number, Change>();
  /** Changes waiting for a leader: sent the moment one is elected (the window a new leader must not change anything in). */
  private waiting: Change[] = [];
  private nextChangeId = FIRST_CHANGE_ID;
  private workload: Workload | null = null;
  crashes = 0;
  /** Faults have stopped: a trap sprung before that does not fire after it. */
  private healed = false;
  /** Armed trapLeader actions, oldest first. */
  private readonly traps: Array<{ then: 'crash' | 'isolate'; delayMs: number }> = [];
  private readonly rng: Rng;

  constructor(seed: number, size: number, diskTiming: DiskTiming, hashEvents: boolean, spares = SPARE_NODES) {
    this.rng = new Rng(seed);
    this.trace = new TraceRecorder(hashEvents);
    this.bootstrap = size;
    this.members = simMembers(size + spares);
    const founders = this.members.slice(0, size);
    this.network = new SimNetwork(this.loop, this.rng.derive());
    // Small, seed-chosen appends and windows, so batching, splitting and back-off paths get exercised.
    // Snapshots every few dozen entries, so every seed compacts and most send snapshots.
    const limits = {
      ...DEFAULT_LIMITS,
      snapshotEntries: this.rng.pick([12, 24, 48]),
      snapshotTrailingEntries: this.rng.pick([0, 3, 10]),
      snapshotChunkBytes: this.rng.pick([64, 300, 4096]),
      entriesPerAppendMax: this.rng.pick([1, 2, 3, 8]), inflightAppendsMax: this.rng.pick([1, 2, 4]) };
    // The founders bootstrap the cluster; a spare joins it (it knows every address, and bootstraps nothing).
    const settings = (id: string, spare: boolean): NodeSettings =>
      spare ? { nodeId: id, members: this.members, timing: SIM_TIMING, limits, join: true } : { nodeId: id, members: founders, timing: SIM_TIMING, limits };
    this.nodes = this.members.map((m, i) => {
      const disk = new SimDisk(m.id, this.loop, this.rng.derive(), diskTiming, this.checker);
      return new SimNode(m.id, disk, settings(m.id, i >= size), this.loop, this.network, this.rng.derive(), this);
    });
    this.checker.watch(this.nodes, founders.map((m) => m.id));
    this.network.frozen = (id) => this.nodes.find((n) => n.id === id)?.paused ?? false;
  }

  attach(workload: Workload): void {
    this.workload = workload;
  }

  /** Starts the founders; spares start when they are added. */
  startAll(): void {
    for (const node of this.nodes.slice(0, this.bootstrap)) node.start();
  }

  /** Nodes started at least once (founders, and spares added so far). */
  known(): SimNode[] {
    return this.nodes.filter((n) => n.incarnation > 0);
  }

  // ------------------------------------------------------------ observer

  started(node: SimNode): void {
    this.checker.started(node);
  }

  delivered(node: SimNode, event: BusEvent): void {
    this.trace.record(this.loop.now, node.id, event);
    this.checker.delivered(node, event);
    if (event.type === 'raft.status' && event.role === 'leader' && this.traps.length > 0) this.spring(node, event.term);
    if (event.type === 'raft.status' && event.role === 'leader' && this.waiting.length > 0) {
      const waiting = this.waiting;
      this.waiting = [];
      for (const change of waiting) this.requestChange(change);
    }
    if (event.type === 'raft.outcomes' && event.membershipChanges.length > 0 && this.changes.size > 0) {
      for (const outcome of event.membershipChanges) this.changeAnswered(outcome);
    }
  }

  /** A node just became leader while a trap is armed: crash or isolate it after the trap's delay. */
  private spring(node: SimNode, term: number): void {
    const trap = this.traps.shift()!;
    const incarnation = node.incarnation;
    this.loop.after(trap.delayMs, () => {
      if (this.healed || node.incarnation !== incarnation || node.parts?.core.view().term !== term) return;
      if (trap.then === 'crash') node.crash();
      else this.network.partition([[node.id], this.nodes.filter((n) => n !== node).map((n) => n.id)]);
    });
  }

  crashed(): void {
    this.crashes++;
  }

  reply(node: SimNode, event: BusEvent & { type: 'client.reply' }): void {
    const delay = this.rng.float() * CLIENT_DELAY_MS_MAX;
    this.loop.after(delay, () => this.workload?.onReply(node.id, event.conn, event.seq, event.reply));
  }

  /** Fail-stop: the node crashes, and comes back a little later from its disk. */
  storageFailed(node: SimNode): void {
    const incarnation = node.incarnation;
    this.loop.after(0, () => {
      if (node.incarnation !== incarnation) return;
      node.crash();
      this.loop.after(this.rng.int(10, 300), () => {
        if (!node.up) node.start();
      });
    });
  }

  // ------------------------------------------------------------ clients

  sendRequest(nodeId: string, conn: number, seq: number, request: ClientRequest): void {
    const node = this.nodes.find((n) => n.id === nodeId);
    const delay = this.rng.float() * CLIENT_DELAY_MS_MAX;
    // A node that is down when the request arrives never answers: the client times out.
    this.loop.after(delay, () => node?.publish({ type: 'client.request', conn, seq, request }));
  }

  nodeAt(address: string): string | undefined {
    return this.members.find((m) => m.client === address)?.id;
  }

  /**
   * The nodes clients talk to: every node started so far that no live node's
   * configuration lists as removed (a removed node may still run; clients
   * that were told where the members are no longer ask it).
   */
  clientNodeIds(): string[] {
    const removed = new Set<string>();
    for (const node of this.nodes) for (const id of node.parts?.core.view().config?.removed ?? []) removed.add(id);
    const ids = this.known().map((n) => n.id).filter((id) => !removed.has(id));
    return ids.length > 0 ? ids : this.members.slice(0, this.bootstrap).map((m) => m.id);
  }

  // ------------------------------------------------------------ faults

  /** The up node that leads the highest term, if any. */
  leader(): SimNode | undefined {
    let best: SimNode | undefined;
    let bestTerm = -1;
    for (const node of this.nodes) {
      const view = node.parts?.core.view();
      if (view?.role === 'leader' && view.term > bestTerm) {
        best = node;
        bestTerm = view.term;
      }
    }
    return best;
  }

  private target(t: Target): SimNode | undefined {
    return t === 'leader' ? this.leader() : this.nodes[t];
  }

  apply(action: FaultAction): void {
    const ids = (list: readonly number[]): string[] => list.flatMap((i) => (this.nodes[i] ? [this.nodes[i].id] : []));
    switch (action.type) {
      case 'partition':
        this.network.partition(action.groups.map(ids));
        break;
      case 'oneway': {
        const [from, to] = ids([action.from, action.to]);
        if (from !== undefined && to !== undefined) this.network.cutLink(from, to);
        break;
      }
      case 'isolate': {
        const node = this.target(action.node);
        if (node) this.network.partition([[node.id], this.nodes.filter((n) => n !== node).map((n) => n.id)]);
        break;
      }
      case 'heal':
        this.network.healAll();
        break;
      case 'crash':
        this.target(action.node)?.crash();
        break;
      case 'restart':
        // Only nodes that ran before come back: a spare starts when it is added.
        for (const node of action.node === 'all' ? this.known() : ids([action.node]).map((id) => this.nodes.find((n) => n.id === id)!)) {
          if (!node.up && node.incarnation > 0) node.start();
        }
        break;
      case 'network':
        this.network.conditions = {
          ...this.network.conditions,
          lossProbability: action.loss,
          duplicateProbability: action.duplicate,
          reorderProbability: action.reorder,
          reorderDelayMs: 40,
          delayMsMax: 12,
        };
        break;
      case 'pause':
        this.target(action.node)?.pause(action.ms);
        break;
      case 'trapLeader':
        this.traps.push({ then: action.then, delayMs: action.delayMs });
        break;
      case 'diskFail': {
        const node = this.nodes[action.node];
        if (node) node.disk.failProbability = action.probability;
        break;
      }
      case 'transferLeader': {
        const target = action.to === null ? null : (this.nodes[action.to]?.id ?? null);
        this.leader()?.publish({ type: 'raft.handOver', target });
        break;
      }
      case 'addLearner': {
        const spare = this.nodes[action.node];
        if (!spare) break;
        if (spare.incarnation === 0) spare.start();
        const { id, peer, client } = this.members[action.node]!;
        this.wantChange({ kind: 'addLearner', member: { id, peer, client } });
        break;
      }
      case 'promote': {
        const node = this.nodes[action.node];
        if (node) this.wantChange({ kind: 'promote', id: node.id });
        break;
      }
      case 'removeMember': {
        const node = this.target(action.node);
        if (node) this.wantChange({ kind: 'remove', id: node.id });
        break;
      }
    }
  }

  // ------------------------------------------------------------ membership

  private wantChange(change: MembershipChange): void {
    this.requestChange({ change, until: this.loop.now + CHANGE_PATIENCE_MS });
  }

  /** Asks whoever leads for the change; tries again (with a new id) until a leader takes it, patience runs out or the faults stop. */
  private requestChange(change: Change): void {
    if (this.healed || this.loop.now > change.until) {
      this.membership.abandoned++;
      return;
    }
    const leader = this.leader();
    if (!leader) {
      this.waiting.push(change);
      return;
    }
    const id = this.nextChangeId--;
    this.changes.set(id, change);
    leader.publish({ type: 'raft.changeMembership', id, change: change.change });
    // The leader may crash or freeze before it answers: ask again.
    this.loop.after(CHANGE_ANSWER_MS, () => {
      if (this.changes.delete(id)) this.requestChange(change);
    });
  }

  private changeAnswered(outcome: { id: number; outcome: 'proposed' } | { id: number; outcome: 'refused'; code: MembershipRefusal }): void {
    // The answer of a leader that was deposed meanwhile: the next leader is asked at once.
    if (outcome.outcome === 'refused' && outcome.code === 'NOT_LEADER' && this.changes.has(outcome.id)) {
      const change = this.changes.get(outcome.id)!;
      this.changes.delete(outcome.id);
      this.membership.refused.NOT_LEADER = (this.membership.refused.NOT_LEADER ?? 0) + 1;
      this.requestChange(change);
      return;
    }
    const change = this.changes.get(outcome.id);
    if (!change) return;
    this.changes.delete(outcome.id);
    if (outcome.outcome === 'proposed') {
      this.membership.proposed++;
      return;
    }
    this.membership.refused[outcome.code] = (this.membership.refused[outcome.code] ?? 0) + 1;
    if (FINAL_REFUSALS.has(outcome.code)) this.membership.abandoned++;
    else this.loop.after(CHANGE_RETRY_MS, () => this.requestChange(change));
  }

  /** Faults stop: links heal, the network calms down, disks work, every node is up. */
  healEverything(calm: NetworkConditions): void {
    this.healed = true;
    this.traps.length = 0;
    this.network.healAll();
    this.network.conditions = calm;
    for (const node of this.known()) {
      node.disk.failProbability = 0;
      if (!node.up) node.start();
    }
  }
}
