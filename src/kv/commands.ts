/**
 * State-machine commands (what goes into the Raft log) and queries (what a
 * linearizable read asks of the applied state). Keys and values are raw bytes:
 * the store is binary-safe, as Redis is.
 */

/**
 * A client session's claim on a write (Raft dissertation 6.3): the state
 * machine applies each (session, seq) at most once and answers a retry with
 * the result it recorded the first time.
 */
export interface SessionTag {
  readonly id: number;
  readonly seq: number;
  /**
   * The lowest sequence number the client still awaits an answer for (the
   * dissertation's acknowledgement): results below it are never asked for
   * again, so the table drops them. Absent: nothing is acknowledged.
   */
  readonly lowestPending?: number;
}

export type KvWriteCommand =
  | { readonly op: 'set'; readonly key: Uint8Array; readonly value: Uint8Array }
  | { readonly op: 'del'; readonly keys: readonly Uint8Array[] }
  | {
      readonly op: 'cas';
      readonly key: Uint8Array;
      readonly expected: Uint8Array;
      readonly value: Uint8Array;
    };

export type KvCommand =
  | (KvWriteCommand & { readonly session?: SessionTag })
  /** Opens a session; its id is the index of this entry. */
  | { readonly op: 'session-open' };

/** The outcome of applying one command, as the client protocol reports it. */
export type KvResult =
  | { readonly type: 'ok' } // SET
  | { readonly type: 'int'; readonly value: number } // DEL (count), CAS (1 swapped, 0 not), session id
  /** A refusal (a session expired, a wrong type, not an integer); nothing was applied. */
  | { readonly type: 'error'; readonly message: string }
  /** A value or nil (SET ... GET, GETDEL, GETSET). */
  | { readonly type: 'bulk'; readonly value: Uint8Array | null }
  /** Values in request order, nil for a missing key. */
  | { readonly type: 'values'; readonly values: readonly (Uint8Array | null)[] }
  /** INCRBYFLOAT's result, as Redis formats it. */
  | { readonly type: 'double'; readonly value: string }
  /** EXEC: each queued command's result, or null when a watched key changed. */
  | { readonly type: 'results'; readonly results: readonly KvResult[] | null };

export type KvQuery =
  | { readonly op: 'get'; readonly key: Uint8Array }
  | { readonly op: 'exists'; readonly keys: readonly Uint8Array[] }
  /** Redis KEYS: a glob over the whole key space. */
  | { readonly op: 'keys'; readonly pattern: Uint8Array }
  /** Prefix listing; an empty prefix lists everything. */
  | { readonly op: 'list'; readonly prefix: Uint8Array }
  /** How many keys there are (DBSIZE). */
  | { readonly op: 'dbsize' };

export type KvQueryResult =
  | { readonly type: 'value'; readonly value: Uint8Array | null }
  | { readonly type: 'int'; readonly value: number }
  | { readonly type: 'keys'; readonly keys: readonly Uint8Array[] }
  | { readonly type: 'values'; readonly values: readonly (Uint8Array | null)[] }
  /** TYPE's answer. */
  | { readonly type: 'simple'; readonly value: string }
  /** SCAN: the next cursor ('0' when done) and a page of keys. */
  | { readonly type: 'scan'; readonly cursor: string; readonly keys: readonly Uint8Array[] };
