/**
 * The Raft protocol as a pure, deterministic state machine (Ongaro & Ousterhout,
 * "In Search of an Understandable Consensus Algorithm", and the dissertation).
 *
 * step(input) takes one input and records what must happen; takeReady() hands
 * those effects over (see ready.ts for their order). No I/O, no clock, no
 * global randomness, no promises: time arrives as ticks and randomness through
 * the injected RandomSource, so a node's behaviour is a function of its inputs.
 *
 * Roles are swapped handlers, as in etcd-io/raft: becomeFollower/Candidate/
 * Leader set `stepRole` and `tickRole`.
 */
import { assert, assertNever } from '../util/assert.js';
import { LOG_ORIGIN, RaftLog } from './log.js';
import { LEARNER_CATCH_UP_ENTRIES, validateRaftOptions, type RaftOptions } from './options.js';
import { messageRelationProblem, TERM_JUMP_MAX, TERM_MAX } from './message-checks.js';
import { mergePersists } from './persist-merge.js';
import { PersistTracker } from './persist-tracker.js';
import type { Progress } from './progress.js';
import { randomInt } from './random.js';
import { ProgressTracker } from './tracker.js';
import { decodeConfig, encodeConfig, memberOf, votersOnlyConfig, type ClusterConfig } from './membership/config.js';
import { applyChange, type MembershipChange, type MembershipRefusal } from './membership/change.js';
import { ConfigHistory } from './membership/history.js';
import { ReadIndexTracker } from './read-index.js';
import { SnapshotTransfers } from './snapshot-transfer.js';
import type { CoreWarning, LeaderTransferOutcome, LeaderTransferRefusal, MembershipOutcome, PersistRequest, Proposal, RaftInput, Ready, Role } from './ready.js';
import {
  COMPACTED,
  ENTRY_COMMAND,
  ENTRY_CONFIG,
  ENTRY_NOOP,
  type AppendEntries,
  type Entry,
  type HardState,
  type Heartbeat,
  type LogIndex,
  type LogPoint,
  type Message,
  type NodeId,
  type PreVote,
  type RequestVote,
  type Term,
} from './types.js';

/** What a node reads from its storage when it starts. */
export interface RestoredState {
  readonly hardState: HardState;
  /** The last entry compacted away; absent: nothing was (older traces). */
  readonly logStart?: LogPoint;
  /** The retained log, from logStart.index + 1. */
  readonly entries: readonly Entry[];
  /** The state machine's applied index: those entries are known committed. */
  readonly appliedIndex: LogIndex;
  /**
   * The configuration the state machine recorded at appliedIndex (from a
   * configuration entry it applied or a snapshot). Absent: none recorded, so
   * the cluster is bootstrapped from RaftOptions.voters; null: none known (a
   * node joining an existing cluster).
   */
  readonly config?: ClusterConfig | null;
}

/** A read-only view of the core, for status reports and the simulator's invariant checks. */
export interface CoreView {
  readonly id: NodeId;
  readonly role: Role;
  readonly term: Term;
  readonly vote: NodeId | null;
  readonly leader: NodeId | null;
  readonly commitIndex: LogIndex;
  /** The first index the log holds (entries before it were compacted). */
  readonly firstIndex: LogIndex;
  readonly lastIndex: LogIndex;
  readonly stableIndex: LogIndex;
  /** The latest configuration in the log, committed or not; null: none known yet. */
  readonly config: ClusterConfig | null;
}

/**
 * Lease reads assume clocks on different nodes advance at rates within this
 * fraction of each other; the lease is shortened by as much.
 */
export const LEASE_DRIFT_FRACTION = 0.2;

/** The id of a leadership transfer the core starts by itself (a leader leaving the cluster); no client waits for it. */
const UNATTENDED_TRANSFER = 0;

/** A leadership transfer under way (dissertation 3.10): the leader takes no proposals meanwhile. */
interface PendingLeaderTransfer {
  readonly id: number;
  readonly target: NodeId;
  /** Ticks since it began; it is given up after electionTicksMin. */
  elapsed: number;
  timeoutNowSent: boolean;
}

export class RaftCore {
  readonly id: NodeId;
  private term: Term;
  private vote: NodeId | null;
  private role: Role = 'follower';
  private leader: NodeId | null = null;
  private readonly log: RaftLog;
  private readonly persistence: PersistTracker;
  private commitIndex: LogIndex;
  /** Highest index handed out in Ready.committed. */
  private appliedSent: LogIndex;

  private electionElapsed = 0;
  private heartbeatElapsed = 0;
  private electionTimeout = 0;
  /** The timeout was shortened by leaderMayBeGone, not drawn at random. */
  private electionTimerCutShort = false;
  /** Who counts: configuration, follower progress, votes, check-quorum. */
  private readonly tracker: ProgressTracker;
  /** Every configuration entry of the retained log: the latest is the one in force. */
  private configs: ConfigHistory;
  /** Set when the configuration in force changed since the last Ready (and for the first Ready: what it is at start). */
  private configChanged = true;
  /** How many committed removals the last Ready announced. */
  private removedAnnounced = 0;
  /** Leader: the index of the latest configuration entry; a change waits until it is committed. */
  private pendingConfigIndex: LogIndex = 0;
  private reads: ReadIndexTracker;
  private readonly snapshots: SnapshotTransfers;
  /** First index of the current leader term (its no-op). */
  private termStartIndex: LogIndex = 0;
  /**
   * Lease reads only: the latest monotonic clock reading the actor passed in
   * (with ticks and reads), null before the first. Ticks cannot measure a
   * lease: a paused process fires none, yet its lease runs out all the same.
   */
  private nowMs: number | null = null;
  /** Lease reads: the measured time each heartbeat round went out, and the time the lease runs to. */
  private readonly roundSentAt = new Map<number, number>();
  private leaseUntilMs = 0;
  private leaderTransfer: PendingLeaderTransfer | null = null;

  private stepRole: (message: Message) => void = (m) => this.stepFollower(m);
  private tickRole: () => void = () => this.tickElection();

  // Effects accumulated for the next Ready.
  private outbox: Message[] = [];
  private persists: PersistRequest[] = [];
  private accepted: Array<{ id: number; index: LogIndex; term: Term }> = [];
  private refused: Array<{ id: number; kind: 'proposal' | 'read'; leader: NodeId | null }> = [];
  private readsReady: Array<{ id: number; index: LogIndex }> = [];
  private warnings: CoreWarning[] = [];
  private leaderTransfers: LeaderTransferOutcome[] = [];
  private membershipChanges: MembershipOutcome[] = [];

