/**
 * A simulated cluster: the loop, the network, one disk and node per member,
 * the safety checker and trace recorder tapping every node, and the glue to
 * the simulated clients. Fault actions are carried out here.
 */
import type { BusEvent } from '../bus/events.js';
import { DEFAULT_LIMITS, type MemberConfig } from '../config/types.js';
import type { NodeSettings } from '../node/assemble.js';
import type { ClientRequest } from '../protocol/commands.js';
import type { Workload } from './clients.js';
import { SimDisk, type DiskTiming } from './disk.js';
import type { FaultAction, Target } from './faults.js';
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

export function simMembers(count: number): MemberConfig[] {
  return Array.from({ length: count }, (_, i) => ({ id: `n${i + 1}`, peer: `n${i + 1}.sim:7000`, client: `n${i + 1}.sim:6379` }));
}

export class SimCluster implements NodeObserver {
  readonly loop = new SimLoop();
  readonly network: SimNetwork;
  readonly nodes: SimNode[];
  readonly checker = new SafetyChecker();
  readonly trace: TraceRecorder;
  readonly members: MemberConfig[];
  private workload: Workload | null = null;
  crashes = 0;
  /** Faults have stopped: a trap sprung before that does not fire after it. */
  private healed = false;
  /** Armed trapLeader actions, oldest first. */
  private readonly traps: Array<{ then: 'crash' | 'isolate'; delayMs: number }> = [];
  private readonly rng: Rng;

  constructor(seed: number, size: number, diskTiming: DiskTiming, hashEvents: boolean) {
    this.rng = new Rng(seed);
    this.trace = new TraceRecorder(hashEvents);
    this.members = simMembers(size);
    this.network = new SimNetwork(this.loop, this.rng.derive());
    // Small, seed-chosen appends and windows, so batching, splitting and back-off paths get exercised.
    // Snapshots every few dozen entries, so every seed compacts and most send snapshots.
    const limits = {
      ...DEFAULT_LIMITS,
      snapshotEntries: this.rng.pick([12, 24, 48]),
      snapshotTrailingEntries: this.rng.pick([0, 3, 10]),
      snapshotChunkBytes: this.rng.pick([64, 300, 4096]),
      entriesPerAppendMax: this.rng.pick([1, 2, 3, 8]), inflightAppendsMax: this.rng.pick([1, 2, 4]) };
    const settings = (id: string): NodeSettings => ({ nodeId: id, members: this.members, timing: SIM_TIMING, limits });
    this.nodes = this.members.map((m) => {
      const disk = new SimDisk(m.id, this.loop, this.rng.derive(), diskTiming, this.checker);
      return new SimNode(m.id, disk, settings(m.id), this.loop, this.network, this.rng.derive(), this);
    });
    this.checker.watch(this.nodes);
    this.network.frozen = (id) => this.nodes.find((n) => n.id === id)?.paused ?? false;
  }

  attach(workload: Workload): void {
    this.workload = workload;
  }

  startAll(): void {
    for (const node of this.nodes) node.start();
  }

  // ------------------------------------------------------------ observer

  started(node: SimNode): void {
    this.checker.started(node);
  }

  delivered(node: SimNode, event: BusEvent): void {
    this.trace.record(this.loop.now, node.id, event);
    this.checker.delivered(node, event);
    if (event.type === 'raft.status' && event.role === 'leader' && this.traps.length > 0) this.spring(node, event.term);
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
        for (const node of action.node === 'all' ? this.nodes : ids([action.node]).map((id) => this.nodes.find((n) => n.id === id)!)) {
          if (!node.up) node.start();
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
    }
  }

  /** Faults stop: links heal, the network calms down, disks work, every node is up. */
  healEverything(calm: NetworkConditions): void {
    this.healed = true;
    this.traps.length = 0;
    this.network.healAll();
    this.network.conditions = calm;
    for (const node of this.nodes) {
      node.disk.failProbability = 0;
      if (!node.up) node.start();
    }
  }
}
