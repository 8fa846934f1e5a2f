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

/** A new expiry: absolute (EXAT/PXAT, in ms) or relative to the entry's time (EX/PX, in ms). */
export type ExpirySpec = { readonly at: number } | { readonly in: number };

/**
 * EXPIRE's NX | XX | GT | LT. XX with LT is its own condition: LT alone
 * counts a key without expiry as infinitely lived (so any expiry is less),
 * while XX LT needs an existing expiry. XX with GT is just GT (a key without
 * expiry never has a greater one set).
 */
export type ExpireCondition = 'nx' | 'xx' | 'gt' | 'lt' | 'xx-lt';

/**
 * Commands that change the state. Each is applied deterministically from the
 * entry alone: the time any of them needs is the leader's, carried in the
 * entry (`now` on the command, see codec.ts), never the applying node's.
 */
export type KvWriteCommand =
  /** SET, with its options; `reply` picks SET's (+OK / nil) or SETNX's (:1 / :0) answer. */
  | {
      readonly op: 'set';
      readonly key: Uint8Array;
      readonly value: Uint8Array;
      readonly cond?: 'nx' | 'xx';
      /** GET / GETSET: answer the old value. */
      readonly get?: boolean;
      readonly expire?: ExpirySpec;
      readonly keepTtl?: boolean;
      readonly reply?: 'setnx';
    }
  | { readonly op: 'del'; readonly keys: readonly Uint8Array[] }
  | { readonly op: 'cas'; readonly key: Uint8Array; readonly expected: Uint8Array; readonly value: Uint8Array }
  /** MSET, or MSETNX (`nx`: all or none, only when none exists). */
  | { readonly op: 'mset'; readonly pairs: ReadonlyArray<readonly [Uint8Array, Uint8Array]>; readonly nx?: boolean }
  | { readonly op: 'getdel'; readonly key: Uint8Array }
  /** GETEX: the value, changing its expiry (or removing it with `persist`). */
  | { readonly op: 'getex'; readonly key: Uint8Array; readonly expire?: ExpirySpec; readonly persist?: boolean }
  /** INCR family: `by` is a decimal integer string (64-bit range). */
  | { readonly op: 'incrby'; readonly key: Uint8Array; readonly by: string }
  | { readonly op: 'incrbyfloat'; readonly key: Uint8Array; readonly by: string }
  /** `max`: the leader's valueBytesMax, so every replica refuses the same over-long result. */
  | { readonly op: 'append'; readonly key: Uint8Array; readonly value: Uint8Array; readonly max: number }
  | { readonly op: 'expire'; readonly key: Uint8Array; readonly expire: ExpirySpec; readonly cond?: ExpireCondition }
  | { readonly op: 'persist'; readonly key: Uint8Array }
  | { readonly op: 'rename'; readonly key: Uint8Array; readonly to: Uint8Array; readonly nx?: boolean }
  | { readonly op: 'flushall' }
  /** Deletes the keys that have expired by the entry's time (the leader's expiry sweep). */
  | { readonly op: 'expire-keys'; readonly keys: readonly Uint8Array[] }
  /** MULTI/EXEC: every command applied in one entry; none when a watched key's version changed. */
  | { readonly op: 'multi'; readonly commands: readonly TxCommand[]; readonly watches: ReadonlyArray<readonly [Uint8Array, number]> };

/** What a transaction may hold: writes, and reads of named keys (answered at apply time). */
export type TxCommand = KvWriteCommand | KeyQuery;

export type KvCommand =
  | (KvWriteCommand & { readonly session?: SessionTag; readonly now?: number })
  /** Opens a session; its id is the index of this entry. */
  | { readonly op: 'session-open' };

/** The outcome of applying one command, as the client protocol reports it. */
export type KvResult =
  | { readonly type: 'ok' } // SET
  | { readonly type: 'int'; readonly value: number | bigint } // DEL (count), CAS (1 swapped, 0 not), INCR, session id
  /** TYPE. */
  | { readonly type: 'simple'; readonly value: string }
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

/** Reads of named keys: served by a query, or inside a transaction at apply time. */
export type KeyQuery =
  | { readonly op: 'get'; readonly key: Uint8Array }
  | { readonly op: 'mget'; readonly keys: readonly Uint8Array[] }
  | { readonly op: 'exists'; readonly keys: readonly Uint8Array[] }
  | { readonly op: 'strlen'; readonly key: Uint8Array }
  | { readonly op: 'type'; readonly key: Uint8Array }
  /** TTL / PTTL (`ms`), EXPIRETIME / PEXPIRETIME (`at`). */
  | { readonly op: 'ttl'; readonly key: Uint8Array; readonly ms: boolean; readonly at: boolean }
  /** WATCH: each key's version (0 when absent). */
  | { readonly op: 'versions'; readonly keys: readonly Uint8Array[] };

export type KvQuery =
  | KeyQuery
  /** Redis KEYS: a glob over the whole key space. */
  | { readonly op: 'keys'; readonly pattern: Uint8Array }
  /** Prefix listing; an empty prefix lists everything. */
  | { readonly op: 'list'; readonly prefix: Uint8Array }
  /** How many keys there are (DBSIZE). */
  | { readonly op: 'dbsize' }
  /** SCAN: up to `count` keys after the cursor's key, those matching `match`. */
  | { readonly op: 'scan'; readonly after: Uint8Array | null; readonly count: number; readonly match: Uint8Array | null; readonly type: string | null }
  /** The expiry sweep: up to `count` keys after `after` that have expired by the serving node's clock. */
  | { readonly op: 'expired'; readonly after: Uint8Array | null; readonly count: number };

export type KvQueryResult =
  | { readonly type: 'value'; readonly value: Uint8Array | null }
  | { readonly type: 'int'; readonly value: number }
  | { readonly type: 'keys'; readonly keys: readonly Uint8Array[] }
  | { readonly type: 'values'; readonly values: readonly (Uint8Array | null)[] }
  /** TYPE's answer. */
  | { readonly type: 'simple'; readonly value: string }
  /** SCAN: the next cursor ('0' when done) and a page of keys. */
  | { readonly type: 'scan'; readonly cursor: string; readonly keys: readonly Uint8Array[] }
  /** The expiry sweep's page: expired keys, where to resume (null: wrapped around), the clock it used. */
  | { readonly type: 'expired'; readonly keys: readonly Uint8Array[]; readonly next: Uint8Array | null; readonly now: number };
