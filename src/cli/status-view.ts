/** Prints `raftkv status`: one row per node, `down` for the unreachable. */
import type { NodeReport } from '../client/status.js';
import { table } from './format.js';

const HEADER = ['node', 'address', 'role', 'term', 'leader', 'commit', 'applied', 'last log index'] as const;

export function statusTable(reports: readonly NodeReport[]): string {
  const rows = reports.map((r) => {
    if (!r.up) return ['?', r.address, 'down', '', '', '', '', ''];
    const f = (name: string): string => r.info[name] ?? '';
    return [f('node_id'), r.address, f('role'), f('term'), f('leader') || '(none)', f('commit_index'), f('applied_index'), f('last_log_index')];
  });
  return table(HEADER, rows);
}

/** The machine form for --json: every INFO field as reported, or the error. */
export function statusJson(reports: readonly NodeReport[]): string {
  return JSON.stringify(
    reports.map((r) => (r.up ? { address: r.address, up: true, ...r.info } : { address: r.address, up: false, error: r.error })),
    null,
    2,
  );
}
