/**
 * Carries out a schedule (schedule.ts) against the real cluster: at each fault's
 * start it picks the target (the leader preferred for kills, pauses, isolation and
 * removal), injects, waits out the duration, heals. One fault at a time, so each heal
 * is exact. A procedure (a membership change, a rolling restart) may outlast its
 * planned duration; the faults after it then move later by the overrun, so the
 * healthy gaps between faults stay as planned.
 */
import type { ChaosCluster } from './cluster.js';
import type { Reconfigurer } from './membership.js';
import type { NetFaults } from './net-faults.js';
import { bridge, halves, isolate, oneWay, type Partition } from './partitions.js';
import type { Rng } from './rng.js';
import type { FaultKind, ScheduledFault } from './schedule.js';
import { sleep } from './wait.js';

/** Chance that a kill, pause, isolation or one-way cut goes to the current leader. */
const LEADER_PREFERENCE = 0.75;

export interface FaultRecord {
  readonly kind: FaultKind;
  /** The node hit, the partition's shape ("n1 n2 | n3"), a replacement ("n2 -> n4", set at heal) or a restart order. */
  target: string;
  /** Whether the target was the leader at injection time (kill, pause, isolate, one-way). */
  readonly wasLeader: boolean;
  /** Milliseconds since the run started. */
  readonly startedMs: number;
  healedMs: number | null;
  /** What a procedure did (membership, rolling): removed and added ids, hand-overs, catch-up times. */
  readonly notes: string[];
  /** Steps that could not be completed (a deadline passed, a node would not stop): the run fails. */
  readonly problems: string[];
}

type Heal = () => Promise<void>;

export class Nemesis {
  readonly log: FaultRecord[] = [];
  /** The schedule run() was given, for the report. */
  planned: readonly ScheduledFault[] = [];

  constructor(
    private readonly cluster: ChaosCluster,
    private readonly net: NetFaults,
    private readonly rng: Rng,
    private readonly now: () => number,
    private readonly note: (line: string) => void = () => {},
    private readonly members: Reconfigurer | null = null,
  ) {}

  /** Runs `schedule` (times relative to now() = 0) until done or aborted; always heals what it injected. */
  async run(schedule: readonly ScheduledFault[], signal: AbortSignal): Promise<void> {
    this.planned = schedule;
    let lateMs = 0;
    for (const fault of schedule) {
      await this.sleepUntil(fault.startMs + lateMs, signal);
      if (signal.aborted) return;
      const { record, heal } = await this.inject(fault.kind, signal);
      this.log.push(record);
      this.note(`${record.startedMs.toFixed(0).padStart(7)} ms  ${record.kind.padEnd(14)} ${record.target}`);
      try {
        await this.sleepUntil(record.startedMs + fault.durationMs, signal);
      } finally {
        await heal();
        record.healedMs = this.now();
        for (const line of [...record.notes, ...record.problems.map((p) => `PROBLEM: ${p}`)]) this.note(`${' '.repeat(28)}${line}`);
      }
      lateMs = Math.max(lateMs, record.healedMs - (fault.startMs + fault.durationMs));
    }
  }

  /**
   * Sleeps until now() reaches `ms`. A timer can fire a millisecond or so
   * before its time by performance.now() (libuv counts from a loop time read
   * earlier), which would shorten a planned gap; so it sleeps again for the rest.
   */
  private async sleepUntil(ms: number, signal: AbortSignal): Promise<void> {
    while (!signal.aborted && this.now() < ms) await sleep(Math.max(1, ms - this.now()), signal);
  }

  private async inject(kind: FaultKind, signal: AbortSignal): Promise<{ record: FaultRecord; heal: Heal }> {
    const startedMs = this.now();
    const { target, wasLeader } =
      kind === 'halves' || kind === 'bridge' || kind === 'rolling' ? { target: '', wasLeader: false }
      : kind === 'down-compact' ? await this.pickFollower()
      : await this.pickTarget();
    const record = (shown: string, leader: boolean): FaultRecord => ({ kind, target: shown, wasLeader: leader, startedMs, healedMs: null, notes: [], problems: [] });
    switch (kind) {
      case 'kill': {
        await this.cluster.node(target).kill();
        return { record: record(target, wasLeader), heal: async () => this.cluster.node(target).start() };
      }
      case 'down-compact': {
        // A follower, so the cluster keeps taking writes and compacting while it is away.
        await this.cluster.node(target).kill();
        return { record: record(target, wasLeader), heal: async () => this.cluster.node(target).start() };
      }
      case 'pause': {
        this.cluster.node(target).pause();
        return { record: record(target, wasLeader), heal: async () => this.cluster.node(target).resume() };
      }
      case 'halves':
        return this.partition(kind, halves(this.cluster.ids, this.rng), false, startedMs);
      case 'isolate-leader':
        return this.partition(kind, isolate(this.cluster.ids, target), wasLeader, startedMs);
      case 'bridge':
        return this.partition(kind, bridge(this.cluster.ids, this.rng), false, startedMs);
      case 'one-way':
        return this.partition(kind, oneWay(this.cluster.ids, target, this.rng), wasLeader, startedMs);
      case 'membership':
        return this.replace(record(target, wasLeader));
      case 'rolling':
        return this.roll(record, signal);
    }
  }

  /** Removes `target` now; at heal a fresh node takes its place (only if the removal went through). */
  private async replace(rec: FaultRecord): Promise<{ record: FaultRecord; heal: Heal }> {
    const members = this.reconfigurer();
    const removed = await this.attempt(rec, () => members.remove(rec.target));
    const heal = async (): Promise<void> => {
      if (removed === null) return;
      const added = await this.attempt(rec, () => members.addFresh());
      if (added !== null) {
        rec.notes.push(...added.notes);
        rec.target = `${rec.target} -> ${added.id}`;
      }
    };
    if (removed !== null) rec.notes.push(...removed);
    return { record: rec, heal };
  }

  /** Every member in a seeded order, one at a time; an abort stops the roll between two nodes. */
  private async roll(record: (shown: string, leader: boolean) => FaultRecord, signal: AbortSignal): Promise<{ record: FaultRecord; heal: Heal }> {
    const members = this.reconfigurer();
    const order = this.rng.shuffle(this.cluster.ids);
    const rec = record(order.join(' '), false);
    // The roll takes a while: say so now, not only once it is done.
    this.note(`${rec.startedMs.toFixed(0).padStart(7)} ms  rolling restart begins: ${rec.target}`);
    for (const id of order) {
      if (signal.aborted) {
        rec.notes.push(`aborted before ${id}`);
        break;
      }
      const notes = await this.attempt(rec, () => members.restart(id));
      if (notes === null) break;
      rec.notes.push(...notes);
    }
    return { record: rec, heal: async () => {} };
  }

  private reconfigurer(): Reconfigurer {
    if (this.members === null) throw new Error('the membership and rolling faults need a Reconfigurer');
    return this.members;
  }

  /** Runs a procedure step; a failure becomes a problem of the record (the run goes on, and fails). */
  private async attempt<T>(rec: FaultRecord, step: () => Promise<T>): Promise<T | null> {
    try {
      return await step();
    } catch (error) {
      rec.problems.push(error instanceof Error ? error.message : String(error));
      return null;
    }
  }

  private async partition(kind: FaultKind, partition: Partition, wasLeader: boolean, startedMs: number): Promise<{ record: FaultRecord; heal: Heal }> {
    await this.net.apply(partition.cut);
    const record = { kind, target: partition.description, wasLeader, startedMs, healedMs: null, notes: [], problems: [] };
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
