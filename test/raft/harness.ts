/**
 * A cluster of pure RaftCores wired by hand: a message queue the test
 * controls (deliver, drop, partition), "disks" that keep what each node
 * persisted, and restarts from those disks. Fake actors in their simplest
 * form: everything is synchronous and explicit, so a test reads as a script.
 */
import { RaftCore } from '../../src/raft/core.js';
import { seededRandom } from '../../src/raft/random.js';
import type { Ready } from '../../src/raft/ready.js';
import { EMPTY_HARD_STATE, type Entry, type HardState, type LogPoint, type Message, type NodeId } from '../../src/raft/types.js';

/** The harness's tick length, for the measured clock it gives each node. */
export const TICK_MS = 10;

export interface Disk {
  hardState: HardState;
  /** The last entry compacted away; the state machine holds everything up to it. */
  logStart: LogPoint;
  /** The retained log, from logStart.index + 1. */
  entries: Entry[];
}

export interface HarnessOptions {
  readonly ids: readonly NodeId[];
  readonly seed?: number;
  readonly electionTicksMin?: number;
  readonly electionTicksMax?: number;
  readonly heartbeatTicks?: number;
  readonly entriesPerAppendMax?: number;
  readonly snapshotTrailingEntries?: number;
  readonly leaseReads?: boolean;
  /** RaftOptions.termJumpMax; absent: the core's default. */
  readonly termJumpMax?: number;
  /**
   * Pre-vote before elections (dissertation 9.6). Off unless asked for: the
   * scenarios of the paper's section 5 script classic elections step by step;
   * the product runs with it on, and so does the simulator.
   */
  readonly preVote?: boolean;
  /** When false, persist requests wait until completePersist() (a slow disk). */
  readonly autoPersist?: boolean;
  /** Nodes started in join mode (no configuration until the cluster tells them); not among the bootstrap voters. */
  readonly joiners?: readonly NodeId[];
  readonly learnerCatchUpEntriesMax?: number;
}

export class Harness {
  readonly cores = new Map<NodeId, RaftCore>();
  readonly disks = new Map<NodeId, Disk>();
  /** Messages sent and not yet delivered, in send order. */
  network: Message[] = [];
  readonly applied = new Map<NodeId, Entry[]>();
  readonly readsReady = new Map<NodeId, Array<{ id: number; index: number }>>();
  readonly refused = new Map<NodeId, Array<{ id: number; kind: string; leader: NodeId | null }>>();
  readonly accepted = new Map<NodeId, Array<{ id: number; index: number; term: number }>>();
  readonly leaderTransfers = new Map<NodeId, Ready['leaderTransfers'][number][]>();
  readonly membershipChanges = new Map<NodeId, Ready['membershipChanges'][number][]>();
  /** Every node: the bootstrap voters, then the joiners. */
  readonly allIds: readonly NodeId[];
  /** Persist requests waiting for completePersist (autoPersist false). */
  readonly pendingPersists = new Map<NodeId, Array<Ready['persist'] & object>>();
  private readonly blocked = new Set<string>();
  /** Each node's measured (monotonic) clock, in ms. */
  private readonly clockMs = new Map<NodeId, number>();
  private autoPersist: boolean;

  constructor(private readonly options: HarnessOptions) {
    this.autoPersist = options.autoPersist ?? true;
    this.allIds = [...options.ids, ...(options.joiners ?? [])];
    for (const id of this.allIds) {
      this.disks.set(id, { hardState: EMPTY_HARD_STATE, logStart: { index: 0, term: 0 }, entries: [] });
      this.start(id);
    }
  }

  core(id: NodeId): RaftCore {
    return this.cores.get(id)!;
  }

  setAutoPersist(on: boolean): void {
    this.autoPersist = on;
  }

  /** (Re)creates the node from what its disk holds; its applied index restarts at the log's start. */
  start(id: NodeId, seedOffset = 0): void {
    const disk = this.disks.get(id)!;
    const index = this.allIds.indexOf(id);
    const core = new RaftCore(
      {
        id,
        voters: this.options.joiners?.includes(id) === true ? [] : this.options.ids,
        electionTicksMin: this.options.electionTicksMin ?? 10,
        electionTicksMax: this.options.electionTicksMax ?? 20,
        heartbeatTicks: this.options.heartbeatTicks ?? 2,
        entriesPerAppendMax: this.options.entriesPerAppendMax ?? 64,
        appendBytesMax: 1 << 20,
        inflightAppendsMax: 4,
        snapshotTrailingEntries: this.options.snapshotTrailingEntries ?? 0,
        random: seededRandom((this.options.seed ?? 1) * 100 + index + seedOffset),
        leaseReads: this.options.leaseReads ?? false,
        leaseMs: (this.options.electionTicksMin ?? 10) * TICK_MS,
        preVote: this.options.preVote ?? false,
        ...(this.options.termJumpMax !== undefined && { termJumpMax: this.options.termJumpMax }),
        ...(this.options.learnerCatchUpEntriesMax !== undefined && { learnerCatchUpEntriesMax: this.options.learnerCatchUpEntriesMax }),
      },
      { hardState: disk.hardState, logStart: disk.logStart, entries: [...disk.entries], appliedIndex: disk.logStart.index },
    );
    this.cores.set(id, core);
    this.applied.set(id, []);
    this.readsReady.set(id, []);
    this.refused.set(id, []);
    this.accepted.set(id, []);
    this.leaderTransfers.set(id, []);
    this.membershipChanges.set(id, []);
    this.pendingPersists.set(id, []);
    this.network = this.network.filter((m) => m.from !== id);
  }

