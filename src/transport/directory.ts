/**
 * Who a transport talks to: the one owner of that answer for every Transport
 * (TCP, in-memory, the simulator's). It holds one link per peer it can send
 * to, of whatever kind the transport uses, and decides when links open and
 * close:
 *
 * - members, with the addresses the configuration gives (setMembers);
 * - removed ids (setRemoved): never linked, even if still listed as members;
 * - learned senders: a frame from an id that is neither a member nor removed
 *   is accepted (it can be a member added by a configuration entry this node
 *   has not received yet, such as a new leader after a partition), and this
 *   node answers it at the address its envelope advertises. At most
 *   learnedMax such links exist at once; one not heard from for about
 *   learnedIdleMs is closed, and setMembers closes every one it does not list.
 *
 * The transport refuses frames from removed ids itself (it asks isRemoved),
 * then reports every accepted frame through heard(), which is on the hot path:
 * one map lookup, no allocation.
 */
import type { Logger } from 'pino';
import { formatHostPort, tryParseHostPort } from '../config/address.js';
import type { NodeId } from '../raft/types.js';
import { assert } from '../util/assert.js';
import { RateLimitedWarn } from '../log/rate-limited.js';
import { clip } from './stats.js';
import type { PeerAddress } from './transport.js';

/** Learned links at once: enough for every plausible new member, few enough that a forger cannot make us dial far and wide. */
export const LEARNED_LINKS_MAX = 16;
/** A learned link not heard from for between one and two of these is closed. */
export const LEARNED_IDLE_MS = 30_000;

export type LinkCloseReason = 'no longer a member' | 'removed' | 'address changed' | 'idle' | 'transport stopped';

/** Starts a one-shot timer; returns its cancel function. */
export type StartTimer = (ms: number, fn: () => void) => () => void;

export interface PeerDirectoryOptions<L> {
  readonly self: NodeId;
  /** Builds the link to peer (the transport starts dialling if it is running). */
  readonly open: (peer: PeerAddress, learned: boolean) => L;
  /** Tears a link down: its queue is dropped (and counted), its connection closed. */
  readonly close: (link: L, id: NodeId, learned: boolean, reason: LinkCloseReason) => void;
  readonly startTimer: StartTimer;
  readonly learnedMax?: number;
  readonly learnedIdleMs?: number;
  /** Absent: nothing is logged (the simulator). */
  readonly logger?: Logger;
}

/** What a link points at, for diagnostics and tests. */
export interface LinkInfo {
  readonly id: NodeId;
  /** host:port */
  readonly address: string;
  readonly learned: boolean;
}

interface Entry<L> {
  readonly link: L;
  readonly address: string;
  learned: boolean;
  /** Learned links: a frame arrived since the last sweep. */
  heard: boolean;
}

export class PeerDirectory<L> {
  private readonly entries = new Map<NodeId, Entry<L>>();
  private members: ReadonlyMap<NodeId, PeerAddress> = new Map();
  private removed: ReadonlySet<NodeId> = new Set();
  private learned = 0;
  private cancelSweep: (() => void) | null = null;
  private readonly learnedMax: number;
  private readonly learnedIdleMs: number;
  private readonly refusals: RateLimitedWarn | null;

  constructor(private readonly options: PeerDirectoryOptions<L>) {
    this.learnedMax = options.learnedMax ?? LEARNED_LINKS_MAX;
    this.learnedIdleMs = options.learnedIdleMs ?? LEARNED_IDLE_MS;
    this.refusals = options.logger ? new RateLimitedWarn(options.logger) : null;
  }

  /**
   * The current members other than self (self is ignored if listed). New ids
   * get a link, ids no longer listed lose theirs (learned links included), a
   * changed address gets a new link. Idempotent.
   */
  setMembers(peers: readonly PeerAddress[]): void {
    const members = new Map<NodeId, PeerAddress>();
    for (const peer of peers) {
      if (peer.id === this.options.self) continue;
      assert(!members.has(peer.id), `member ${peer.id} listed twice`);
      members.set(peer.id, peer);
    }
    this.members = members;
    for (const [id, entry] of this.entries) {
      const member = members.get(id);
      if (member === undefined) this.drop(id, entry, 'no longer a member');
      else if (formatHostPort(member) !== entry.address) this.drop(id, entry, 'address changed');
      else if (entry.learned) this.unlearn(entry);
    }
    this.openMissingMembers();
  }

