/**
 * The steps of the membership and rolling-restart nemeses, against the real cluster
 * over the client protocol (CLUSTER MEMBER ...): remove a voter (when it leads, it
 * hands leadership over and answers TRYAGAIN; the retry reaches the new leader), start
 * a fresh node with an empty data directory and `join: true`, add it as a learner,
 * wait until it has caught up, promote it; and restart a node with SIGTERM.
 *
 * Every change is retried until a deadline while the refusal is a passing one (no
 * leader, a change or transfer in progress, a learner still behind). A request whose
 * outcome is unknown (no answer) is retried too, and the refusal its retry may earn
 * (MEMBER_EXISTS, NOT_A_LEARNER, UNKNOWN_MEMBER) is then judged by the leader's
 * member list. Steps report what happened as notes; a step that cannot finish throws
 * MEMBERSHIP_FAILED, which the nemesis records as a problem of the run.
 */
import { RespConnection } from '../client/connection.js';
import type { Reply } from '../client/reply.js';
import { parseMembers } from '../cli/member.js';
import type { ChaosCluster } from './cluster.js';
import { ChaosError } from './errors.js';
import type { NetFaults } from './net-faults.js';
import { clientAddress, peerAddress, writeJoinConfig, type NodePlanner } from './plan.js';
import { sleep } from './wait.js';

/** One change (remove, add, promote), retries included. */
const CHANGE_DEADLINE_MS = 30_000;
/** A fresh node or a restarted one catching up with the leader. */
const CATCH_UP_DEADLINE_MS = 60_000;
const REQUEST_TIMEOUT_MS = 5_000;
const RETRY_PAUSE_MS = 100;

/** Refusals that pass: retried until the deadline. */
const PASSING = ['MOVED', 'TRYAGAIN', 'CHANGE_IN_PROGRESS', 'TRANSFER_IN_PROGRESS', 'LEARNER_BEHIND', 'WOULD_LOSE_QUORUM', 'BUSY', 'TIMEOUT'];

export interface MemberRow {
  readonly id: string;
  readonly role: string;
  readonly peer: string;
  readonly client: string;
  readonly leader: boolean;
}

/** What the nemesis needs from the membership steps (a fake in unit tests). */
export interface Reconfigurer {
  /** Removes voter `id` from the configuration and stops its process. */
  remove(id: string): Promise<string[]>;
  /** Starts a fresh node, adds it as a learner, waits for it to catch up, promotes it; returns its id. */
  addFresh(): Promise<{ id: string; notes: string[] }>;
  /** SIGTERM and restart of `id`, then waits until it has caught up with the leader. */
  restart(id: string): Promise<string[]>;
}

export interface JoinSettings {
  readonly clusterId: string;
  readonly timing: unknown;
}

export class MembershipDriver implements Reconfigurer {
  constructor(
    private readonly cluster: ChaosCluster,
    private readonly planner: NodePlanner,
    private readonly net: NetFaults,
    private readonly settings: JoinSettings,
  ) {}

  async remove(id: string): Promise<string[]> {
    const notes: string[] = [];
    const handovers = await this.change(['REMOVE', id], async (code) => {
      // A retry after an unknown outcome: gone from the list means done.
      if (code !== 'UNKNOWN_MEMBER' && code !== 'REMOVED_MEMBER') return false;
      return !(await this.members()).some((m) => m.id === id);
    });
    if (handovers > 0) notes.push(`${id} led: it handed over (${handovers} TRYAGAIN) and the new leader removed it`);
    this.cluster.retire(id);
    const { forced } = await this.cluster.node(id).stop();
    if (forced) throw new ChaosError('MEMBERSHIP_FAILED', `removed ${id} did not exit within the grace period after SIGTERM`);
    notes.push(`removed ${id}, stopped`);
    return notes;
  }

  async addFresh(): Promise<{ id: string; notes: string[] }> {
    const plan = await this.planner.next();
    writeJoinConfig(plan, this.settings);
    this.net.addNode(plan.id, plan.host);
    const node = this.cluster.addJoining(plan);
    node.start();
    const notes = [`started ${plan.id} (join, empty data directory) at peer ${peerAddress(plan)} client ${clientAddress(plan)}`];
    await this.change(['ADD-LEARNER', plan.id, peerAddress(plan), clientAddress(plan)], async (code) => {
      if (code !== 'MEMBER_EXISTS') return false;
      return (await this.members()).some((m) => m.id === plan.id && m.peer === peerAddress(plan));
    });
    this.cluster.admit(plan.id);
    const started = performance.now();
    await this.waitCaughtUp(plan.id);
    notes.push(`learner ${plan.id} caught up in ${Math.round(performance.now() - started)} ms`);
    await this.change(['PROMOTE', plan.id], async (code) => {
      if (code !== 'NOT_A_LEARNER') return false;
      return (await this.members()).some((m) => m.id === plan.id && m.role === 'voter');
    });
    notes.push(`promoted ${plan.id}`);
    return { id: plan.id, notes };
  }

