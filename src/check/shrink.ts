/**
 * Greedy delta debugging for failing one-key histories: try dropping whole clients,
 * then halves, quarters, ... single operations, keeping each removal after which the
 * history still fails. Only removals `safeRemoval` allows are tried, so the small
 * history fails only if the original does.
 */
import type { Operation } from './history.js';
import { safeRemoval } from './removal.js';

export interface ShrinkOptions {
  /** At most this many calls of `fails`; shrinking stops early (still sound) after. */
  checksMax?: number;
}

const CHECKS_MAX_DEFAULT = 2000;

/** Returns a sub-history of `ops` for which `fails` holds, assuming it holds for `ops`. */
export function shrinkHistory(
  ops: readonly Operation[],
  fails: (ops: Operation[]) => boolean,
  options: ShrinkOptions = {},
): Operation[] {
  const shrinker = new Shrinker(ops, fails, options.checksMax ?? CHECKS_MAX_DEFAULT);
  let size = shrinker.size();
  for (;;) {
    shrinker.dropClients();
    shrinker.dropChunks();
    if (shrinker.size() === size || shrinker.exhausted()) break;
    size = shrinker.size();
  }
  return shrinker.current;
}

class Shrinker {
  current: Operation[];
  private checks = 0;

  constructor(
    ops: readonly Operation[],
    private readonly fails: (ops: Operation[]) => boolean,
    private readonly checksMax: number,
  ) {
    this.current = [...ops].sort((a, b) => a.call - b.call || a.id - b.id);
  }

  size(): number {
    return this.current.length;
  }

  exhausted(): boolean {
    return this.checks >= this.checksMax;
  }

  dropClients(): void {
    const clients = [...new Set(this.current.map((op) => op.client))];
    if (clients.length < 2) return;
    for (const client of clients) this.tryRemove(this.current.filter((op) => op.client === client));
  }

  /** Chunks of halving size, in time order; a chunk that goes is not skipped past. */
  dropChunks(): void {
    for (let size = Math.ceil(this.size() / 2); size >= 1 && !this.exhausted(); size = size === 1 ? 0 : Math.ceil(size / 2)) {
      let i = 0;
      while (i < this.size() && !this.exhausted()) {
        if (!this.tryRemove(this.current.slice(i, i + size))) i += size;
      }
    }
  }

  private tryRemove(chunk: Operation[]): boolean {
    if (this.exhausted() || chunk.length === this.size()) return false;
    const removed = safeRemoval(this.current, new Set(chunk));
    if (removed.size === 0) return false;
    const next = this.current.filter((op) => !removed.has(op));
    this.checks++;
    if (!this.fails(next)) return false;
    this.current = next;
    return true;
  }
}
