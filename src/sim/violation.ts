/**
 * What a simulated run can find wrong. Each kind names the property that
 * failed; a SimViolation stops the run where it was detected.
 */

export const VIOLATION_KINDS = [
  'ELECTION_SAFETY',
  'LEADER_APPEND_ONLY',
  'LOG_MATCHING',
  'LEADER_COMPLETENESS',
  /** A committed entry is missing from a node that could still win an election. */
  'COMMITTED_ENTRY_AT_RISK',
  /** Two elections of one term could be won by electorates that share no node, under configurations the logs could be in. */
  'DISJOINT_MAJORITIES',
  'STATE_MACHINE_SAFETY',
  'COMMIT_REGRESSED',
  'TERM_REGRESSED',
  'VOTE_CHANGED',
  'DURABLE_BEFORE_ACK',
  'ACKED_WRITE_LOST',
  'REPLICAS_DIVERGED',
  'LINEARIZABILITY',
  'LIVENESS',
  /** The product code threw (an assertion in the core, an actor error). */
  'NODE_CRASHED',
] as const;

export type ViolationKind = (typeof VIOLATION_KINDS)[number];

export class SimViolation extends Error {
  override readonly name = 'SimViolation';
  readonly code = 'SIM_VIOLATION';

  constructor(
    readonly kind: ViolationKind,
    message: string,
    readonly node: string | null = null,
  ) {
    super(`${kind}: ${message}`);
  }
}

export function violation(kind: ViolationKind, message: string, node: string | null = null): never {
  throw new SimViolation(kind, message, node);
}
