/**
 * ReadIndex (dissertation section 6.4). A read waits until the leader has
 * committed an entry of its own term, takes the commit index at that moment,
 * and is released once a majority has acknowledged a heartbeat round started
 * after it arrived: proof that no newer leader existed when it was taken.
 * Every read waiting when a round starts shares that one round.
 */
import { assert } from '../util/assert.js';
import type { LogIndex, NodeId } from './types.js';
import { majorityValue } from './quorum.js';

export type ReadId = number;

interface PendingRead {
  readonly id: ReadId;
  readonly index: LogIndex;
  /** 0 until a heartbeat round is started for it. */
  round: number;
}

export class ReadIndexTracker {
  private readonly pending: PendingRead[] = [];
  /** Reads that arrived before this term's first commit; they get an index later. */
  private readonly unindexed: ReadId[] = [];
  private round = 0;
  private readonly acked = new Map<NodeId, number>();

  /** `voters`: the current voters (they change with the configuration). */
  constructor(private readonly voters: () => readonly NodeId[]) {}

  /** The round the last heartbeat broadcast carried. */
  currentRound(): number {
    return this.round;
  }

  add(id: ReadId, committedInTerm: boolean, commitIndex: LogIndex): void {
    if (committedInTerm) this.pending.push({ id, index: commitIndex, round: 0 });
    else this.unindexed.push(id);
  }

  /** Called once the leader commits its first entry of the term. */
  assignIndexes(commitIndex: LogIndex): void {
    for (const id of this.unindexed) this.pending.push({ id, index: commitIndex, round: 0 });
    this.unindexed.length = 0;
  }

  /**
   * Starts a new round if some read waits for one (or always, with `force`:
   * lease reads renew the lease with every heartbeat); returns the round to
   * broadcast, or 0.
   */
  startRound(force = false): number {
    const waiting = this.pending.filter((read) => read.round === 0);
    if (waiting.length === 0 && !force) return 0;
    this.round++;
    for (const read of waiting) read.round = this.round;
    return this.round;
  }

  /** A follower acknowledged heartbeats up to `round` in this term. */
  acknowledge(from: NodeId, round: number): void {
    if (round > (this.acked.get(from) ?? 0)) this.acked.set(from, round);
  }

  /** The highest round a majority of voters (the leader included, when it votes) has acknowledged. */
  confirmedRound(self: NodeId): number {
    return majorityValue(this.voters().map((voter) => (voter === self ? this.round : (this.acked.get(voter) ?? 0))));
  }

  /** Reads whose round a majority (the leader included) has confirmed, oldest first. */
  takeConfirmed(self: NodeId): Array<{ id: ReadId; index: LogIndex }> {
    const confirmed = this.confirmedRound(self);
    const ready: Array<{ id: ReadId; index: LogIndex }> = [];
    while (this.pending.length > 0 && this.pending[0]!.round !== 0 && this.pending[0]!.round <= confirmed) {
      const read = this.pending.shift()!;
      ready.push({ id: read.id, index: read.index });
    }
    assert(ready.every((read, i) => i === 0 || read.index >= ready[i - 1]!.index), 'read indexes go back');
    return ready;
  }

  /** Leadership lost: every waiting read fails. */
  drain(): ReadId[] {
    const ids = [...this.unindexed, ...this.pending.map((read) => read.id)];
    this.unindexed.length = 0;
    this.pending.length = 0;
    this.acked.clear();
    return ids;
  }
}