  constructor(
    private readonly options: RaftOptions,
    restored: RestoredState,
  ) {
    validateRaftOptions(options);
    this.id = options.id;
    this.term = restored.hardState.term;
    this.vote = restored.hardState.vote;
    this.log = new RaftLog(restored.logStart ?? LOG_ORIGIN, restored.entries);
    assert(restored.appliedIndex <= this.log.lastIndex(), 'applied index beyond the log');
    assert(restored.appliedIndex >= this.log.start().index, 'entries compacted before they were applied');
    this.persistence = new PersistTracker(this.log.lastIndex());
    this.commitIndex = restored.appliedIndex;
    this.appliedSent = restored.appliedIndex;
    const base = restored.config !== undefined ? restored.config : options.voters.length > 0 ? votersOnlyConfig(options.voters) : null;
    this.configs = this.configsFromLog(this.log.start().index, base);
    this.tracker = new ProgressTracker(this.id, this.configs.latest());
    this.reads = new ReadIndexTracker(() => this.tracker.voters());
    this.snapshots = new SnapshotTransfers({
      id: this.id,
      term: () => this.term,
      commitIndex: () => this.commitIndex,
      log: this.log,
      persistence: this.persistence,
      send: (message) => this.outbox.push(message),
      sendDurable: (message) => this.persistence.gate(message, this.log.lastIndex(), this.outbox),
      restarted: (index, logRestarted, config) => {
        this.commitIndex = Math.max(this.commitIndex, index);
        this.appliedSent = Math.max(this.appliedSent, index);
        if (logRestarted) this.useConfigs(this.configsFromLog(this.log.start().index, config ?? this.configs.at(index)));
      },
      matched: () => this.maybeCommit(),
    });
    this.resetElectionTimer();
  }

  step(input: RaftInput): void {
    switch (input.type) {
      case 'tick':
        this.observeTime(input.nowMs);
        this.tickRole();
        break;
      case 'message':
        this.stepMessage(input.message);
        break;
      case 'propose':
        this.propose(input.proposals);
        break;
      case 'read':
        this.observeTime(input.nowMs);
        this.read(input.id, input.nowMs !== undefined);
        break;
      case 'transferLeadership':
        this.startLeaderTransfer(input.id, input.target);
        break;
      case 'changeMembership':
        this.changeMembership(input.id, input.change);
        break;
      case 'peerDisconnected':
        this.leaderMayBeGone(input.peer);
        break;
      case 'persisted':
        this.outbox.push(...this.persistence.persisted(input.seq));
        if (this.role === 'leader') this.maybeCommit();
        break;
      case 'snapshotted':
        this.compactLog(input.index);
        break;
      case 'snapshotStaged':
        this.snapshots.staged(input.leader, input.term, input.transfer, input.next);
        break;
      case 'snapshotInstalled':
        this.snapshots.installed(input.leader, input.term, input.transfer, input.snapshot, input.config);
        break;
      case 'flush':
        this.flush();
        break;
      default:
        assertNever(input, 'raft input');
    }
  }

  /** Hands over every effect recorded since the last call. */
  takeReady(): Ready {
    const committedTo = Math.min(this.commitIndex, this.persistence.stableIndex());
    const committed = committedTo > this.appliedSent ? this.log.slice(this.appliedSent + 1, committedTo + 1) : [];
    this.appliedSent = Math.max(this.appliedSent, committedTo);
    const ready: Ready = {
      persist: this.persists.length === 0 ? null : this.persists.reduce(mergePersists),
      messages: this.outbox,
      committed,
      accepted: this.accepted,
      refused: this.refused,
      readsReady: this.readsReady,
      snapshots: this.snapshots.take(),
      warnings: this.warnings,
      leaderTransfers: this.leaderTransfers,
      membership: this.membershipNews(),
      membershipChanges: this.membershipChanges,
    };
    this.configChanged = false;
    this.membershipChanges = [];
    this.outbox = [];
    this.persists = [];
    this.accepted = [];
    this.refused = [];
    this.readsReady = [];
    this.warnings = [];
    this.leaderTransfers = [];
    return ready;
  }

  /** The configuration in force and the committed removals, when either changed since the last Ready. */
  private membershipNews(): Ready['membership'] {
    const removed = this.committedRemoved();
    if (!this.configChanged && removed.length === this.removedAnnounced) return null;
    this.removedAnnounced = removed.length;
    return { config: this.configs.latest(), removed };
  }

  /**
   * Ticks until the next one that could set something off here: a leader's
   * heartbeat or check-quorum, anyone else's election timeout. At least 1.
   * Between now and then a tick only counts, so the node's timer may sleep
   * until then and deliver the elapsed ticks at once (TimerActor). A leader's
   * rarer tick work (a transfer's timeout, a stalled append's resend) is then
   * noticed at its next heartbeat, at most heartbeatTicks late.
   */
  ticksUntilDue(): number {
    const due =
      this.role === 'leader'
        ? Math.min(this.options.heartbeatTicks - this.heartbeatElapsed, this.options.electionTicksMin - this.electionElapsed)
        : this.electionTimeout - this.electionElapsed;
    return Math.max(1, due);
  }

  view(): CoreView {
    return {
      id: this.id,
      role: this.role,
      term: this.term,
      vote: this.vote,
      leader: this.leader,
      commitIndex: this.commitIndex,
      firstIndex: this.log.firstIndex(),
      lastIndex: this.log.lastIndex(),
      stableIndex: this.persistence.stableIndex(),
      config: this.configs.latest(),
    };
  }

  /** The configuration in force at index, for an index the log still holds (or its start). */
  configAt(index: LogIndex): ClusterConfig | null {
    return this.configs.at(index);
  }

  /** The entry at index as this node holds it (durable or not). */
  entry(index: LogIndex): Entry | undefined {
    return this.log.entry(index);
  }

  /** Per-follower match index, when leader (for status reports). */
  matchIndexes(): Record<NodeId, LogIndex> {
    const result: Record<NodeId, LogIndex> = {};
    for (const [peer, progress] of this.tracker.followers()) result[peer] = progress.match;
    return result;
  }

  // ---------------------------------------------------------------- roles

  private becomeFollower(term: Term, leader: NodeId | null): void {
    const wasLeader = this.role === 'leader';
    this.setTerm(term);
    if (this.leaderTransfer !== null) this.endLeaderTransfer({ id: this.leaderTransfer.id, outcome: 'transferred', target: this.leaderTransfer.target });
    this.role = 'follower';
    this.leader = leader;
    this.stepRole = (m) => this.stepFollower(m);
    this.tickRole = () => this.tickElection();
    this.resetElectionTimer();
    if (wasLeader) this.abdicate();
  }

