/**
 * Network fault shapes as sets of directed links to cut. A link {from, to} cut means
 * packets from `from` to `to` are dropped; a two-way cut is both links. Pure: the
 * nemesis picks the shape and the nodes, the mechanism (iptables or proxies) drops.
 */
import type { Rng } from './rng.js';

export interface Link {
  readonly from: string;
  readonly to: string;
}

export type PartitionKind = 'halves' | 'isolate-leader' | 'bridge' | 'one-way';

export interface Partition {
  readonly kind: PartitionKind;
  /** Human-readable, for the fault log: e.g. "n1 n3 | n2". */
  readonly description: string;
  readonly cut: readonly Link[];
}

/** Every directed link between nodes of different groups. */
export function cutBetween(groups: readonly (readonly string[])[]): Link[] {
  const cut: Link[] = [];
  groups.forEach((group, i) => {
    groups.forEach((other, j) => {
      if (i === j) return;
      for (const from of group) for (const to of other) cut.push({ from, to });
    });
  });
  return cut;
}

/** A random majority and minority (minority of floor(n/2) nodes), cut both ways. */
export function halves(nodes: readonly string[], rng: Rng): Partition {
  const shuffled = rng.shuffle(nodes);
  const minority = shuffled.slice(0, Math.floor(nodes.length / 2)).sort();
  const majority = shuffled.slice(minority.length).sort();
  return { kind: 'halves', description: `${majority.join(' ')} | ${minority.join(' ')}`, cut: cutBetween([majority, minority]) };
}

/** One node (the leader, when known) alone, cut both ways from all others. */
export function isolate(nodes: readonly string[], target: string): Partition {
  const rest = nodes.filter((n) => n !== target);
  return { kind: 'isolate-leader', description: `${target} | ${rest.join(' ')}`, cut: cutBetween([[target], rest]) };
}

/**
 * Two sides that cannot talk, joined by one bridge node that talks to both (Jepsen's
 * "bridge"): with 5 nodes each side plus the bridge is a majority, so two leaders
 * may be elected in turn; the bridge must keep them from both committing.
 */
export function bridge(nodes: readonly string[], rng: Rng): Partition {
  const [middle, ...rest] = rng.shuffle(nodes);
  if (middle === undefined || rest.length < 2) throw new RangeError('a bridge needs at least 3 nodes');
  const left = rest.slice(0, Math.ceil(rest.length / 2)).sort();
  const right = rest.slice(left.length).sort();
  return { kind: 'bridge', description: `${left.join(' ')} <-> ${middle} <-> ${right.join(' ')}`, cut: cutBetween([left, right]) };
}

/**
 * One node whose packets to all others are dropped while theirs still reach it, or
 * the reverse (it is heard but hears nothing): only one direction is cut.
 */
export function oneWay(nodes: readonly string[], target: string, rng: Rng): Partition {
  const rest = nodes.filter((n) => n !== target);
  const silenced = rng.float() < 0.5;
  const cut = rest.map((other) => (silenced ? { from: target, to: other } : { from: other, to: target }));
  const description = silenced ? `${target} -/-> ${rest.join(' ')}` : `${rest.join(' ')} -/-> ${target}`;
  return { kind: 'one-way', description, cut };
}

/** True when packets from a to b are dropped under `cut`. */
export function isCut(cut: readonly Link[], from: string, to: string): boolean {
  return cut.some((link) => link.from === from && link.to === to);
}
