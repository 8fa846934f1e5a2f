/**
 * The cluster as seen from outside: every member's INFO (over the client
 * protocol, so it works with or without HTTP), typed, with a verdict on the
 * whole. `raftkv status` prints it and exits non-zero unless the verdict is
 * ok; the dashboard's /cluster serves it.
 */
import type { NodeReport } from '../client/status.js';

export interface MemberInfo {
  readonly address: string;
  readonly up: boolean;
  readonly error?: string;
  readonly node?: string;
  readonly role?: string;
  readonly term?: number;
  readonly leader?: string | null;
  readonly leaderAddress?: string | null;
  readonly commitIndex?: number;
  readonly appliedIndex?: number;
  readonly lastLogIndex?: number;
  readonly pendingRequests?: number;
  /** Entries behind the leader's last log index (absent without a reachable leader). */
  readonly lagEntries?: number;
  /** Every other INFO field, numbers as numbers. */
  readonly other: Readonly<Record<string, string | number>>;
}

export interface ClusterView {
  /** ok: a leader is reachable and a majority of members is up. */
  readonly ok: boolean;
  readonly problems: readonly string[];
  readonly leader: string | null;
  readonly leaderAddress: string | null;
  readonly term: number | null;
  readonly up: number;
  readonly size: number;
  readonly members: readonly MemberInfo[];
}

const KNOWN = new Set(['node_id', 'role', 'term', 'leader', 'leader_addr', 'commit_index', 'applied_index', 'last_log_index', 'pending_requests']);

/** An INFO value as a number when it is one. */
export function typedValue(text: string): string | number {
  return /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : text;
}

/** A member's typed INFO; `id` names a member that is down (when the caller knows it). */
export function memberInfo(report: NodeReport, id?: string): MemberInfo {
  if (!report.up) return { address: report.address, up: false, error: report.error, ...(id !== undefined && { node: id }), other: {} };
  const info = report.info;
  const num = (name: string): number | undefined => (info[name] !== undefined && /^\d+$/.test(info[name]!) ? Number(info[name]) : undefined);
  const other: Record<string, string | number> = {};
  for (const [name, value] of Object.entries(info)) if (!KNOWN.has(name)) other[name] = typedValue(value);
  return {
    address: report.address,
    up: true,
    ...(info['node_id'] !== undefined && { node: info['node_id'] }),
    ...(info['role'] !== undefined && { role: info['role'] }),
    ...(num('term') !== undefined && { term: num('term') }),
    leader: info['leader'] ? info['leader'] : null,
    leaderAddress: info['leader_addr'] ? info['leader_addr'] : null,
    ...(num('commit_index') !== undefined && { commitIndex: num('commit_index') }),
    ...(num('applied_index') !== undefined && { appliedIndex: num('applied_index') }),
    ...(num('last_log_index') !== undefined && { lastLogIndex: num('last_log_index') }),
    ...(num('pending_requests') !== undefined && { pendingRequests: num('pending_requests') }),
    other,
  };
}

/** The verdict on reports from every member; `ids[i]` names the member reports[i] came from, when known. */
export function clusterView(reports: readonly NodeReport[], ids: readonly string[] = []): ClusterView {
  const members = reports.map((report, i) => memberInfo(report, ids[i]));
  const leaders = members.filter((m) => m.up && m.role === 'leader');
  // Two nodes may both say leader for a moment (an old one not yet deposed): the higher term is the leader.
  const leader = leaders.sort((a, b) => (b.term ?? 0) - (a.term ?? 0))[0];
  const up = members.filter((m) => m.up).length;
  const quorum = Math.floor(reports.length / 2) + 1;
  const problems: string[] = [];
  if (leader === undefined) problems.push('no leader reachable');
  if (up < quorum) problems.push(`quorum down: ${up} of ${reports.length} members reachable, ${quorum} needed`);
  const withLag = members.map((m) =>
    leader !== undefined && m.up && m.lastLogIndex !== undefined && leader.lastLogIndex !== undefined
      ? { ...m, lagEntries: Math.max(0, leader.lastLogIndex - m.lastLogIndex) }
      : m,
  );
  return {
    ok: problems.length === 0,
    problems,
    leader: leader?.node ?? null,
    leaderAddress: leader?.address ?? null,
    term: leader?.term ?? null,
    up,
    size: reports.length,
    members: withLag,
  };
}
