/**
 * Coded errors of the chaos harness: what the machine or the options can cause,
 * as opposed to assertion failures (harness bugs) and check failures (product bugs,
 * reported in the run's result rather than thrown).
 */
import { CodedError } from '../util/coded-error.js';

export type ChaosErrorCode =
  /** Options out of range (minutes, nodes, clients, ...). */
  | 'BAD_OPTIONS'
  /** iptables was asked for explicitly, or is needed, and cannot be used here. */
  | 'IPTABLES_UNAVAILABLE'
  /** An iptables command failed while adding or removing rules. */
  | 'IPTABLES_FAILED'
  /** A fault proxy could not listen or was used after closing. */
  | 'PROXY_FAILED'
  /** A node process could not be started, or exited on its own. */
  | 'NODE_FAILED'
  /** A membership change or a rolling restart could not be completed (the nemesis records it as a problem). */
  | 'MEMBERSHIP_FAILED'
  /** The healed cluster did not elect a leader or converge in time. */
  | 'NO_CONVERGENCE';

export class ChaosError extends CodedError<ChaosErrorCode> {
  override readonly name = 'ChaosError';

  /** The message leads with the code: chaos runs end in a log someone reads. */
  constructor(code: ChaosErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, `${code}: ${message}`, options);
  }
}