  /**
   * The complete set of removed ids (it replaces the previous one: an
   * uncommitted removal can be undone by a new leader). Their links close;
   * a member no longer removed gets its link back.
   */
  setRemoved(ids: readonly NodeId[]): void {
    this.removed = new Set(ids.filter((id) => id !== this.options.self));
    for (const [id, entry] of this.entries) if (this.removed.has(id)) this.drop(id, entry, 'removed');
    this.openMissingMembers();
  }

  isRemoved(id: NodeId): boolean {
    return this.removed.has(id);
  }

  /** The link to id, if this node may send to it. */
  linkTo(id: NodeId): L | undefined {
    return this.entries.get(id)?.link;
  }

  /**
   * An accepted frame from `from` (not self, not removed) advertised `listen`
   * (host:port, checked at the edge). Returns the sender's link, learning
   * one if it has none and there is room; null when it has none.
   */
  heard(from: NodeId, listen: string): L | null {
    const entry = this.entries.get(from);
    if (entry === undefined) return this.learn(from, listen);
    if (!entry.learned) return entry.link;
    entry.heard = true;
    if (entry.address === listen) return entry.link;
    // The sender moved (restarted elsewhere): follow it.
    this.drop(from, entry, 'address changed');
    return this.learn(from, listen);
  }

  links(): L[] {
    return [...this.entries.values()].map((entry) => entry.link);
  }

  info(): LinkInfo[] {
    return [...this.entries].map(([id, { address, learned }]) => ({ id, address, learned }));
  }

  /** Closes every link (the transport is stopping). */
  clear(): void {
    for (const [id, entry] of this.entries) this.drop(id, entry, 'transport stopped');
  }

  private openMissingMembers(): void {
    for (const [id, peer] of this.members) {
      if (!this.entries.has(id) && !this.removed.has(id)) this.add(peer, false);
    }
  }

  private learn(from: NodeId, listen: string): L | null {
    if (this.learned >= this.learnedMax) {
      this.refusals?.warn('learned links full', { from: clip(from), listen: clip(listen), learnedMax: this.learnedMax }, 'not answering a sender that is not a member: learned links are full');
      return null;
    }
    const parsed = tryParseHostPort(listen);
    if (typeof parsed === 'string') return null; // the edge checked it; a fake may not have
    // Rate-limited: a forger can make us relearn on every frame by changing its address.
    this.refusals?.warn('learned link', { peer: clip(from), address: listen }, 'answering a sender that is not a member (yet) at the address it advertises');
    return this.add({ id: from, ...parsed }, true).link;
  }

  private add(peer: PeerAddress, learned: boolean): Entry<L> {
    const entry: Entry<L> = { link: this.options.open(peer, learned), address: formatHostPort(peer), learned, heard: true };
    this.entries.set(peer.id, entry);
    if (learned && this.learned++ === 0) this.armSweep();
    return entry;
  }

  private drop(id: NodeId, entry: Entry<L>, reason: LinkCloseReason): void {
    this.entries.delete(id);
    const learned = entry.learned;
    if (learned) this.unlearn(entry);
    this.options.close(entry.link, id, learned, reason);
  }

  private unlearn(entry: Entry<L>): void {
    entry.learned = false;
    if (--this.learned === 0 && this.cancelSweep !== null) {
      this.cancelSweep();
      this.cancelSweep = null;
    }
  }

  /** Runs only while learned links exist, so a fixed membership schedules nothing (the simulator's seeds stay as they were). */
  private armSweep(): void {
    this.cancelSweep = this.options.startTimer(this.learnedIdleMs, () => {
      this.cancelSweep = null;
      for (const [id, entry] of this.entries) {
        if (!entry.learned) continue;
        if (entry.heard) entry.heard = false;
        else this.drop(id, entry, 'idle');
      }
      if (this.learned > 0 && this.cancelSweep === null) this.armSweep();
    });
  }
}

/** A real timer that never keeps the process alive: the learned-link sweep of the TCP and in-memory transports. */
export const unrefTimer: StartTimer = (ms, fn) => {
  const timer = setTimeout(fn, ms);
  timer.unref();
  return () => clearTimeout(timer);
};