  async restart(id: string): Promise<string[]> {
    const node = this.cluster.node(id);
    const wasLeader = (await this.cluster.leader()) === id;
    const { forced } = await node.stop();
    if (forced) throw new ChaosError('MEMBERSHIP_FAILED', `${id} did not exit within the grace period after SIGTERM`);
    node.start();
    const started = performance.now();
    await this.waitCaughtUp(id);
    return [`${id}${wasLeader ? ' (leader)' : ''} restarted, caught up in ${Math.round(performance.now() - started)} ms`];
  }

  /** The leader's member list (asked of the leader, whose configuration is the newest). */
  async members(): Promise<MemberRow[]> {
    const reply = await this.ask(['CLUSTER', 'MEMBER', 'LIST']);
    if (reply.type === 'error') throw new ChaosError('MEMBERSHIP_FAILED', `CLUSTER MEMBER LIST answered ${reply.message}`);
    return parseMembers(reply);
  }

  /** Until a leader exists and `id` has applied what that leader had committed. */
  private async waitCaughtUp(id: string): Promise<void> {
    const deadline = performance.now() + CATCH_UP_DEADLINE_MS;
    let leader = await this.cluster.leaderCommit();
    while (leader === null) {
      if (performance.now() > deadline) throw new ChaosError('MEMBERSHIP_FAILED', `no leader for ${CATCH_UP_DEADLINE_MS} ms while ${id} caught up`);
      await sleep(RETRY_PAUSE_MS);
      leader = await this.cluster.leaderCommit();
    }
    try {
      await this.cluster.waitApplied(id, leader.commit, Math.max(1, deadline - performance.now()));
    } catch (error) {
      throw new ChaosError('MEMBERSHIP_FAILED', `${id} did not catch up: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /**
   * Sends CLUSTER MEMBER <args> to the leader until +OK; passing refusals and unknown
   * outcomes are retried; `settled(code)` says whether a final refusal means the change
   * is already in force (a retry of a change that took effect). Returns how many
   * TRYAGAIN answers (leader hand-overs) it met.
   */
  private async change(args: readonly string[], settled: (code: string) => Promise<boolean>): Promise<number> {
    const deadline = performance.now() + CHANGE_DEADLINE_MS;
    let tryagain = 0;
    let last = '';
    while (performance.now() < deadline) {
      let reply: Reply | null = null;
      try {
        reply = await this.ask(['CLUSTER', 'MEMBER', ...args]);
      } catch (error) {
        last = error instanceof Error ? error.message : String(error);
      }
      if (reply !== null && reply.type !== 'error') return tryagain;
      if (reply !== null && reply.type === 'error') {
        last = reply.message;
        const code = reply.message.split(' ')[0] ?? '';
        if (code === 'TRYAGAIN') tryagain++;
        // A change lost to a leadership change (older nodes say ERR write lost) was not applied: retry it.
        if (!PASSING.includes(code) && !reply.message.startsWith('ERR write lost')) {
          if (await settled(code)) return tryagain;
          throw new ChaosError('MEMBERSHIP_FAILED', `CLUSTER MEMBER ${args.join(' ')} refused: ${reply.message}`);
        }
      }
      await sleep(RETRY_PAUSE_MS);
    }
    throw new ChaosError('MEMBERSHIP_FAILED', `CLUSTER MEMBER ${args.join(' ')} not done in ${CHANGE_DEADLINE_MS} ms (last: ${last})`);
  }

  /** One request to the node that says it leads (any member when none does); no retry. */
  private async ask(args: readonly string[]): Promise<Reply> {
    const leader = await this.cluster.leader();
    const address = leader !== null ? clientAddress(this.cluster.node(leader).plan) : this.cluster.addresses()[0];
    if (address === undefined) throw new ChaosError('MEMBERSHIP_FAILED', 'the cluster has no members');
    const connection = await RespConnection.connect(address, { connectTimeoutMs: REQUEST_TIMEOUT_MS, requestTimeoutMs: REQUEST_TIMEOUT_MS });
    try {
      return await connection.send([...args], { timeoutMs: REQUEST_TIMEOUT_MS });
    } finally {
      connection.destroy();
    }
  }
}
