/**
 * Checks made once faults have stopped and the cluster has settled: every
 * replica holds the same state, no acknowledged write is missing from it, and
 * the client history is linearizable.
 */
import type { Operation } from '../check/history.js';
import { checkHistory } from '../check/linearizability.js';
import type { SimCluster } from './cluster.js';
import type { SimNode } from './node.js';
import { violation } from './violation.js';

/**
 * The nodes that must hold the replicated state: the members of the leading
 * node's configuration (a removed node, or a spare never added, need not).
 */
export function currentMembers(cluster: SimCluster): SimNode[] {
  const config = cluster.leader()?.parts?.core.view().config;
  if (!config) return cluster.known();
  return cluster.nodes.filter((n) => config.members.some((m) => m.id === n.id));
}

/** Every member up, one leader, everything in its log committed and applied on every member. */
export function converged(cluster: SimCluster): boolean {
  const leader = cluster.leader();
  const view = leader?.parts?.core.view();
  if (!view || view.commitIndex < view.lastIndex) return false;
  for (const node of currentMembers(cluster)) {
    const v = node.parts?.core.view();
    if (!v || v.leader !== view.id || v.term !== view.term) return false;
    if (node.disk.appliedIndex !== view.commitIndex) return false;
  }
  return true;
}

/** All members' KV stores are identical. */
export function checkReplicasAgree(cluster: SimCluster): Map<string, string> {
  const [first, ...rest] = currentMembers(cluster).map((node) => ({ id: node.id, kv: node.disk.kvSnapshot() }));
  for (const other of rest) {
    const a = JSON.stringify([...first!.kv]);
    const b = JSON.stringify([...other.kv]);
    if (a !== b) violation('REPLICAS_DIVERGED', `${first!.id} holds ${a} but ${other.id} holds ${b}`);
  }
  return first!.kv;
}

/** The value an operation may have left behind: undefined when it wrote nothing. */
function written(op: Operation): string | null | undefined {
  if (op.status === 'fail') return undefined;
  if (op.kind === 'write') return op.value ?? null;
  if (op.kind === 'delete') return null;
  if (op.kind === 'cas' && (op.status === 'unknown' || op.swapped)) return op.value ?? null;
  return undefined;
}

/**
 * No acknowledged write lost: for every acknowledged write to a key, the
 * key's final value was left by that write or by one not finished before it
 * began (a later or concurrent write).
 */
export function checkAckedWrites(history: readonly Operation[], state: ReadonlyMap<string, string>): void {
  for (const ack of history) {
    if (ack.status !== 'ok' || written(ack) === undefined) continue;
    const final = state.get(ack.key) ?? null;
    const explained = history.some(
      (x) => x.key === ack.key && written(x) === final && (x === ack || x.status === 'unknown' || x.return === null || x.return >= ack.call),
    );
    if (!explained) {
      violation('ACKED_WRITE_LOST', `op #${ack.id} (${ack.kind} ${ack.key}=${String(written(ack))}) was acknowledged, but ${ack.key} ends as ${String(final)}, which no later write left`);
    }
  }
}

export type HistoryVerdict = 'linearizable' | 'undecided';

export function checkLinearizable(history: readonly Operation[]): HistoryVerdict {
  const result = checkHistory(history, { budgetSteps: 2_000_000 });
  if (result.ok === true) return 'linearizable';
  if (result.ok === 'unknown') return 'undecided';
  violation('LINEARIZABILITY', `key ${result.key}: ${result.explanation}`);
}
