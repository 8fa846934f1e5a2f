/**
 * The client-session table (Raft dissertation 6.3, as in LogCabin): per
 * session, the results of its recent writes, so a retried write is answered
 * from the table instead of being applied twice.
 *
 * Everything here is decided by log positions only, never a clock, so every
 * replica expires and evicts exactly the same sessions:
 * - a session unused for sessionIdleEntriesMax log entries has expired;
 * - opening a session beyond sessionsMax evicts the least recently used one;
 * - a session keeps the results of its last sessionResultsMax sequence
 *   numbers, less those the client acknowledged (every write may carry the
 *   lowest sequence number it still awaits); a retry older than that is
 *   refused rather than re-applied.
 */
import { Packr } from 'msgpackr';
import type { LogIndex } from '../raft/types.js';
import { assert } from '../util/assert.js';
import type { KvResult, SessionTag } from './commands.js';

export interface SessionLimits {
  readonly sessionsMax: number;
  readonly sessionResultsMax: number;
  readonly sessionIdleEntriesMax: number;
}

/** A session as stored: opaque bytes under its id. */
export interface StoredSession {
  readonly id: number;
  readonly data: Uint8Array;
}

export interface SessionChanges {
  readonly put: readonly StoredSession[];
  readonly del: readonly number[];
}

interface Session {
  readonly id: number;
  lastActive: LogIndex;
  highestSeq: number;
  /** Every sequence number up to here is forgotten: acknowledged, or out of the window. */
  floor: number;
  readonly results: Map<number, KvResult>;
}

export type Admission = { readonly apply: true } | { readonly apply: false; readonly result: KvResult };

const packr = new Packr({ useRecords: false });

export class SessionTable {
  private readonly sessions = new Map<number, Session>();
  private readonly changed = new Set<number>();
  private readonly deleted = new Set<number>();

  constructor(
    private readonly limits: SessionLimits,
    stored: readonly StoredSession[] = [],
  ) {
    for (const record of stored) this.sessions.set(record.id, decodeSession(record));
  }

  size(): number {
    return this.sessions.size;
  }

  /** Opens a session at log index `index`; its id is that index. */
  open(index: LogIndex): KvResult {
    this.dropIdle(index);
    while (this.sessions.size >= this.limits.sessionsMax) this.remove(this.leastRecentlyUsed());
    assert(!this.sessions.has(index), `session ${index} opened twice`);
    this.sessions.set(index, { id: index, lastActive: index, highestSeq: 0, floor: 0, results: new Map() });
    this.changed.add(index);
    return { type: 'int', value: index };
  }

  /** Whether the write tagged `tag` at `index` is to be applied, or answered without applying it. */
  admit(tag: SessionTag, index: LogIndex): Admission {
    const session = this.sessions.get(tag.id);
    if (!session || index - session.lastActive > this.limits.sessionIdleEntriesMax) {
      if (session) this.remove(session.id);
      return { apply: false, result: { type: 'error', message: `SESSION_EXPIRED session ${tag.id} has expired or was evicted; open a new one (the request was not applied)` } };
    }
    const recorded = session.results.get(tag.seq);
    if (recorded) return { apply: false, result: recorded };
    if (tag.seq <= session.floor) {
      return { apply: false, result: { type: 'error', message: `SESSION_STALE request ${tag.seq} of session ${tag.id} was acknowledged or is older than the last ${this.limits.sessionResultsMax} kept; its outcome is no longer known` } };
    }
    return { apply: true };
  }

  /** Records the result of an applied write. */
  record(tag: SessionTag, index: LogIndex, result: KvResult): void {
    const session = this.sessions.get(tag.id);
    assert(session !== undefined, `recording for unknown session ${tag.id}`);
    session.results.set(tag.seq, result);
    session.highestSeq = Math.max(session.highestSeq, tag.seq);
    session.lastActive = index;
    // Keep the last sessionResultsMax results, and none the client has acknowledged.
    session.floor = Math.max(session.floor, session.highestSeq - this.limits.sessionResultsMax, (tag.lowestPending ?? 1) - 1);
    for (const seq of session.results.keys()) if (seq <= session.floor) session.results.delete(seq);
    this.changed.add(tag.id);
  }

  /** What changed since the last call, for the next state-machine batch. */
  takeChanges(): SessionChanges {
    const put: StoredSession[] = [];
    for (const id of this.changed) {
      const session = this.sessions.get(id);
      if (session) put.push({ id, data: encodeSession(session) });
    }
    const changes = { put, del: [...this.deleted] };
    this.changed.clear();
    this.deleted.clear();
    return changes;
  }

  private dropIdle(index: LogIndex): void {
    for (const session of [...this.sessions.values()]) {
      if (index - session.lastActive > this.limits.sessionIdleEntriesMax) this.remove(session.id);
    }
  }

  private leastRecentlyUsed(): number {
    let oldest: Session | undefined;
    for (const session of this.sessions.values()) {
      if (!oldest || session.lastActive < oldest.lastActive) oldest = session;
    }
    return oldest!.id;
  }

  private remove(id: number): void {
    this.sessions.delete(id);
    this.changed.delete(id);
    this.deleted.add(id);
  }
}

function encodeSession(session: Session): Uint8Array {
  const results = [...session.results].map(([seq, r]) =>
    r.type === 'ok' ? [seq, 0] : r.type === 'int' ? [seq, 1, r.value] : r.type === 'error' ? [seq, 2, r.message] : [seq, 3, r],
  );
  return packr.pack([session.lastActive, session.highestSeq, session.floor, results]);
}

function decodeSession(record: StoredSession): Session {
  const [lastActive, highestSeq, floor, results] = packr.unpack(record.data) as [number, number, number, Array<[number, number, unknown?]>];
  assert(Number.isSafeInteger(lastActive) && Array.isArray(results), `session ${record.id} record is damaged`);
  const map = new Map<number, KvResult>();
  for (const [seq, kind, value] of results) {
    map.set(seq, kind === 0 ? { type: 'ok' } : kind === 1 ? { type: 'int', value: value as number } : kind === 2 ? { type: 'error', message: String(value) } : storedResult(value));
  }
  return { id: record.id, lastActive, highestSeq, floor, results: map };
}

/** A richer result (a value, a list), stored as msgpack of the result itself. */
function storedResult(value: unknown): KvResult {
  const type = (value as { type?: unknown } | null)?.type;
  assert(type === 'bulk' || type === 'values' || type === 'double' || type === 'results', 'session result record is damaged');
  return value as KvResult;
}
