/**
 * What of the node's log and hard state has been handed to storage, what is
 * known durable, and which outgoing messages must wait for it (durability
 * before acknowledgement: a vote or an append acknowledgement is sent only
 * once everything it vouches for is on disk).
 */
import { assert } from '../util/assert.js';
import type { HardState, LogIndex, LogPoint, Message } from './types.js';

interface Requested {
  readonly seq: number;
  /** Last log index this request makes durable (capped by later truncations). */
  lastIndex: LogIndex;
}

export class PersistTracker {
  /** Sequence number of the last persist request issued. */
  private issuedSeq = 0;
  /** Sequence number of the last persist request known durable. */
  private durableSeq = 0;
  /** Last log index included in some issued request. */
  private requestedIndex: LogIndex;
  /** Last log index known durable and part of the current log. */
  private stable: LogIndex;
  private truncateFrom: LogIndex | null = null;
  private hardStateDirty = false;
  /** A compaction of the in-memory log not yet handed to storage. */
  private compact: LogPoint | null = null;
  private readonly requests: Requested[] = [];
  private readonly held: Array<{ barrier: number; message: Message }> = [];

  constructor(lastIndex: LogIndex) {
    this.requestedIndex = lastIndex;
    this.stable = lastIndex;
  }

  stableIndex(): LogIndex {
    return this.stable;
  }

  markHardStateDirty(): void {
    this.hardStateDirty = true;
  }

  /** The in-memory log dropped every entry up to point (all of them durable and applied). */
  compacted(point: LogPoint): void {
    assert(point.index <= this.stable, `compacting to ${point.index} past the durable ${this.stable}`);
    this.compact = point;
  }

  /**
   * The in-memory log restarted at a snapshot's point `start`: it kept the
   * entries after it (keeps), or dropped every entry after `before` (its
   * old start) and now continues at start.index + 1.
   */
  restarted(before: LogPoint, start: LogPoint, keeps: boolean): void {
    if (!keeps) {
      if (this.requestedIndex > before.index) this.truncateFrom = Math.min(this.truncateFrom ?? Infinity, before.index + 1);
      for (const request of this.requests) request.lastIndex = Math.min(request.lastIndex, before.index);
      this.stable = Math.min(this.stable, before.index);
    }
    this.requestedIndex = Math.max(this.requestedIndex, start.index);
    if (!keeps) this.requestedIndex = start.index;
    this.compact = start;
  }

  /** The in-memory log dropped every entry >= from. */
  truncated(from: LogIndex): void {
    if (from <= this.requestedIndex) {
      this.truncateFrom = Math.min(this.truncateFrom ?? from, from);
      this.requestedIndex = from - 1;
    }
    this.stable = Math.min(this.stable, from - 1);
    for (const request of this.requests) request.lastIndex = Math.min(request.lastIndex, from - 1);
  }

  private dirty(lastIndex: LogIndex): boolean {
    return this.hardStateDirty || this.truncateFrom !== null || this.compact !== null || lastIndex > this.requestedIndex;
  }

  /** Sends message now if it vouches only for durable state, else holds it for the next persist. */
  gate(message: Message, lastIndex: LogIndex, outbox: Message[]): void {
    const barrier = this.dirty(lastIndex) ? this.issuedSeq + 1 : this.issuedSeq;
    if (barrier <= this.durableSeq) outbox.push(message);
    else this.held.push({ barrier, message });
  }

  /**
   * Builds the next persist request from what changed, or null when nothing
   * did. `entriesFrom` is the first index storage must write.
   */
  nextRequest(
    lastIndex: LogIndex,
    hardState: HardState,
  ): { seq: number; hardState?: HardState; truncateFrom?: LogIndex; compact?: LogPoint; entriesFrom: LogIndex } | null {
    if (!this.dirty(lastIndex)) return null;
    const seq = ++this.issuedSeq;
    const request = {
      seq,
      entriesFrom: this.requestedIndex + 1,
      ...(this.hardStateDirty ? { hardState } : {}),
      ...(this.truncateFrom !== null ? { truncateFrom: this.truncateFrom } : {}),
      ...(this.compact !== null ? { compact: this.compact } : {}),
    };
    this.requests.push({ seq, lastIndex });
    this.requestedIndex = lastIndex;
    this.truncateFrom = null;
    this.compact = null;
    this.hardStateDirty = false;
    return request;
  }

  /** Storage finished every request up to seq; returns the messages now free to go. */
  persisted(seq: number): Message[] {
    assert(seq <= this.issuedSeq, `persisted seq ${seq} never issued (last ${this.issuedSeq})`);
    if (seq <= this.durableSeq) return [];
    this.durableSeq = seq;
    while (this.requests.length > 0 && this.requests[0]!.seq <= seq) {
      this.stable = Math.max(this.stable, this.requests.shift()!.lastIndex);
    }
    const released: Message[] = [];
    let keep = 0;
    for (const item of this.held) {
      if (item.barrier <= seq) released.push(item.message);
      else this.held[keep++] = item;
    }
    this.held.length = keep;
    return released;
  }
}