  /** Dissertation 9.6: poll the voters without touching term or vote. */
  private becomePreCandidate(): void {
    this.startPolling('precandidate');
  }

  private becomeCandidate(): void {
    assert(this.role !== 'leader', 'a leader cannot become a candidate');
    this.setTerm(this.term + 1);
    this.vote = this.id;
    this.persistence.markHardStateDirty();
    this.startPolling('candidate');
  }

  /** What a precandidate and a candidate share: no leader, a fresh timeout, and our own vote counted. */
  private startPolling(role: 'precandidate' | 'candidate'): void {
    assert(this.role !== 'leader', `a leader cannot become a ${role}`);
    this.role = role;
    this.leader = null;
    this.stepRole = (m) => this.stepCandidate(m);
    this.tickRole = () => this.tickElection();
    this.resetElectionTimer();
    this.tracker.resetVotes();
    this.tracker.recordVote(this.id, true);
  }

  private becomeLeader(): void {
    assert(this.role === 'candidate', `only a candidate becomes leader, not a ${this.role}`);
    this.role = 'leader';
    this.leader = this.id;
    this.stepRole = (m) => this.stepLeader(m);
    this.tickRole = () => this.tickHeartbeat();
    this.heartbeatElapsed = 0;
    this.electionElapsed = 0;
    this.tracker.startLeading(this.log.lastIndex() + 1, this.options.inflightAppendsMax);
    this.reads = new ReadIndexTracker(() => this.tracker.voters());
    // A configuration entry of an earlier term may still be uncommitted: no change until it is.
    this.pendingConfigIndex = this.configs.latestIndex();
    this.roundSentAt.clear();
    this.leaseUntilMs = 0;
    // Section 5.4.2 / 8: a no-op of the new term lets the leader commit, and so
    // learn the commit index, without waiting for a client write.
    this.termStartIndex = this.log.lastIndex() + 1;
    this.log.append([{ index: this.termStartIndex, term: this.term, type: ENTRY_NOOP, data: new Uint8Array(0) }]);
    this.maybeCommit();
  }

  /** Leadership lost: reads waiting for confirmation can no longer be served here. */
  private abdicate(): void {
    for (const id of this.reads.drain()) this.refused.push({ id, kind: 'read', leader: this.leader });
    this.snapshots.abandon(this.tracker.stopLeading());
  }

  private setTerm(term: Term): void {
    assert(term >= this.term, `term going back from ${this.term} to ${term}`);
    if (term === this.term) return;
    this.term = term;
    this.vote = null;
    this.persistence.markHardStateDirty();
  }

  private resetElectionTimer(): void {
    this.electionTimerCutShort = false;
    this.electionElapsed = 0;
    this.electionTimeout = randomInt(this.options.random, this.options.electionTicksMin, this.options.electionTicksMax);
  }

  // ---------------------------------------------------------------- ticks

  private tickElection(): void {
    this.electionElapsed++;
    if (this.electionElapsed >= this.electionTimeout) {
      // Learners, removed members and nodes still joining never campaign.
      if (!this.tracker.isVoter(this.id)) {
        this.resetElectionTimer();
        return;
      }
      if (this.options.preVote === false) this.campaign(false);
      else this.preCampaign();
    }
  }

  /**
   * Our leader's connection closed, as it does at once when its process
   * crashes: rather than wait out an election timeout from its last
   * heartbeat, forget it and campaign soon. Every follower hears the news at
   * the same moment, so a random delay would often make two of them stand at
   * once and split the vote; instead the voters take turns a heartbeat apart,
   * in id order (the first waits one tick). Only liveness rides on the hint:
   * the campaign starts with a pre-vote that a node still hearing from the
   * leader refuses, and a heartbeat arriving meanwhile restores the leader
   * and the full timeout. Not under lease reads, whose safety needs every
   * follower to wait out the lease.
   */
  private leaderMayBeGone(peer: NodeId): void {
    if (this.role !== 'follower' || this.leader !== peer || this.options.leaseReads === true) return;
    const turn = this.tracker.voters().filter((id) => id !== peer).sort().indexOf(this.id);
    if (turn < 0) return; // not a voter: it never campaigns
    this.leader = null;
    this.electionElapsed = 0;
    this.electionTimeout = 1 + turn * this.options.heartbeatTicks;
    this.electionTimerCutShort = true;
  }

