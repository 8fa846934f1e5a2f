/**
 * Counter children by two label values, looked up without building a label
 * object per increment (the network and client counters are touched for
 * every message and request).
 */
import type { Counter } from 'prom-client';

type Child = ReturnType<Counter<string>['labels']>;

export class LabelCache {
  private readonly children = new Map<string, Map<string, Child>>();

  constructor(
    private readonly counter: Counter<string>,
    private readonly names: readonly [string, string],
  ) {}

  child(first: string, second: string): Child {
    let inner = this.children.get(first);
    if (inner === undefined) this.children.set(first, (inner = new Map()));
    let child = inner.get(second);
    if (child === undefined) {
      const [a, b] = this.names;
      inner.set(second, (child = this.counter.labels({ [a]: first, [b]: second })));
    }
    return child;
  }
}
