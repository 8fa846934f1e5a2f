/**
 * A simulated network between nodes. Each message gets its own delay; it may
 * be lost, duplicated, or held back long enough to arrive after later ones
 * (reordering). Links can be cut in one direction or both; a cut also drops
 * messages already in flight on it when they come due, as a reset connection
 * would. A message for a node that is down, or that restarted since it was
 * sent, is dropped.
 */
import type { Message, NodeId } from '../raft/types.js';
import type { Transport } from '../transport/transport.js';
import type { SimLoop } from './loop.js';
import type { Rng } from './rng.js';

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
  private readonly receivers = new Map<NodeId, { handler: (message: Message) => void; generation: number }>();
  private generation = 0;
  /** Says whether a node is frozen: what arrives for it then is lost. */
  frozen: (id: NodeId) => boolean = () => false;

  constructor(
    private readonly loop: SimLoop,
    private readonly rng: Rng,
  ) {}

  /** A transport for one incarnation of node `id`. */
  transport(id: NodeId): Transport {
    const generation = ++this.generation;
    return {
      start: (onMessage) => {
        this.receivers.set(id, { handler: onMessage, generation });
        return Promise.resolve();
      },
      send: (message) => this.send(message, generation),
      stop: () => {
        this.detach(id, generation);
        return Promise.resolve();
      },
    };
  }

  /** The node crashed: it receives nothing more until a new transport starts. */
  detach(id: NodeId, generation?: number): void {
    const receiver = this.receivers.get(id);
    if (receiver && (generation === undefined || receiver.generation === generation)) this.receivers.delete(id);
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

  private send(message: Message, generation: number): void {
    this.stats.sent++;
    const sender = this.receivers.get(message.from);
    // A crashed incarnation's actors may still flush a last batch: it never leaves the machine.
    if (!sender || sender.generation !== generation) return this.drop();
    const c = this.conditions;
    if (this.isCut(message.from, message.to) || this.rng.chance(c.lossProbability)) return this.drop();
    this.schedule(message);
    if (this.rng.chance(c.duplicateProbability)) {
      this.stats.duplicated++;
      this.schedule(message);
    }
  }

  private schedule(message: Message): void {
    const c = this.conditions;
    let delay = c.delayMsMin + this.rng.float() * (c.delayMsMax - c.delayMsMin);
    if (this.rng.chance(c.reorderProbability)) delay += this.rng.float() * c.reorderDelayMs;
    const target = this.receivers.get(message.to);
    const generation = target?.generation;
    this.loop.after(delay, () => {
      const now = this.receivers.get(message.to);
      if (!now || now.generation !== generation || this.isCut(message.from, message.to) || this.frozen(message.to)) return this.drop();
      this.stats.delivered++;
      now.handler(message);
    });
  }

  private drop(): void {
    this.stats.dropped++;
  }
}
