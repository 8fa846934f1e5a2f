/**
 * KvStorage on the `kv` sublevel, with the applied index in `meta`. Each
 * apply writes its changes and the new applied index in one atomic batch, so
 * after a crash the store reflects exactly the entries up to that index.
 */
import type { LogIndex, SnapshotMeta } from '../raft/types.js';
import { assert } from '../util/assert.js';
import type { SessionChanges, StoredSession } from '../kv/sessions.js';
import {
  META_APPLIED_INDEX,
  META_SESSION_PREFIX,
  META_SNAPSHOT,
  decodeAppliedIndex,
  decodeSnapshotMeta,
  encodeSnapshotMeta,
  decodeSessionKey,
  encodeAppliedIndex,
  encodeSessionKey,
  prefixUpperBound,
} from './codec.js';
import type { KvStorage, KvWrite, SnapshotReader, SnapshotSize } from './interfaces.js';
import { installLevelSnapshot, openLevelSnapshot, stageLevelChunk } from './level-snapshots.js';
import { decodeChunk } from './snapshot-format.js';
import { withLevelErrors, writeBatch, type SublevelBatch } from './level-layout.js';
import type { Layout } from './level-layout.js';
import { WriteQueue } from './write-queue.js';

export class LevelKvStorage implements KvStorage {
  private readonly queue = new WriteQueue('state machine storage');
  /** The applied index after every queued apply so far; read lazily. */
  private applied: LogIndex | undefined;

  constructor(private readonly layout: Layout) {}

  async appliedIndex(): Promise<LogIndex> {
    const bytes = await withLevelErrors('reading the applied index', () =>
      this.layout.meta.get(META_APPLIED_INDEX),
    );
    return bytes === undefined ? 0 : decodeAppliedIndex(bytes);
  }

  get(key: Uint8Array): Promise<Uint8Array | undefined> {
    return withLevelErrors('reading a key', () => this.layout.kv.get(key));
  }

  getMany(keys: readonly Uint8Array[]): Promise<(Uint8Array | undefined)[]> {
    return withLevelErrors('reading keys', () => this.layout.kv.getMany([...keys]));
  }

  async keysWithPrefix(prefix: Uint8Array, limit: number): Promise<Uint8Array[]> {
    assert(limit === Infinity || (Number.isSafeInteger(limit) && limit >= 0), `bad key limit ${limit}`);
    if (limit === 0) return [];
    const lt = prefixUpperBound(prefix);
    // abstract-level spells "no limit" as -1.
    const range = { gte: prefix, limit: limit === Infinity ? -1 : limit, ...(lt ? { lt } : {}) };
    return withLevelErrors('listing keys', () => this.layout.kv.keys(range).all());
  }

  async entriesWithPrefix(prefix: Uint8Array, limit: number, after?: Uint8Array): Promise<Array<[Uint8Array, Uint8Array]>> {
    assert(Number.isSafeInteger(limit) && limit >= 0, `bad entry limit ${limit}`);
    if (limit === 0) return [];
    const lt = prefixUpperBound(prefix);
    const from = after !== undefined && Buffer.compare(after, prefix) >= 0 ? { gt: after } : { gte: prefix };
    const range = { ...from, limit, ...(lt ? { lt } : {}) };
    return withLevelErrors('scanning keys', () => this.layout.kv.iterator(range).all());
  }

  async loadSessions(): Promise<StoredSession[]> {
    const range = { gte: META_SESSION_PREFIX, lt: prefixUpperBound(META_SESSION_PREFIX)! };
    const rows = await withLevelErrors('reading client sessions', () => this.layout.meta.iterator(range).all());
    return rows.map(([key, data]) => ({ id: decodeSessionKey(key), data }));
  }

  apply(writes: readonly KvWrite[], appliedIndex: LogIndex, sessions?: SessionChanges): Promise<void> {
    return this.queue.run(async () => {
      const current = this.applied ?? (await this.appliedIndex());
      assert(Number.isSafeInteger(appliedIndex) && appliedIndex > current,
        `applied index must increase: stored ${current}, got ${appliedIndex}`);
      const { kv, meta } = this.layout;
      // Not synced: every applied entry is already durable in the Raft log, so
      // a batch lost with the machine is applied again after restart. The
      // batch and its applied index still land atomically, so nothing is
      // applied twice. This saves one fsync per batch on every node.
      const build = (batch: SublevelBatch): void => {
        for (const write of writes) {
          if (write.type === 'put') batch.put(kv, write.key, write.value);
          else batch.del(kv, write.key);
        }
        for (const session of sessions?.put ?? []) batch.put(meta, encodeSessionKey(session.id), session.data);
        for (const id of sessions?.del ?? []) batch.del(meta, encodeSessionKey(id));
        batch.put(meta, META_APPLIED_INDEX, encodeAppliedIndex(appliedIndex));
      };
      await writeBatch(this.layout, `applying up to index ${appliedIndex}`, build, { sync: false });
      this.applied = appliedIndex;
    });
  }

  saveSnapshot(meta: SnapshotMeta): Promise<void> {
    return this.queue.run(async () => {
      const applied = this.applied ?? (await this.appliedIndex());
      assert(meta.index === applied, `snapshot at ${meta.index} but the store has applied ${applied}`);
      const build = (batch: SublevelBatch): void => batch.put(this.layout.meta, META_SNAPSHOT, encodeSnapshotMeta(meta));
      await writeBatch(this.layout, `recording the snapshot at index ${meta.index}`, build, { sync: true });
    });
  }

  openSnapshot(meta: SnapshotMeta): Promise<SnapshotReader> {
    return this.queue.run(async () => {
      const applied = this.applied ?? (await this.appliedIndex());
      assert(meta.index === applied, `snapshot view at ${meta.index} but the store has applied ${applied}`);
      return openLevelSnapshot(this.layout, meta);
    });
  }

  stageSnapshot(seq: number, data: Uint8Array): Promise<void> {
    // Checked before the queue: a bad chunk from a peer is refused, not a disk failure that stops the store.
    try {
      decodeChunk(data, `snapshot chunk ${seq}`);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.queue.run(() => stageLevelChunk(this.layout, seq, data));
  }

  installSnapshot(meta: SnapshotMeta, switching?: () => void): Promise<SnapshotSize> {
    return this.queue.run(async () => {
      const size = await installLevelSnapshot(this.layout, meta, switching);
      this.applied = meta.index;
      return size;
    });
  }

  /** LevelDB's estimate for the `kv` sublevel's key range; null on a store without one (memory-level). */
  async approximateBytes(): Promise<number | null> {
    const db = this.layout.db as { approximateSize?: (start: Uint8Array, end: Uint8Array, options: { keyEncoding: 'view' }) => Promise<number> };
    if (typeof db.approximateSize !== 'function') return null;
    const start = Buffer.from(this.layout.kv.prefix, 'utf8');
    const end = prefixUpperBound(start)!;
    return withLevelErrors('estimating the size of the KV data', () => db.approximateSize!(start, end, { keyEncoding: 'view' }));
  }

  async loadSnapshot(): Promise<SnapshotMeta | null> {
    const bytes = await withLevelErrors('reading the snapshot metadata', () => this.layout.meta.get(META_SNAPSHOT));
    return bytes === undefined ? null : decodeSnapshotMeta(bytes);
  }

  /** Resolves once every write queued so far has finished. */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  dump(): Promise<Array<[Uint8Array, Uint8Array]>> {
    return withLevelErrors('dumping the store', () => this.layout.kv.iterator().all());
  }
}
