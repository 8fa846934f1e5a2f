/** Prints `raftkv status`: one row per node, `down` for the unreachable, and a verdict on the cluster. */
import type { NodeReport } from '../client/status.js';
import { clusterView, type ClusterView } from '../metrics/cluster.js';
import { table } from './format.js';

const HEADER = ['node', 'address', 'role', 'term', 'leader', 'commit', 'applied', 'last log index'] as const;

export function statusTable(reports: readonly NodeReport[]): string {
  const rows = reports.map((r) => {
    if (!r.up) return ['?', r.address, 'down', '', '', '', '', ''];
    const f = (name: string): string => r.info[name] ?? '';
    return [f('node_id'), r.address, f('role'), f('term'), f('leader') || '(none)', f('commit_index'), f('applied_index'), f('last_log_index')];
  });
  return `${table(HEADER, rows)}\n${verdictLine(clusterView(reports))}`;
}

/** `cluster ok: leader n2 in term 3, 3 of 3 members up`, or what is wrong. */
export function verdictLine(view: ClusterView): string {
  const members = `${view.up} of ${view.size} members up`;
  if (view.ok) return `cluster ok: leader ${view.leader} in term ${view.term}, ${members}`;
  return `cluster NOT OK: ${view.problems.join('; ')}`;
}

/** The machine form for --json: the verdict and every member's INFO fields, numbers as numbers. */
export function statusJson(reports: readonly NodeReport[], pretty = true): string {
  return JSON.stringify(clusterView(reports), null, pretty ? 2 : undefined);
}
