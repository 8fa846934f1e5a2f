/**
 * The simulator's one source of randomness. Every choice a run makes (delays,
 * faults, client operations, each node's election seed) is drawn from an Rng
 * derived from the run's seed, so the seed decides the whole run.
 */
import { seededRandom, type RandomSource } from '../raft/random.js';

export class Rng {
  private readonly next: RandomSource;

  constructor(readonly seed: number) {
    this.next = seededRandom(seed);
  }

  /** A float in [0, 1). */
  float(): number {
    return this.next();
  }

  /** An integer in [lo, hi). */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo));
  }

  chance(p: number): boolean {
    return p > 0 && this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty list');
    return items[this.int(0, items.length)]!;
  }

  /** A fresh seed for an independent stream (a node, a client, the nemesis). */
  fork(): number {
    return this.int(0, 0x7fffffff);
  }

  /** A new Rng whose draws do not disturb this one's sequence beyond one draw. */
  derive(): Rng {
    return new Rng(this.fork());
  }
}