  private tickHeartbeat(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.electionElapsed >= this.options.electionTicksMin) {
      this.electionElapsed = 0;
      if (!this.checkQuorum()) {
        this.becomeFollower(this.term, null);
        return;
      }
    }
    this.retryStalledAppends();
    this.tickLeaderTransfer();
    if (this.heartbeatElapsed >= this.options.heartbeatTicks) {
      this.heartbeatElapsed = 0;
      this.broadcastHeartbeat(this.options.leaseReads ? this.startLeaseRound() : this.reads.currentRound());
    }
  }

  /**
   * Check-quorum (dissertation 6.2): a leader that has not heard from a
   * majority for an election timeout steps down, so a partitioned leader stops
   * taking requests it can never commit.
   */
  private checkQuorum(): boolean {
    return this.tracker.quorumActive();
  }

  /**
   * Appends can be lost (a dropped connection empties its queue). An append
   * unanswered for electionTicksMin ticks is presumed lost: the follower drops
   * back to probe and is resent from its match index. The patience is long
   * enough that a follower merely slow to sync is not flooded with resends.
   */
  private retryStalledAppends(): void {
    const patience = this.options.electionTicksMin;
    for (const [peer, progress] of this.tracker.followers()) {
      // A follower not heard from is down, not losing appends: its next heartbeat reply resumes the probe.
      if (!progress.isWaiting() || !progress.recentActive) continue;
      if (++progress.ticksWithoutAppendReply > patience) {
        if (progress.state === 'snapshot') this.snapshots.stalled(peer, progress);
        else progress.becomeProbe();
        progress.ticksWithoutAppendReply = 0;
      }
    }
  }

  private preCampaign(): void {
    this.becomePreCandidate();
    if (this.tracker.voteResult() === 'won') {
      this.campaign(false);
      return;
    }
    for (const peer of this.tracker.voterPeers()) {
      const poll: PreVote = {
        type: 'PreVote',
        from: this.id,
        to: peer,
        term: this.term + 1,
        lastLogIndex: this.log.lastIndex(),
        lastLogTerm: this.log.lastTerm(),
      };
      // Nothing to make durable first: a pre-vote changes no state.
      this.outbox.push(poll);
    }
  }

  /** A real election; `leaderTransfer` when the leader asked for it (TimeoutNow). */
  private campaign(leaderTransfer: boolean): void {
    if (this.term >= TERM_MAX) {
      // A term past TERM_MAX would be refused by every peer: stay a follower.
      this.warnings.push({ reason: `not campaigning: term ${this.term} reached TERM_MAX` });
      this.resetElectionTimer();
      return;
    }
    this.becomeCandidate();
    if (this.tracker.voteResult() === 'won') {
      this.becomeLeader();
      return;
    }
    for (const peer of this.tracker.voterPeers()) {
      const request: RequestVote = {
        type: 'RequestVote',
        from: this.id,
        to: peer,
        term: this.term,
        lastLogIndex: this.log.lastIndex(),
        lastLogTerm: this.log.lastTerm(),
        leaderTransfer,
      };
      // The candidate's term and self-vote reach disk before anyone hears of them.
      this.persistence.gate(request, this.log.lastIndex(), this.outbox);
    }
  }

  // ---------------------------------------------------------------- messages

  private stepMessage(m: Message): void {
    assert(m.to === this.id, `message for ${m.to} delivered to ${this.id}`);
    // The transport checked these already; the core does not take it on trust.
    // Senders outside our configuration are heard: a member added by an entry we have not received
    // yet (a new leader among them) must be able to bring us up to date. Removed members are not.
    const problem = messageRelationProblem(m) ?? this.removedSenderProblem(m.from) ?? this.termJumpProblem(m.term);
    if (problem !== null) {
      this.refuseMessage(m, problem);
      return;
    }
    // A pre-vote carries the term its sender would campaign in, and a granted
    // answer echoes it: neither is news of a higher term.
    if (m.type === 'PreVote') {
      this.handlePreVote(m);
      return;
    }
    if (m.type === 'PreVoteResponse' && m.granted) {
      if (this.role === 'precandidate' && m.term === this.term + 1) this.tallyPreVote(m.from, true);
      return;
    }
    if (m.term > this.term) {
      // Dissertation 4.2.3: while a leader is known to be alive, a vote
      // request from a higher term is a disruption, not an election, unless
      // that leader asked for it (a leadership transfer).
      if (m.type === 'RequestVote' && !m.leaderTransfer && this.inLeaderLease()) return;
      const leader = m.type === 'AppendEntries' || m.type === 'Heartbeat' || m.type === 'InstallSnapshot' ? m.from : null;
      this.becomeFollower(m.term, leader);
    } else if (m.term < this.term) {
      this.answerStaleTerm(m);
      return;
    }
    this.stepRole(m);
  }

  /**
   * Only a committed removal counts: one still uncommitted may be overwritten,
   * and the member it named may lead again (it must then be heard, or this
   * node never learns that the removal is gone).
   */
  private removedSenderProblem(from: NodeId): string | null {
    return this.committedRemoved().includes(from) ? `sender ${from} was removed from the cluster` : null;
  }

  /** The ids a committed configuration removed (they only ever grow). */
  private committedRemoved(): readonly NodeId[] {
    return this.configs.at(this.commitIndex)?.removed ?? [];
  }

  /** See TERM_JUMP_MAX: one message lifts our term by a bounded step, termJumpMax (any step while we are at term 0). */
  private termJumpProblem(term: Term): string | null {
    const jumpMax = this.options.termJumpMax ?? TERM_JUMP_MAX;
    if (this.term === 0 || term <= this.term + jumpMax) return null;
    return `term jumps more than termJumpMax (${jumpMax}) above ours (${this.term})`;
  }

  private inLeaderLease(): boolean {
    return this.leader !== null && this.electionElapsed < this.options.electionTicksMin;
  }

  /** A message from an older term: tell its sender our term so it steps down; drop stale replies. */
  private answerStaleTerm(m: Message): void {
    const reply = { from: this.id, to: m.from, term: this.term };
    switch (m.type) {
      case 'AppendEntries':
        this.outbox.push({ ...reply, type: 'AppendEntriesResponse', success: false, matchIndex: 0, conflictIndex: 0, conflictTerm: 0, rejectedIndex: m.prevLogIndex });
        break;
      case 'Heartbeat':
        this.outbox.push({ ...reply, type: 'HeartbeatResponse', readRound: 0 });
        break;
      case 'RequestVote':
        this.outbox.push({ ...reply, type: 'RequestVoteResponse', granted: false });
        break;
      case 'InstallSnapshot':
        this.outbox.push({ ...reply, type: 'InstallSnapshotResponse', transfer: m.transfer, next: -1, installed: 0 });
        break;
      case 'PreVote':
      case 'PreVoteResponse':
      case 'TimeoutNow':
      case 'RequestVoteResponse':
      case 'AppendEntriesResponse':
      case 'HeartbeatResponse':
      case 'InstallSnapshotResponse':
        break;
      default:
        assertNever(m, 'message');
    }
  }

  private stepFollower(m: Message): void {
    switch (m.type) {
      case 'RequestVote':
        this.handleRequestVote(m);
        break;
      case 'AppendEntries':
        if (this.refuseSecondLeader(m)) break;
        this.followLeader(m.from);
        this.handleAppendEntries(m);
        break;
      case 'Heartbeat':
        if (this.refuseSecondLeader(m)) break;
        this.followLeader(m.from);
        this.handleHeartbeat(m);
        break;
      case 'InstallSnapshot':
        this.followLeader(m.from);
        this.snapshots.handleChunk(m);
        break;
      case 'TimeoutNow':
        // Our leader hands over: campaign now, without a pre-vote (it would be refused while that leader's lease holds).
        if (m.from === this.leader && this.tracker.isVoter(this.id)) this.campaign(true);
        break;
      case 'PreVote':
      case 'PreVoteResponse':
      case 'RequestVoteResponse':
      case 'AppendEntriesResponse':
      case 'HeartbeatResponse':
      case 'InstallSnapshotResponse':
        break; // replies to a role we no longer hold
      default:
        assertNever(m, 'message');
    }
  }

  private stepCandidate(m: Message): void {
    switch (m.type) {
      case 'RequestVote':
        this.handleRequestVote(m);
        break;
      case 'AppendEntries':
        // Someone won this term's election.
        this.becomeFollower(m.term, m.from);
        this.handleAppendEntries(m);
        break;
      case 'Heartbeat':
        this.becomeFollower(m.term, m.from);
        this.handleHeartbeat(m);
        break;
      case 'InstallSnapshot':
        this.becomeFollower(m.term, m.from);
        this.snapshots.handleChunk(m);
        break;
      case 'RequestVoteResponse':
        if (this.role !== 'candidate') break;
        this.tracker.recordVote(m.from, m.granted);
        this.tallyVotes();
        break;
      case 'PreVoteResponse':
        // Granted answers are counted in stepMessage; this is a refusal from our own term.
        if (this.role === 'precandidate') this.tallyPreVote(m.from, false);
        break;
      case 'PreVote':
      case 'TimeoutNow':
      case 'AppendEntriesResponse':
      case 'HeartbeatResponse':
      case 'InstallSnapshotResponse':
        break;
      default:
        assertNever(m, 'message');
    }
  }

  private stepLeader(m: Message): void {
    switch (m.type) {
      case 'RequestVote':
        this.handleRequestVote(m);
        break;
      case 'AppendEntries':
      case 'Heartbeat':
      case 'InstallSnapshot':
        // Only one leader per term, and it is us: whoever sent this lies.
        this.refuseMessage(m, `second leader claim in term ${this.term}, which this node leads`);
        break;
      case 'InstallSnapshotResponse':
        this.handleSnapshotResponse(m);
        break;
      case 'PreVote':
      case 'PreVoteResponse':
      case 'TimeoutNow':
      case 'RequestVoteResponse':
        break;
      case 'AppendEntriesResponse':
        this.handleAppendResponse(m);
        break;
      case 'HeartbeatResponse':
        this.handleHeartbeatResponse(m.from, m.readRound);
        break;
      default:
        assertNever(m, 'message');
    }
  }

  /** A follower that knows this term's leader refuses a claim by anyone else (there is one leader per term). */
  private refuseSecondLeader(m: Message): boolean {
    if (this.leader === null || this.leader === m.from) return false;
    this.refuseMessage(m, `second leader claim in term ${this.term}, led by ${this.leader}`);
    return true;
  }

  private refuseMessage(m: Message, reason: string): void {
    this.warnings.push({ reason, message: { type: m.type, from: m.from, term: m.term } });
  }

  private followLeader(leader: NodeId): void {
    this.leader = leader;
    this.electionElapsed = 0;
    // A disconnection hint had shortened the timeout (leaderMayBeGone); the leader is back.
    if (this.electionTimerCutShort) this.resetElectionTimer();
  }

  private tallyVotes(): void {
    const result = this.tracker.voteResult();
    if (result === 'won') this.becomeLeader();
    else if (result === 'lost') this.becomeFollower(this.term, null);
  }

  private tallyPreVote(from: NodeId, granted: boolean): void {
    this.tracker.recordVote(from, granted);
    const result = this.tracker.voteResult();
    if (result === 'won') this.campaign(false);
    else if (result === 'lost') this.becomeFollower(this.term, null);
  }

  /**
   * Dissertation 9.6: grant a pre-vote when we would grant the vote itself:
   * the sender's term would be newer, its log is at least as up-to-date, and
   * no leader is known to be alive. Answering changes nothing here.
   */
  private handlePreVote(m: PreVote): void {
    const granted = m.term > this.term && !this.inLeaderLease() && this.log.isUpToDate(m.lastLogIndex, m.lastLogTerm);
    this.outbox.push({ type: 'PreVoteResponse', from: this.id, to: m.from, term: granted ? m.term : this.term, granted });
  }

  /** Section 5.2 and 5.4.1: one vote per term, only for a log at least as up-to-date as ours. */
  private handleRequestVote(m: RequestVote): void {
    const free = this.vote === m.from || (this.vote === null && this.leader === null);
    const granted = free && this.log.isUpToDate(m.lastLogIndex, m.lastLogTerm);
    const reply: Message = { type: 'RequestVoteResponse', from: this.id, to: m.from, term: this.term, granted };
    if (!granted) {
      this.outbox.push(reply);
      return;
    }
    this.vote = m.from;
    this.persistence.markHardStateDirty();
    this.electionElapsed = 0;
    this.persistence.gate(reply, this.log.lastIndex(), this.outbox);
  }

  /** Section 5.3: the consistency check, conflict repair and the follower's commit index. */
  private handleAppendEntries(m: AppendEntries): void {
    if (m.prevLogIndex < this.commitIndex) {
      // Everything up to our commit index already matches the leader.
      this.replyToAppend(m, true, this.commitIndex);
      return;
    }
    if (!this.log.matches(m.prevLogIndex, m.prevLogTerm)) {
      this.rejectAppend(m);
      return;
    }
    const conflict = this.log.findConflict(m.entries);
    if (conflict !== 0) {
      const appended = m.entries.slice(conflict - m.entries[0]!.index);
      const configs = this.decodeConfigEntries(appended);
      if (typeof configs === 'string') {
        this.refuseMessage(m, configs);
        return;
      }
      if (conflict <= this.log.lastIndex()) {
        if (conflict <= this.commitIndex) {
          // Only a lying leader (or an earlier lying commit index) gets here.
          this.refuseMessage(m, `would overwrite committed entry ${conflict} (commit index ${this.commitIndex})`);
          return;
        }
        this.log.truncateFrom(conflict);
        this.persistence.truncated(conflict);
        if (this.configs.truncatedFrom(conflict)) this.configInForce();
      }
      this.log.append(appended);
      for (const { index, config } of configs) this.adoptConfig(index, config);
    }
    const lastNew = m.prevLogIndex + m.entries.length;
    this.commitTo(Math.min(m.leaderCommit, lastNew));
    this.replyToAppend(m, true, lastNew);
  }

  private rejectAppend(m: AppendEntries): void {
    // Fast back-off (section 5.3, "the follower can include the term of the
    // conflicting entry and the first index it stores for that term").
    const hintIndex = Math.min(m.prevLogIndex, this.log.lastIndex() + 1);
    // hintIndex >= prevLogIndex >= commitIndex >= the log's start: never compacted.
    const known = this.log.term(hintIndex);
    const conflictTerm = typeof known === 'number' ? known : 0;
    const conflictIndex = conflictTerm === 0 ? hintIndex : this.log.firstIndexOfTerm(hintIndex, conflictTerm);
    this.persistence.gate(
      {
        type: 'AppendEntriesResponse',
        from: this.id,
        to: m.from,
        term: this.term,
        success: false,
        matchIndex: 0,
        conflictIndex: Math.max(1, conflictIndex),
        conflictTerm,
        rejectedIndex: m.prevLogIndex,
      },
      this.log.lastIndex(),
      this.outbox,
    );
  }

  private replyToAppend(m: AppendEntries, success: boolean, matchIndex: LogIndex): void {
    const reply: Message = {
      type: 'AppendEntriesResponse',
      from: this.id,
      to: m.from,
      term: this.term,
      success,
      matchIndex,
      conflictIndex: 0,
      conflictTerm: 0,
      rejectedIndex: m.prevLogIndex,
    };
    // An acknowledgement vouches that the entries are on our disk.
    this.persistence.gate(reply, this.log.lastIndex(), this.outbox);
  }

  private handleHeartbeat(m: Heartbeat): void {
    this.commitTo(Math.min(m.commit, this.log.lastIndex()));
    this.outbox.push({ type: 'HeartbeatResponse', from: this.id, to: m.from, term: this.term, readRound: m.readRound });
  }

  private commitTo(index: LogIndex): void {
    if (index <= this.commitIndex) return;
    assert(index <= this.log.lastIndex(), `commit ${index} beyond last index ${this.log.lastIndex()}`);
    this.commitIndex = index;
  }

  // ---------------------------------------------------------------- leader

  private handleAppendResponse(m: Message & { type: 'AppendEntriesResponse' }): void {
    const progress = this.tracker.progressOf(m.from);
    if (progress === undefined) return;
    if (m.matchIndex > this.log.lastIndex() || m.rejectedIndex > this.log.lastIndex()) {
      this.refuseMessage(m, `reply names index ${Math.max(m.matchIndex, m.rejectedIndex)}, beyond the leader's last index ${this.log.lastIndex()}`);
      return;
    }
    progress.recentActive = true;
    if (m.success) {
      if (progress.acknowledged(m.matchIndex)) this.maybeCommit();
      if (this.leaderTransfer?.target === m.from) this.maybeSendTimeoutNow();
      return;
    }
    let retryFrom = m.conflictIndex;
    if (m.conflictTerm > 0) {
      const ours = this.log.lastIndexOfTerm(m.conflictTerm);
      if (ours > 0) retryFrom = ours + 1;
    }
    progress.rejected(m.rejectedIndex, retryFrom);
  }

  private handleSnapshotResponse(m: Message & { type: 'InstallSnapshotResponse' }): void {
    const progress = this.tracker.progressOf(m.from);
    if (progress === undefined) return;
    progress.recentActive = true;
    this.snapshots.handleResponse(m, progress);
  }

  private handleHeartbeatResponse(from: NodeId, readRound: number): void {
    const progress = this.tracker.progressOf(from);
    if (progress === undefined) return;
    if (readRound > this.reads.currentRound()) {
      this.warnings.push({ reason: `heartbeat reply acknowledges read round ${readRound}, beyond the leader's ${this.reads.currentRound()}`, message: { type: 'HeartbeatResponse', from, term: this.term } });
      return;
    }
    progress.recentActive = true;
    // A live follower in probe gets the next probe now rather than after a timeout.
    if (progress.state === 'probe') progress.probeSent = false;
    this.reads.acknowledge(from, readRound);
    this.readsReady.push(...this.reads.takeConfirmed(this.id));
    if (this.options.leaseReads) this.extendLease();
  }

  private startLeaseRound(): number {
    const round = this.reads.startRound(true);
    if (this.nowMs !== null) this.roundSentAt.set(round, this.nowMs);
    return round;
  }

  private observeTime(nowMs: number | undefined): void {
    if (nowMs !== undefined && (this.nowMs === null || nowMs > this.nowMs)) this.nowMs = nowMs;
  }

  /**
   * A majority acknowledged a heartbeat sent at measured time T. Each of them
   * will refuse to vote for anyone else until electionTicksMin of its own
   * ticks after receiving it (the lease check in stepMessage), at least
   * leaseMs of its time, so no other leader can exist before T + leaseMs of
   * ours, if clocks run at the same rate; LEASE_DRIFT_FRACTION of that is kept
   * back for clocks that do not.
   */
  private extendLease(): void {
    const confirmed = this.reads.confirmedRound(this.id);
    const sentAt = this.roundSentAt.get(confirmed);
    if (sentAt === undefined || this.options.leaseMs === undefined) return;
    const lease = this.options.leaseMs * (1 - LEASE_DRIFT_FRACTION);
    this.leaseUntilMs = Math.max(this.leaseUntilMs, sentAt + lease);
    for (const round of this.roundSentAt.keys()) if (round <= confirmed) this.roundSentAt.delete(round);
  }

  /**
   * Section 5.4.2: the leader commits by counting replicas only entries of its
   * own term (Figure 8); earlier entries are committed with them.
   */
  private maybeCommit(): void {
    const candidate = this.tracker.committedIndex(this.persistence.stableIndex());
    if (candidate > this.commitIndex && this.log.term(candidate) === this.term) {
      this.commitTo(candidate);
      if (this.commitIndex >= this.termStartIndex) this.reads.assignIndexes(this.commitIndex);
      this.maybeLeaveCluster();
    }
  }

  private committedInTerm(): boolean {
    return this.role === 'leader' && this.commitIndex >= this.termStartIndex;
  }

  private propose(proposals: readonly Proposal[]): void {
    if (this.role !== 'leader' || this.leaderTransfer !== null) {
      // While leadership is being handed over, new entries would only delay the target: the
      // refusal names this node as leader, which the client edge answers with TRYAGAIN.
      for (const p of proposals) this.refused.push({ id: p.id, kind: 'proposal', leader: this.leader });
      return;
    }
    for (const p of proposals) {
      const index = this.log.lastIndex() + 1;
      this.log.append([{ index, term: this.term, type: ENTRY_COMMAND, data: p.data }]);
      this.accepted.push({ id: p.id, index, term: this.term });
    }
  }

  /** `measured`: the read came with a clock reading, so nowMs is the time it is served. */
  private read(id: number, measured: boolean): void {
    if (this.role !== 'leader') {
      this.refused.push({ id, kind: 'read', leader: this.leader });
      return;
    }
    if (this.options.leaseReads && measured && this.committedInTerm() && this.nowMs! < this.leaseUntilMs) {
      this.readsReady.push({ id, index: this.commitIndex });
      return;
    }
    this.reads.add(id, this.committedInTerm(), this.commitIndex);
  }

  /**
   * The state machine holds every entry up to index durably, so the log up to
   * there is no longer needed to rebuild it. Entries up to index -
   * snapshotTrailingEntries go (etcd keeps a trailing window so a follower
   * slightly behind catches up from the log rather than by snapshot).
   */
  private compactLog(index: LogIndex): void {
    assert(index <= this.appliedSent, `snapshot at ${index} of entries never handed out to apply (${this.appliedSent})`);
    const to = index - this.options.snapshotTrailingEntries;
    if (to <= this.log.start().index) return;
    this.log.compactTo(to);
    this.configs.compactedTo(to);
    this.persistence.compacted(this.log.start());
  }

  /** End of a batch: one persist request, one read round, appends per follower. */
  private flush(): void {
    if (this.role === 'leader') {
      const round = this.reads.startRound();
      if (round > 0) {
        if (this.options.leaseReads && this.nowMs !== null) this.roundSentAt.set(round, this.nowMs);
        this.broadcastHeartbeat(round);
      }
      this.readsReady.push(...this.reads.takeConfirmed(this.id));
      for (const peer of this.tracker.followers().keys()) this.sendAppends(peer);
    }
    const request = this.persistence.nextRequest(this.log.lastIndex(), { term: this.term, vote: this.vote });
    if (request !== null) {
      this.persists.push({
        seq: request.seq,
        ...(request.hardState ? { hardState: request.hardState } : {}),
        ...(request.truncateFrom !== undefined ? { truncateFrom: request.truncateFrom } : {}),
        ...(request.compact !== undefined ? { compact: request.compact } : {}),
        entries: this.log.slice(request.entriesFrom, this.log.lastIndex() + 1),
      });
    }
  }

  private sendAppends(peer: NodeId): void {
    const progress = this.tracker.progressOf(peer)!;
    while (!progress.isPaused()) {
      if (progress.state === 'replicate' && progress.next > this.log.lastIndex()) return;
      const prevLogIndex = progress.next - 1;
      const prevLogTerm = this.log.term(prevLogIndex);
      if (prevLogTerm === COMPACTED) {
        // The follower needs entries compacted away: only a snapshot can bring it up to date.
        this.snapshots.start(peer, progress);
        return;
      }
      assert(prevLogTerm !== undefined, `no term for index ${prevLogIndex} sending to ${peer}`);
      const entries = this.entriesFrom(progress.next);
      const append: AppendEntries = {
        type: 'AppendEntries',
        from: this.id,
        to: peer,
        term: this.term,
        prevLogIndex,
        prevLogTerm,
        entries,
        leaderCommit: this.commitIndex,
      };
      this.outbox.push(append);
      progress.sent(prevLogIndex + entries.length);
      if (progress.state === 'probe') return;
    }
  }

  /** Up to entriesPerAppendMax entries and appendBytesMax bytes from index (at least one). */
  private entriesFrom(index: LogIndex): Entry[] {
    const hi = Math.min(this.log.lastIndex() + 1, index + this.options.entriesPerAppendMax);
    const entries = this.log.slice(index, hi);
    let bytes = 0;
    for (let i = 0; i < entries.length; i++) {
      bytes += entries[i]!.data.length;
      if (bytes > this.options.appendBytesMax && i > 0) return entries.slice(0, i);
    }
    return entries;
  }

  private broadcastHeartbeat(readRound: number): void {
    for (const [peer, progress] of this.tracker.followers()) {
      this.outbox.push({
        type: 'Heartbeat',
        from: this.id,
        to: peer,
        term: this.term,
        commit: Math.min(this.commitIndex, progress.match),
        readRound,
      });
    }
  }

  // ---------------------------------------------------------------- leadership transfer

  /** Dissertation 3.10: bring the target up to date, then tell it to campaign (TimeoutNow). */
  private startLeaderTransfer(id: number, requested: NodeId | null): void {
    const refuse = (code: LeaderTransferRefusal, detail: string): void => {
      this.leaderTransfers.push({ id, outcome: 'refused', code, detail });
    };
    if (this.role !== 'leader') return refuse('NOT_LEADER', `${this.id} is not the leader`);
    if (this.leaderTransfer !== null) return refuse('TRANSFER_IN_PROGRESS', `a transfer to ${this.leaderTransfer.target} is under way`);
    if (requested === this.id) return refuse('ALREADY_LEADER', `${requested} is already the leader`);
    if (requested !== null && !this.tracker.voterPeers().includes(requested)) return refuse('UNKNOWN_MEMBER', `${requested} is not a voting member`);
    const target = requested ?? this.mostUpToDatePeer();
    if (target === null) return refuse('NO_TARGET', 'there is no other voting member');
    this.leaderTransfer = { id, target, elapsed: 0, timeoutNowSent: false };
    const progress = this.tracker.progressOf(target)!;
    // A target behind may have lost appends; probing now (sent at this batch's flush) beats waiting for
    // the stall timeout. One receiving a snapshot is left to finish it.
    if (progress.match < this.log.lastIndex() && progress.state !== 'snapshot') progress.becomeProbe();
    this.maybeSendTimeoutNow();
  }

  /** The follower with the highest match index (first in member order on a tie), or null with no peers. */
  private mostUpToDatePeer(): NodeId | null {
    let best: NodeId | null = null;
    for (const peer of this.tracker.voterPeers()) {
      if (best === null || this.tracker.progressOf(peer)!.match > this.tracker.progressOf(best)!.match) best = peer;
    }
    return best;
  }

  private maybeSendTimeoutNow(): void {
    const transfer = this.leaderTransfer!;
    const target = this.tracker.progressOf(transfer.target);
    if (transfer.timeoutNowSent || target === undefined || target.match < this.log.lastIndex()) return;
    transfer.timeoutNowSent = true;
    this.outbox.push({ type: 'TimeoutNow', from: this.id, to: transfer.target, term: this.term });
  }

  /** A transfer that has not completed within an election timeout is given up, and proposals resume. */
  private tickLeaderTransfer(): void {
    if (this.leaderTransfer === null || ++this.leaderTransfer.elapsed < this.options.electionTicksMin) return;
    const { id, target } = this.leaderTransfer;
    this.endLeaderTransfer({ id, outcome: 'refused', code: 'TRANSFER_TIMEOUT', detail: `${target} did not take over within an election timeout` });
  }

  private endLeaderTransfer(outcome: LeaderTransferOutcome): void {
    this.leaderTransfers.push(outcome);
    this.leaderTransfer = null;
    // A leader that removed itself and could not hand over steps down all the same.
    if (this.role === 'leader' && outcome.outcome === 'refused' && this.leavingCommitted()) this.becomeFollower(this.term, null);
  }

  // ---------------------------------------------------------------- membership

  /**
   * One change at a time (dissertation 4.1): a leader starts one only after it
   * has committed an entry of its own term (the fix of 4.1.3) and once the
   * previous configuration entry is committed. The new configuration takes
   * effect as soon as its entry is appended, here and on every follower.
   */
  private changeMembership(id: number, change: MembershipChange): void {
    const refuse = (code: MembershipRefusal, detail: string): void => {
      this.membershipChanges.push({ id, outcome: 'refused', code, detail });
    };
    if (this.role !== 'leader') return refuse('NOT_LEADER', `${this.id} is not the leader`);
    if (this.leaderTransfer !== null) return refuse('TRANSFER_IN_PROGRESS', `leadership is being handed to ${this.leaderTransfer.target}`);
    if (!this.committedInTerm()) return refuse('CHANGE_IN_PROGRESS', 'the leader has not yet committed an entry of its term; retry shortly');
    if (this.pendingConfigIndex > this.commitIndex) return refuse('CHANGE_IN_PROGRESS', `the configuration change at index ${this.pendingConfigIndex} is not committed yet`);
    if (change.kind === 'remove' && change.id === this.id) return this.handOverBeforeLeaving(refuse);
    const current = this.configs.latest()!;
    const result = applyChange(current, change);
    if (!result.ok) return refuse(result.code, result.detail);
    if (change.kind === 'promote') {
      const progress = this.tracker.progressOf(change.id);
      const behind = progress === undefined ? this.log.lastIndex() : this.log.lastIndex() - progress.match;
      if (progress === undefined || !progress.reachable() || behind > this.learnerCatchUpEntriesMax()) {
        return refuse('LEARNER_BEHIND', `${change.id} is ${behind} entries behind the leader (at most ${this.learnerCatchUpEntriesMax()} to be promoted)${progress?.reachable() === false ? ' and has not answered lately' : ''}`);
      }
    }
    if (!this.tracker.quorumReachable(result.config)) {
      return refuse('WOULD_LOSE_QUORUM', `after this change a quorum of voters would not be reachable (voters answering lately: ${this.reachableVoters(result.config).join(', ') || 'none'})`);
    }
    const index = this.log.lastIndex() + 1;
    this.log.append([{ index, term: this.term, type: ENTRY_CONFIG, data: encodeConfig(result.config) }]);
    this.pendingConfigIndex = index;
    this.adoptConfig(index, result.config);
    this.membershipChanges.push({ id, outcome: 'proposed', index, term: this.term });
  }

  /**
   * The leader asked to remove itself hands leadership over first (TimeoutNow
   * to the most up-to-date voter) and refuses for now; the client retries on
   * the new leader, which removes this node as any other follower. Dissertation
   * 4.2.2 also allows a leader to manage a configuration it is not part of;
   * handing over first keeps the cluster writable throughout and lets every
   * node refuse a removed member's frames the moment the change is appended.
   */
  private handOverBeforeLeaving(refuse: (code: MembershipRefusal, detail: string) => void): void {
    if (this.mostUpToDatePeer() === null) return refuse('WOULD_LOSE_QUORUM', `${this.id} is the last voter`);
    this.startLeaderTransfer(UNATTENDED_TRANSFER, null);
    refuse('LEADER_HANDING_OVER', `${this.id} leads: it hands leadership over first; retry, and the new leader removes it`);
  }

  private learnerCatchUpEntriesMax(): number {
    return this.options.learnerCatchUpEntriesMax ?? LEARNER_CATCH_UP_ENTRIES;
  }

  private reachableVoters(config: ClusterConfig): NodeId[] {
    return config.members.filter((m) => m.role === 'voter' && (m.id === this.id || this.tracker.progressOf(m.id)?.reachable() === true)).map((m) => m.id);
  }

  /** A configuration entry at index was appended: it is in force from now on. */
  private adoptConfig(index: LogIndex, config: ClusterConfig): void {
    this.configs.appended(index, config);
    this.configInForce();
  }

  /** The latest configuration of the history is the one in force: the tracker follows it. */
  private configInForce(): void {
    this.tracker.setConfig(this.configs.latest(), this.log.lastIndex() + 1);
    this.configChanged = true;
    if (this.leaderTransfer !== null && !this.tracker.isVoter(this.leaderTransfer.target)) {
      const { id, target } = this.leaderTransfer;
      this.endLeaderTransfer({ id, outcome: 'refused', code: 'UNKNOWN_MEMBER', detail: `${target} is no longer a voting member` });
    }
  }

  private useConfigs(configs: ConfigHistory): void {
    this.configs = configs;
    this.configInForce();
  }

  /** The history of the retained log above `base`, the configuration at baseIndex. */
  private configsFromLog(baseIndex: LogIndex, base: ClusterConfig | null): ConfigHistory {
    const history = new ConfigHistory(baseIndex, base);
    for (const entry of this.log.slice(baseIndex + 1, this.log.lastIndex() + 1)) {
      if (entry.type !== ENTRY_CONFIG) continue;
      const decoded = decodeConfig(entry.data);
      // Storage checks entries as it reads them; a configuration that no longer decodes is our bug.
      assert(decoded.ok, `configuration entry ${entry.index} does not decode: ${decoded.ok ? '' : decoded.problem}`);
      history.appended(entry.index, decoded.config);
    }
    return history;
  }

  /** The configuration entries among entries a leader sent, decoded; or why one is refused. */
  private decodeConfigEntries(entries: readonly Entry[]): Array<{ index: LogIndex; config: ClusterConfig }> | string {
    const configs: Array<{ index: LogIndex; config: ClusterConfig }> = [];
    for (const entry of entries) {
      if (entry.type !== ENTRY_CONFIG) continue;
      const decoded = decodeConfig(entry.data);
      if (!decoded.ok) return `entry ${entry.index}: ${decoded.problem}`;
      configs.push({ index: entry.index, config: decoded.config });
    }
    return configs;
  }

  /** Whether the configuration in force, committed, no longer has this node as a member. */
  private leavingCommitted(): boolean {
    return !this.tracker.isMember(this.id) && this.commitIndex >= this.configs.latestIndex();
  }

  /**
   * A leader removed by a committed configuration hands leadership to the
   * most up-to-date remaining voter (TimeoutNow) and steps down; it never
   * campaigns again (dissertation 4.2.2).
   */
  private maybeLeaveCluster(): void {
    if (this.role !== 'leader' || !this.leavingCommitted() || this.leaderTransfer !== null) return;
    const target = this.mostUpToDatePeer();
    if (target === null) {
      this.becomeFollower(this.term, null);
      return;
    }
    this.leaderTransfer = { id: UNATTENDED_TRANSFER, target, elapsed: 0, timeoutNowSent: false };
    const progress = this.tracker.progressOf(target)!;
    if (progress.match < this.log.lastIndex() && progress.state !== 'snapshot') progress.becomeProbe();
    this.maybeSendTimeoutNow();
  }
}
