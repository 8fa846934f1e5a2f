/**
 * Whether two elections can both be won with no voter in common: the
 * question behind membership safety. One vote per node per term means two
 * leaders of one term need disjoint electorates, so configurations that may
 * be in force together must have intersecting majorities (dissertation 4.1:
 * configurations one server apart always do; two apart may not).
 *
 * Pure; test/sim/majorities.test.ts checks it against brute force.
 */
import { quorumSize } from '../raft/quorum.js';
import type { NodeId } from '../raft/types.js';

/** One side of an election: the configuration's voters, and optionally who campaigns and who would vote for it. */
export interface Electorate {
  readonly voters: readonly NodeId[];
  /** The candidate: it votes for itself and for no one else. Absent: any majority. */
  readonly candidate?: NodeId;
  /** Whether a voter would grant this candidate its vote (default: every voter would). */
  readonly willing?: (voter: NodeId) => boolean;
}

/**
 * A majority of each side, sharing no node, when there is one; null when
 * every majority of one meets every majority of the other.
 */
export function disjointMajorities(a: Electorate, b: Electorate): [NodeId[], NodeId[]] | null {
  if (a.voters.length === 0 || b.voters.length === 0) return null;
  // One node casts one vote a term: it cannot campaign on both sides.
  if (a.candidate !== undefined && a.candidate === b.candidate) return null;
  const pa = pool(a, b);
  const pb = pool(b, a);
  const inB = new Set(pb);
  const inA = new Set(pa);
  // Voters only one side can have go to that side; the shared ones are split as needed.
  const onlyA = pa.filter((id) => !inB.has(id));
  const onlyB = pb.filter((id) => !inA.has(id));
  const shared = pa.filter((id) => inB.has(id));
  const qa = quorumSize(a.voters.length);
  const qb = quorumSize(b.voters.length);
  const takeA = onlyA.slice(0, qa);
  const takeB = onlyB.slice(0, qb);
  const needA = qa - takeA.length;
  const needB = qb - takeB.length;
  if (needA + needB > shared.length) return null;
  return [
    [...takeA, ...shared.slice(0, needA)],
    [...takeB, ...shared.slice(needA, needA + needB)],
  ];
}

/** Whether some majority of voters `a` and some majority of voters `b` share no node. */
export function majoritiesMayBeDisjoint(a: readonly NodeId[], b: readonly NodeId[]): boolean {
  return disjointMajorities({ voters: a }, { voters: b }) !== null;
}

/** Who may vote on side e: its candidate first, never the other side's candidate, only the willing. */
function pool(e: Electorate, other: Electorate): NodeId[] {
  if (e.candidate !== undefined && !e.voters.includes(e.candidate)) return [];
  const rest = e.voters.filter((id) => id !== e.candidate && id !== other.candidate && (e.willing?.(id) ?? true));
  return e.candidate === undefined ? rest : [e.candidate, ...rest];
}
