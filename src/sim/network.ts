/**
 * A simulated network between nodes. Each message gets its own delay; it may
 * be lost, duplicated, or held back long enough to arrive after later ones
 * (reordering). Links can be cut in one direction or both; a cut also drops
 * messages already in flight on it when they come due, as a reset connection
 * would. A message for a node that is down, or that restarted since it was
 * sent, or that no longer listens at the address it was sent to, is dropped.
 *
 * Each node reaches it through a SimTransport (transport.ts), which decides
 * who it may send to and whose messages it accepts, as the TCP transport does.
 */
import type { Message, NodeId } from '../raft/types.js';
import type { StartTimer } from '../transport/directory.js';
import type { SimLoop } from './loop.js';
import type { Rng } from './rng.js';
import { SimTransport, type SimTransportOptions } from './transport.js';

export interface NetworkConditions {
  readonly delayMsMin: number;
  readonly delayMsMax: number;
  readonly lossProbability: number;
  readonly duplicateProbability: number;
  /** Probability that a message is held back by up to reorderDelayMs more. */
  readonly reorderProbability: number;
  readonly reorderDelayMs: number;
}

export const CALM_NETWORK: NetworkConditions = {
  delayMsMin: 0.5,
  delayMsMax: 5,
  lossProbability: 0,
  duplicateProbability: 0,
  reorderProbability: 0,
  reorderDelayMs: 0,
};

export interface NetworkStats {
  sent: number;
  delivered: number;
  dropped: number;
  duplicated: number;
}

export class SimNetwork {
  conditions: NetworkConditions = CALM_NETWORK;
  readonly stats: NetworkStats = { sent: 0, delivered: 0, dropped: 0, duplicated: 0 };
  /** Cut links, as "from>to". */
  private readonly cut = new Set<string>();
  private readonly receivers = new Map<NodeId, Receiver>();
  private generation = 0;
  /**
   * How often a crash is seen by the peers (a process's kernel closing its
   * sockets) rather than silent (a machine gone). A quarter: a noticed crash
   * makes the next election orderly (the survivors stand in id order), and
   * the rarer bugs need the disorder of timed-out elections (at one half,
   * named bug 15 went uncaught in 1,000 seeds; at a quarter it is caught).
   */
  departureNoticeProbability = 0.25;
  /** Says whether a node is frozen: what arrives for it then is lost. */
  frozen: (id: NodeId) => boolean = () => false;

  constructor(
    private readonly loop: SimLoop,
    private readonly rng: Rng,
  ) {}

  /** A transport for one incarnation of node `id`. */
  transport(id: NodeId, options: SimTransportOptions): SimTransport {
    return new SimTransport(this, id, ++this.generation, options);
  }

  /**
   * @internal A SimTransport started: what arrives for id at address goes to
   * receive; departed hears of peers whose connections close (see detach).
   */
  attach(id: NodeId, generation: number, address: string, receive: Receiver['receive'], departed: Receiver['departed']): void {
    this.receivers.set(id, { receive, departed, generation, address });
  }

  /** @internal Virtual-time timers for a transport's learned-link sweeps. */
  readonly startTimer: StartTimer = (ms, fn) => {
    let live = true;
    this.loop.after(ms, () => {
      if (live) fn();
    });
    return () => {
      live = false;
    };
  };

  /**
   * The node crashed: it receives nothing more until a new transport starts.
   * With departureNoticeProbability its peers hear of it after a message
   * delay, as of a crashed process's closed connections; otherwise (a machine
   * gone) or over a cut link, they do not.
   */
  detach(id: NodeId, generation?: number): void {
    const receiver = this.receivers.get(id);
    if (!receiver || (generation !== undefined && receiver.generation !== generation)) return;
    this.receivers.delete(id);
    if (!this.rng.chance(this.departureNoticeProbability)) return;
    for (const [peer, other] of this.receivers) {
      if (this.isCut(id, peer)) continue;
      const delay = this.conditions.delayMsMin + this.rng.float() * (this.conditions.delayMsMax - this.conditions.delayMsMin);
      this.loop.after(delay, () => {
        if (this.receivers.get(peer) === other && !this.frozen(peer)) other.departed(receiver.address, id);
      });
    }
  }

  isCut(from: NodeId, to: NodeId): boolean {
    return this.cut.has(`${from}>${to}`);
  }

  cutLink(from: NodeId, to: NodeId): void {
    this.cut.add(`${from}>${to}`);
  }

  healAll(): void {
    this.cut.clear();
  }

  /** Cuts every link between different groups, both ways. */
  partition(groups: readonly (readonly NodeId[])[]): void {
    for (const a of groups) {
      for (const b of groups) {
        if (a === b) continue;
        for (const from of a) for (const to of b) this.cutLink(from, to);
      }
    }
  }

  /**
   * @internal Sends message from the sender's incarnation `generation` to
   * whoever listens at `address` (the sender advertising `from`). Returns
   * false when it is dropped at once (sender gone, link cut, lost).
   */
  send(message: Message, generation: number, address: string, from: Envelope): boolean {
    this.stats.sent++;
    const sender = this.receivers.get(message.from);
    // A crashed incarnation's actors may still flush a last batch: it never leaves the machine.
    if (!sender || sender.generation !== generation) return this.drop();
    const c = this.conditions;
    if (this.isCut(message.from, message.to) || this.rng.chance(c.lossProbability)) return this.drop();
    this.schedule(message, address, from);
    if (this.rng.chance(c.duplicateProbability)) {
      this.stats.duplicated++;
      this.schedule(message, address, from);
    }
    return true;
  }

  private schedule(message: Message, address: string, from: Envelope): void {
    const c = this.conditions;
    let delay = c.delayMsMin + this.rng.float() * (c.delayMsMax - c.delayMsMin);
    if (this.rng.chance(c.reorderProbability)) delay += this.rng.float() * c.reorderDelayMs;
    const target = this.receivers.get(message.to);
    const generation = target?.generation;
    this.loop.after(delay, () => {
      const now = this.receivers.get(message.to);
      if (!now || now.generation !== generation || now.address !== address || this.isCut(message.from, message.to) || this.frozen(message.to)) {
        this.drop();
        return;
      }
      this.stats.delivered++;
      now.receive(message, from);
    });
  }

  private drop(): false {
    this.stats.dropped++;
    return false;
  }
}

/** What travels with a message besides itself: the sender's advertised address and the frame size it is counted at. */
export interface Envelope {
  /** host:port */
  readonly listen: string;
  /** 0 unless the sender measures bytes. */
  readonly frameBytes: number;
}

interface Receiver {
  readonly receive: (message: Message, from: Envelope) => void;
  /** The node listening at address (id) went away. */
  readonly departed: (address: string, id: NodeId) => void;
  readonly generation: number;
  /** host:port */
  readonly address: string;
}
