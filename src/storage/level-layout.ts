/**
 * The sublevels of one node's database (DESIGN.md, "Storage layout") and the
 * two ways we touch them: a synced chained batch on the root, so one write
 * can span sublevels atomically, and reads whose LevelDB errors become coded
 * StorageErrors.
 */
import type { AbstractChainedBatch, AbstractLevel, AbstractSublevel } from 'abstract-level';
import { AssertionError } from '../util/assert.js';
import { StorageError, messageOf } from './errors.js';

// The root's own encodings are never used: every key goes through a sublevel.
export type LevelDb = AbstractLevel<any, any, any>;
export type Sublevel = AbstractSublevel<LevelDb, any, Uint8Array, Uint8Array>;
export type Batch = AbstractChainedBatch<LevelDb, any, any>;

export interface Layout {
  readonly db: LevelDb;
  /** 8-byte big-endian index -> entry. */
  readonly log: Sublevel;
  /** Hard state and applied index. */
  readonly meta: Sublevel;
  /** User key -> value. */
  readonly kv: Sublevel;
  /** Chunks of a snapshot being received, by 8-byte chunk number. */
  readonly snap: Sublevel;
}

const BYTES = { keyEncoding: 'view', valueEncoding: 'view' } as const;

/** Opens the database (if it is not open yet) and its sublevels. */
export async function openLayout(db: LevelDb): Promise<Layout> {
  await db.open();
  const layout: Layout = {
    db,
    log: db.sublevel<Uint8Array, Uint8Array>('log', BYTES),
    meta: db.sublevel<Uint8Array, Uint8Array>('meta', BYTES),
    kv: db.sublevel<Uint8Array, Uint8Array>('kv', BYTES),
    snap: db.sublevel<Uint8Array, Uint8Array>('snap', BYTES),
  };
  await Promise.all([layout.log.open(), layout.meta.open(), layout.kv.open(), layout.snap.open()]);
  return layout;
}

/**
 * A chained batch on the root database that writes into sublevels. It
 * prefixes keys itself instead of passing abstract-level's per-operation
 * `sublevel` option, which costs more than the put it decorates on the hot
 * path (every log entry and every applied write goes through here).
 */
export class SublevelBatch {
  constructor(private readonly batch: Batch) {}

  put(sublevel: Sublevel, key: Uint8Array, value: Uint8Array): void {
    this.batch.put(prefixed(sublevel, key), value);
  }

  del(sublevel: Sublevel, key: Uint8Array): void {
    this.batch.del(prefixed(sublevel, key));
  }
}

const PREFIXES = new WeakMap<Sublevel, Buffer>();

/** The key under which `key` of `sublevel` is stored in the root database. */
function prefixed(sublevel: Sublevel, key: Uint8Array): Buffer {
  let prefix = PREFIXES.get(sublevel);
  if (prefix === undefined) PREFIXES.set(sublevel, (prefix = Buffer.from(sublevel.prefix, 'utf8')));
  return Buffer.concat([prefix, key]);
}

/**
 * Writes a batch built by `build`, atomically. With `sync` it is durable when
 * this resolves (survives power loss); without, it survives a process crash
 * but may be lost with the machine.
 */
export async function writeBatch(
  layout: Layout,
  what: string,
  build: (batch: SublevelBatch) => void,
  { sync }: { sync: boolean },
): Promise<void> {
  const batch = layout.db.batch();
  try {
    build(new SublevelBatch(batch));
  } catch (err) {
    await batch.close();
    throw err;
  }
  await withLevelErrors(what, () => batch.write({ sync }));
}

/** Runs a LevelDB call, turning its failures into StorageErrors that say what we were doing. */
export async function withLevelErrors<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof StorageError || err instanceof AssertionError) throw err;
    const code = levelCode(err) === 'LEVEL_CORRUPTION' ? 'STORAGE_CORRUPT' : 'STORAGE_IO';
    throw new StorageError(code, `${what} failed: ${levelMessage(err)}`, { cause: err });
  }
}

/** The most specific LEVEL_* code: abstract-level wraps the binding's error as `cause`. */
export function levelCode(err: unknown): string | undefined {
  const cause = (err as { cause?: { code?: unknown } } | undefined)?.cause;
  if (typeof cause?.code === 'string') return cause.code;
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** LevelDB's own message where there is one, else the wrapper's. */
export function levelMessage(err: unknown): string {
  const cause = (err as { cause?: unknown } | undefined)?.cause;
  return cause instanceof Error ? cause.message : messageOf(err);
}
