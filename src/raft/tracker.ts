/**
 * The leader's and the candidate's questions about who counts (etcd's
 * tracker/quorum split): the current configuration, each follower's
 * progress, the votes of an election, check-quorum activity, and the index a
 * quorum has acknowledged. It answers questions and keeps the per-member
 * state in step with the configuration; every Raft transition stays in the
 * core.
 *
 * Only voters count. A learner receives the log but its acknowledgements,
 * votes and liveness never decide anything; a leader that is leaving the
 * configuration manages the cluster without counting itself (dissertation
 * 4.2.2).
 */
import { Progress } from './progress.js';
import { jointIndex, majorityVote, type VoteResult } from './quorum/joint.js';
import { quorumSize } from './quorum.js';
import { learnersOf, votersOf, type ClusterConfig } from './membership/config.js';
import type { LogIndex, NodeId } from './types.js';

export class ProgressTracker {
  private config: ClusterConfig | null = null;
  private voterIds: readonly NodeId[] = [];
  private memberIds: readonly NodeId[] = [];
  /** Every member but this node, while leading; empty otherwise. */
  private readonly progress = new Map<NodeId, Progress>();
  private leading: { next: LogIndex; inflightMax: number } | null = null;
  private readonly votes = new Map<NodeId, boolean>();

  constructor(
    private readonly self: NodeId,
    config: ClusterConfig | null,
  ) {
    this.setConfig(config, 0);
  }

  configuration(): ClusterConfig | null {
    return this.config;
  }

  /** Switches to config (the latest in the log). While leading, a new member gets progress from `next`. */
  setConfig(config: ClusterConfig | null, next: LogIndex): void {
    this.config = config;
    this.voterIds = config === null ? [] : votersOf(config);
    this.memberIds = config === null ? [] : [...this.voterIds, ...learnersOf(config)];
    if (this.leading === null) return;
    for (const id of [...this.progress.keys()]) if (!this.memberIds.includes(id)) this.progress.delete(id);
    for (const id of this.peers()) if (!this.progress.has(id)) this.progress.set(id, new Progress(next, this.leading.inflightMax));
  }

  voters(): readonly NodeId[] {
    return this.voterIds;
  }

  isVoter(id: NodeId): boolean {
    return this.voterIds.includes(id);
  }

  isMember(id: NodeId): boolean {
    return this.memberIds.includes(id);
  }

  /** Every member but this node: who gets appends and heartbeats. */
  peers(): NodeId[] {
    return this.memberIds.filter((id) => id !== this.self);
  }

  /** Every voter but this node: who is asked for votes. */
  voterPeers(): NodeId[] {
    return this.voterIds.filter((id) => id !== this.self);
  }

  // ------------------------------------------------------------ progress (leader)

  startLeading(next: LogIndex, inflightMax: number): void {
    this.progress.clear();
    this.leading = { next, inflightMax };
    for (const id of this.peers()) this.progress.set(id, new Progress(next, inflightMax));
  }

  /** Leadership ended: the progress of every follower, for the transfers to close. */
  stopLeading(): ReadonlyMap<NodeId, Progress> {
    const ended = new Map(this.progress);
    this.progress.clear();
    this.leading = null;
    return ended;
  }

  progressOf(id: NodeId): Progress | undefined {
    return this.progress.get(id);
  }

  followers(): ReadonlyMap<NodeId, Progress> {
    return this.progress;
  }

  /** The highest index a quorum of voters holds durably; this node counts with `selfStable` when it votes. */
  committedIndex(selfStable: LogIndex): LogIndex {
    return jointIndex({ incoming: this.voterIds, outgoing: [] }, (id) => (id === this.self ? selfStable : (this.progress.get(id)?.match ?? 0)));
  }

  /**
   * Check-quorum (dissertation 6.2): whether a quorum of voters was heard
   * from since the last call. Starts the next round.
   */
  quorumActive(): boolean {
    let active = this.isVoter(this.self) ? 1 : 0;
    for (const [id, progress] of this.progress) {
      if (progress.recentActive && this.isVoter(id)) active++;
      progress.activeLastRound = progress.recentActive;
      progress.recentActive = false;
    }
    return active >= quorumSize(this.voterIds.length);
  }

  /** Whether `config`'s voters that answered lately (this round or the last) make a quorum of it. */
  quorumReachable(config: ClusterConfig): boolean {
    const voters = votersOf(config);
    const reachable = voters.filter((id) => id === this.self || this.progress.get(id)?.reachable() === true);
    return reachable.length >= quorumSize(voters.length);
  }

  // ------------------------------------------------------------ votes

  resetVotes(): void {
    this.votes.clear();
  }

  /** Records a vote; only voters' votes will count. */
  recordVote(id: NodeId, granted: boolean): void {
    this.votes.set(id, granted);
  }

  voteResult(): VoteResult {
    return majorityVote(this.voterIds, this.votes);
  }
}
