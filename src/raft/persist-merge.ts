import type { PersistRequest } from './ready.js';

/**
 * Two persist requests as one, with the effect of writing `earlier` then
 * `later`: the lower truncation point, the later hard state, and the later
 * entries replacing whatever they overlap. Group commit writes a queue of
 * requests as one synced batch this way.
 */
export function mergePersists(earlier: PersistRequest, later: PersistRequest): PersistRequest {
  const truncates = [earlier.truncateFrom, later.truncateFrom].filter((i): i is number => i !== undefined);
  const cut = Math.min(later.entries[0]?.index ?? Infinity, later.truncateFrom ?? Infinity);
  const hardState = later.hardState ?? earlier.hardState;
  // The log's start only moves forward, so the later compaction covers the earlier one.
  const compact = later.compact ?? earlier.compact;
  return {
    seq: later.seq,
    ...(hardState !== undefined ? { hardState } : {}),
    ...(compact !== undefined ? { compact } : {}),
    ...(truncates.length > 0 ? { truncateFrom: Math.min(...truncates) } : {}),
    entries: [...earlier.entries.filter((entry) => entry.index < cut), ...later.entries],
  };
}
