/**
 * Carries out a schedule (schedule.ts) against the real cluster: at each fault's
 * start it picks the target (the leader preferred for kills, pauses and isolation),
 * injects, waits out the duration, heals. One fault at a time, so each heal is exact.
 */
import type { ChaosCluster } from './cluster.js';
import type { NetFaults } from './net-faults.js';
import { bridge, halves, isolate, oneWay, type Partition } from './partitions.js';
import type { Rng } from './rng.js';
import type { FaultKind, ScheduledFault } from './schedule.js';
import { sleep } from './wait.js';

/** Chance that a kill, pause, isolation or one-way cut goes to the current leader. */
const LEADER_PREFERENCE = 0.75;

export interface FaultRecord {
  readonly kind: FaultKind;
  /** The node hit, or the partition's shape ("n1 n2 | n3"). */
  readonly target: string;
  /** Whether the target was the leader at injection time (kill, pause, isolate, one-way). */
  readonly wasLeader: boolean;
  /** Milliseconds since the run started. */
  readonly startedMs: number;
  healedMs: number | null;
}

type Heal = () => Promise<void>;

export class Nemesis {
  readonly log: FaultRecord[] = [];

  constructor(
    private readonly cluster: ChaosCluster,
    private readonly net: NetFaults,
    private readonly rng: Rng,
    private readonly now: () => number,
    private readonly note: (line: string) => void = () => {},
  ) {}

  /** Runs `schedule` (times relative to now() = 0) until done or aborted; always heals what it injected. */
  async run(schedule: readonly ScheduledFault[], signal: AbortSignal): Promise<void> {
    for (const fault of schedule) {
      await sleep(fault.startMs - this.now(), signal);
      if (signal.aborted) return;
      const { record, heal } = await this.inject(fault.kind);
      this.log.push(record);
      this.note(`${record.startedMs.toFixed(0).padStart(7)} ms  ${record.kind.padEnd(14)} ${record.target}`);
      try {
        await sleep(fault.startMs + fault.durationMs - this.now(), signal);
      } finally {
        await heal();
        record.healedMs = this.now();
      }
    }
  }

  private async inject(kind: FaultKind): Promise<{ record: FaultRecord; heal: Heal }> {
    const startedMs = this.now();
    const { target, wasLeader } =
      kind === 'halves' || kind === 'bridge' ? { target: '', wasLeader: false }
      : kind === 'down-compact' ? await this.pickFollower()
      : await this.pickTarget();
    switch (kind) {
      case 'kill': {
        await this.cluster.node(target).kill();
        return { record: { kind, target, wasLeader, startedMs, healedMs: null }, heal: async () => this.cluster.node(target).start() };
      }
      case 'down-compact': {
        // A follower, so the cluster keeps taking writes and compacting while it is away.
        await this.cluster.node(target).kill();
        return { record: { kind, target, wasLeader, startedMs, healedMs: null }, heal: async () => this.cluster.node(target).start() };
      }
      case 'pause': {
        this.cluster.node(target).pause();
        return { record: { kind, target, wasLeader, startedMs, healedMs: null }, heal: async () => this.cluster.node(target).resume() };
      }
      case 'halves':
        return this.partition(kind, halves(this.cluster.ids, this.rng), false, startedMs);
      case 'isolate-leader':
        return this.partition(kind, isolate(this.cluster.ids, target), wasLeader, startedMs);
      case 'bridge':
        return this.partition(kind, bridge(this.cluster.ids, this.rng), false, startedMs);
      case 'one-way':
        return this.partition(kind, oneWay(this.cluster.ids, target, this.rng), wasLeader, startedMs);
    }
  }

  private async partition(kind: FaultKind, partition: Partition, wasLeader: boolean, startedMs: number): Promise<{ record: FaultRecord; heal: Heal }> {
    await this.net.apply(partition.cut);
    const record = { kind, target: partition.description, wasLeader, startedMs, healedMs: null };
    return { record, heal: () => this.net.apply([]) };
  }

  /** A running node that is not the leader (any running node when the leader is unknown). */
  private async pickFollower(): Promise<{ target: string; wasLeader: boolean }> {
    const leader = await this.cluster.leader();
    const running = this.cluster.ids.filter((id) => this.cluster.node(id).running && id !== leader);
    return { target: this.rng.pick(running.length > 0 ? running : this.cluster.ids.filter((id) => id !== leader)), wasLeader: false };
  }

  /** The leader (with LEADER_PREFERENCE, when one is known), else a random running node. */
  private async pickTarget(): Promise<{ target: string; wasLeader: boolean }> {
    const leader = await this.cluster.leader();
    if (leader !== null && this.rng.float() < LEADER_PREFERENCE) return { target: leader, wasLeader: true };
    const running = this.cluster.ids.filter((id) => this.cluster.node(id).running);
    const target = this.rng.pick(running.length > 0 ? running : this.cluster.ids);
    return { target, wasLeader: target === leader };
  }
}
