/**
 * The leader's view of one follower (etcd's Progress). In `probe` the leader
 * sends one append at a time until it finds where the logs match; in
 * `replicate` it streams appends optimistically, at most `inflightMax`
 * unacknowledged at once (the pipeline window); in `snapshot` the follower
 * needs entries the leader has compacted, and appends wait while a snapshot
 * transfer runs (etcd's StateSnapshot).
 */
import { assert } from '../util/assert.js';
import type { LogIndex } from './types.js';

export class Progress {
  state: 'probe' | 'replicate' | 'snapshot' = 'probe';
  /** In snapshot: the transfer under way. */
  transfer = 0;
  match: LogIndex = 0;
  next: LogIndex;
  /** In probe: an append is out and we wait for its answer (or a heartbeat reply). */
  probeSent = false;
  /** Last index of each append in flight, oldest first. */
  readonly inflight: LogIndex[] = [];
  /** Heard from since the last check-quorum round. */
  recentActive = true;
  /** Heard from in the check-quorum round before the current one. */
  activeLastRound = true;
  /** Ticks since an append to this peer was last answered while some were in flight. */
  ticksWithoutAppendReply = 0;

  constructor(
    next: LogIndex,
    private readonly inflightMax: number,
  ) {
    this.next = next;
  }

  /** Heard from in this check-quorum round or the last: a member a configuration change may rely on. */
  reachable(): boolean {
    return this.recentActive || this.activeLastRound;
  }

  isPaused(): boolean {
    if (this.state === 'snapshot') return true;
    return this.state === 'probe' ? this.probeSent : this.inflight.length >= this.inflightMax;
  }

  /** Whether the leader waits for this follower to answer something it sent. */
  isWaiting(): boolean {
    if (this.state === 'snapshot') return true;
    return this.state === 'probe' ? this.probeSent : this.inflight.length > 0;
  }

  becomeSnapshot(transfer: number): void {
    this.state = 'snapshot';
    this.transfer = transfer;
    this.probeSent = false;
    this.inflight.length = 0;
    this.ticksWithoutAppendReply = 0;
  }

  /** The follower installed a snapshot (or already had everything) up to index: probe from there. */
  snapshotInstalled(index: LogIndex): void {
    this.match = Math.max(this.match, index);
    this.becomeProbe();
    this.ticksWithoutAppendReply = 0;
  }

  /** Records an append covering up to lastIndex being sent. */
  sent(lastIndex: LogIndex): void {
    if (this.state === 'probe') {
      this.probeSent = true;
      return;
    }
    this.inflight.push(lastIndex);
    this.next = lastIndex + 1;
  }

  /** A successful append reply: returns whether match moved forward. */
  acknowledged(matchIndex: LogIndex): boolean {
    this.ticksWithoutAppendReply = 0;
    if (matchIndex <= this.match) return false;
    this.match = matchIndex;
    // A late answer to an append sent before the transfer began: it counts, the transfer goes on.
    if (this.state === 'snapshot') return true;
    this.next = Math.max(this.next, matchIndex + 1);
    while (this.inflight.length > 0 && this.inflight[0]! <= matchIndex) this.inflight.shift();
    if (this.state === 'probe') this.becomeReplicate();
    return true;
  }

  /**
   * A rejected append. Returns false when the rejection is stale (answers an
   * append older than what we already know matches), true when next moved back.
   */
  rejected(rejectedIndex: LogIndex, retryFrom: LogIndex): boolean {
    this.ticksWithoutAppendReply = 0;
    if (this.state === 'snapshot') return false;
    if (this.state === 'replicate') {
      if (rejectedIndex <= this.match) return false;
      this.becomeProbe();
    } else if (rejectedIndex !== this.next - 1) {
      return false;
    }
    this.next = Math.max(this.match + 1, Math.min(retryFrom, rejectedIndex));
    this.probeSent = false;
    assert(this.next >= 1, 'next index below 1');
    return true;
  }

  becomeProbe(): void {
    this.state = 'probe';
    this.next = this.match + 1;
    this.probeSent = false;
    this.inflight.length = 0;
  }

  private becomeReplicate(): void {
    this.state = 'replicate';
    this.probeSent = false;
    this.inflight.length = 0;
  }
}