  /** A crash: unsynced writes are lost, in-flight messages from it vanish. */
  restart(id: NodeId): void {
    this.start(id, 1000);
  }

  /** Steps a node with one input, then flushes it and carries out the Ready. */
  step(id: NodeId, input: Parameters<RaftCore['step']>[0]): void {
    const core = this.core(id);
    // Each node's clock advances a tick's length per tick, plus whatever pause() adds.
    if (input.type === 'tick') this.clockMs.set(id, (this.clockMs.get(id) ?? 0) + TICK_MS);
    core.step(input.type === 'tick' || input.type === 'read' ? { nowMs: this.clockMs.get(id) ?? 0, ...input } : input);
    core.step({ type: 'flush' });
    this.carryOut(id, core.takeReady());
  }

  tick(id: NodeId, times = 1): void {
    for (let i = 0; i < times; i++) this.step(id, { type: 'tick' });
  }

  /** Ticks every node once. */
  tickAll(): void {
    for (const id of this.allIds) this.tick(id);
  }

  propose(id: NodeId, ...commands: string[]): void {
    const proposals = commands.map((c, i) => ({ id: 1000 + i, data: new TextEncoder().encode(c) }));
    this.step(id, { type: 'propose', proposals });
  }

  /** Completes the oldest waiting persist of a node (autoPersist false). */
  completePersist(id: NodeId): void {
    const request = this.pendingPersists.get(id)!.shift();
    if (!request) throw new Error(`no persist pending on ${id}`);
    this.writeDisk(id, request);
    this.step(id, { type: 'persisted', seq: request.seq });
  }

  /** The node's process is stopped for ms: its clock runs on, but it fires no ticks. */
  pause(id: NodeId, ms: number): void {
    this.clockMs.set(id, (this.clockMs.get(id) ?? 0) + ms);
  }

  block(a: NodeId, b: NodeId): void {
    this.blocked.add(`${a}>${b}`).add(`${b}>${a}`);
  }

  /** Cuts node off from every other node, both ways. */
  isolate(id: NodeId): void {
    for (const other of this.allIds) if (other !== id) this.block(id, other);
  }

  heal(): void {
    this.blocked.clear();
  }

  /** Delivers queued messages (and the ones they cause) until none is left or `limit` is hit. */
  deliverAll(limit = 10_000): number {
    let delivered = 0;
    while (this.network.length > 0 && delivered < limit) {
      const message = this.network.shift()!;
      if (this.blocked.has(`${message.from}>${message.to}`)) continue;
      this.step(message.to, { type: 'message', message });
      delivered++;
    }
    return delivered;
  }

  /** Delivers only the queued messages matching keep; drops nothing else. */
  deliverWhere(keep: (m: Message) => boolean): void {
    const now = this.network.filter(keep);
    this.network = this.network.filter((m) => !keep(m));
    for (const message of now) {
      if (!this.blocked.has(`${message.from}>${message.to}`)) this.step(message.to, { type: 'message', message });
    }
  }

  dropWhere(drop: (m: Message) => boolean): void {
    this.network = this.network.filter((m) => !drop(m));
  }

  /** Ticks the cluster (delivering messages after each round) until there is exactly one leader. */
  electLeader(maxRounds = 200): NodeId {
    for (let round = 0; round < maxRounds; round++) {
      this.tickAll();
      this.deliverAll();
      const leaders = this.leaders();
      if (leaders.length === 1) return leaders[0]!;
    }
    throw new Error('no leader elected');
  }

  leaders(): NodeId[] {
    return this.allIds.filter((id) => this.core(id).view().role === 'leader');
  }

  /** [index, term] of every entry the node holds (after its log's start). */
  logOf(id: NodeId): Array<[number, number]> {
    const core = this.core(id);
    const out: Array<[number, number]> = [];
    for (let i = core.view().firstIndex; i <= core.view().lastIndex; i++) out.push([i, core.entry(i)!.term]);
    return out;
  }

  /** Drops a node's durable entries up to index, as compaction into a snapshot does (takes effect at restart). */
  compactDisk(id: NodeId, index: number): void {
    const disk = this.disks.get(id)!;
    const cut = index - disk.logStart.index;
    disk.logStart = { index, term: disk.entries[cut - 1]!.term };
    disk.entries = disk.entries.slice(cut);
  }

  private carryOut(id: NodeId, ready: Ready): void {
    if (ready.persist) {
      if (this.autoPersist) {
        this.writeDisk(id, ready.persist);
        this.step(id, { type: 'persisted', seq: ready.persist.seq });
      } else {
        this.pendingPersists.get(id)!.push(ready.persist);
      }
    }
    this.network.push(...ready.messages);
    this.applied.get(id)!.push(...ready.committed);
    this.readsReady.get(id)!.push(...ready.readsReady);
    this.refused.get(id)!.push(...ready.refused);
    this.accepted.get(id)!.push(...ready.accepted);
    this.leaderTransfers.get(id)!.push(...ready.leaderTransfers);
    this.membershipChanges.get(id)!.push(...ready.membershipChanges);
  }

  private writeDisk(id: NodeId, request: NonNullable<Ready['persist']>): void {
    const disk = this.disks.get(id)!;
    const offset = disk.logStart.index + 1;
    if (request.truncateFrom !== undefined) disk.entries.length = Math.min(disk.entries.length, request.truncateFrom - offset);
    for (const entry of request.entries) disk.entries[entry.index - offset] = entry;
    if (request.compact && request.compact.index > disk.logStart.index) {
      disk.entries = disk.entries.slice(Math.min(disk.entries.length, request.compact.index - disk.logStart.index));
      disk.logStart = request.compact;
    }
    if (request.hardState) disk.hardState = request.hardState;
  }
}
