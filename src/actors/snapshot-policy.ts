/**
 * When the state machine takes a snapshot: once snapshotEntries entries or
 * snapshotBytes payload bytes have been applied since the last one, whichever
 * comes first (etcd's SnapshotCount, plus a byte bound so a few huge values
 * cannot grow the log without limit).
 */
import type { Entry, LogIndex } from '../raft/types.js';

export interface SnapshotThresholds {
  readonly snapshotEntries: number;
  readonly snapshotBytes: number;
}

export class SnapshotPolicy {
  private entries = 0;
  private bytes = 0;

  /** lastSnapshot: the index of the last snapshot; appliedIndex: where applying resumes. */
  constructor(
    private readonly thresholds: SnapshotThresholds,
    lastSnapshot: LogIndex,
    appliedIndex: LogIndex,
  ) {
    // Entries applied before a restart count; their bytes are unknown and taken as none.
    this.entries = Math.max(0, appliedIndex - lastSnapshot);
  }

  /** Counts an applied batch; true when a snapshot is due after it. */
  applied(batch: readonly Entry[]): boolean {
    this.entries += batch.length;
    for (const entry of batch) this.bytes += entry.data.length;
    return this.entries >= this.thresholds.snapshotEntries || this.bytes >= this.thresholds.snapshotBytes;
  }

  taken(): void {
    this.entries = 0;
    this.bytes = 0;
  }
}
