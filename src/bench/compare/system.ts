/** A system under test, started fresh in its own directory, stopped at the end of a run. */
import type { LoadTarget } from './target.js';

export type SystemName = 'raftkv' | 'etcd' | 'redis';

export interface RunningSystem {
  readonly name: SystemName;
  /** Every server process, for CPU accounting. */
  pids(): number[];
  /** Where load goes: the leader (raftkv, etcd) or the one node (Redis). */
  target(): LoadTarget;
  /** The RESP port redis-benchmark drives, where the system speaks RESP. */
  readonly respPort?: number;
  stop(): Promise<void>;
}
