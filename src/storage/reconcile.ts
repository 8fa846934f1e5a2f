/**
 * A node that crashed after switching its state machine to a received
 * snapshot but before restarting its log there comes back with a snapshot
 * ahead of its log. The snapshot holds only committed state, so the log
 * restarts at its point, as the install would have done (section 7).
 */
import type { SnapshotMeta } from '../raft/types.js';
import type { RaftState, RaftWrite } from './interfaces.js';

/** The write that restarts the log at the snapshot, or null when the log already fits it. */
export function logRestartFor(state: RaftState, snapshot: SnapshotMeta | null): RaftWrite | null {
  const start = state.logStart.index;
  if (snapshot === null || snapshot.index <= start) return null;
  const held = state.entries[snapshot.index - start - 1];
  if (held !== undefined && held.term === snapshot.term) return null;
  return {
    ...(state.entries.length > 0 ? { truncateFrom: start + 1 } : {}),
    compact: { index: snapshot.index, term: snapshot.term },
    entries: [],
  };
}
