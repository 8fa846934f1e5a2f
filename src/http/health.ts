/**
 * GET /health and GET /ready as pure verdicts on a node's status.
 *
 * Healthy (200): this node knows a leader and has applied within
 * `healthApplyLagEntriesMax` entries of its commit index, so it can serve
 * requests with fresh data. Ready (200): the node is running and knows a
 * leader, so a client sent here is served or redirected, not refused.
 * Otherwise 503, with the reason in the body (etcd's /health shape).
 */
import type { NodeStatusJson } from '../metrics/status.js';

export interface Verdict {
  readonly ok: boolean;
  readonly reason: string;
}

export interface HealthBody extends Verdict {
  readonly node: string;
  readonly role: string;
  readonly term: number;
  readonly leader: string | null;
  readonly commitIndex: number;
  readonly appliedIndex: number;
}

export function healthOf(status: NodeStatusJson, applyLagEntriesMax: number): Verdict {
  if (status.leader === null) return { ok: false, reason: `no leader known in term ${status.term}` };
  const lag = status.commitIndex - status.appliedIndex;
  if (lag > applyLagEntriesMax) {
    return {
      ok: false,
      reason: `applied index ${status.appliedIndex} is ${lag} entries behind commit index ${status.commitIndex} (healthApplyLagEntriesMax ${applyLagEntriesMax})`,
    };
  }
  return { ok: true, reason: `leader ${status.leader} in term ${status.term}; ${lag} committed entries left to apply` };
}

export function readinessOf(status: NodeStatusJson, stopping: boolean): Verdict {
  if (stopping) return { ok: false, reason: 'node is stopping' };
  if (status.leader === null) return { ok: false, reason: `no leader known in term ${status.term}: requests would get TRYAGAIN` };
  return { ok: true, reason: status.role === 'leader' ? 'serving as leader' : `following leader ${status.leader}` };
}

export function healthBody(status: NodeStatusJson, verdict: Verdict): HealthBody {
  const { node, role, term, leader, commitIndex, appliedIndex } = status;
  return { ...verdict, node, role, term, leader, commitIndex, appliedIndex };
}
