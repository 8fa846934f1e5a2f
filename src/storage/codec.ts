/**
 * The on-disk encoding of the storage layer (see DESIGN.md, "Storage layout").
 *
 * Log keys are 8-byte big-endian indexes, so LevelDB's byte order is index
 * order. Values are msgpackr tuples rather than records: records only pay off
 * with a structure table persisted next to the data, and a fixed tuple needs
 * none, so every record decodes on its own. Decoders validate the shape and
 * throw STORAGE_CORRUPT naming the record, because a value on disk is input,
 * not a trusted in-memory object.
 *
 * Format 2 (STORAGE_FORMAT) seals every record of the log and every meta
 * record but the sessions with a CRC32 of its key and payload (checksum.ts),
 * verified on every read before the payload is decoded. The payload is the
 * format 1 record unchanged, which is what lets format-upgrade.ts read a
 * format 1 directory once and rewrite it.
 */
import { Packr } from 'msgpackr';
import { ENTRY_COMMAND, ENTRY_CONFIG, ENTRY_NOOP } from '../raft/types.js';
import { configProblem, decodeConfig, type ClusterConfig } from '../raft/membership/config.js';
import type { Entry, EntryType, HardState, LogIndex, LogPoint, SnapshotMeta } from '../raft/types.js';
import { assert } from '../util/assert.js';
import { packFlat } from '../util/msgpack-flat.js';
import { CHECKSUM_BYTES, openRecord, sealPayload, sealRecord } from './checksum.js';
import { StorageError, messageOf } from './errors.js';

const LOG_KEY_BYTES = 8;
const UINT32_RANGE = 2 ** 32;

const packr = new Packr({ useRecords: false, mapsAsObjects: true });

/** The on-disk format this code writes and reads (format 1 had no checksums). */
export const STORAGE_FORMAT = 2;

/** Keys of the `meta` sublevel. */
export const META_FORMAT = Uint8Array.from(Buffer.from('format'));
export const META_HARD_STATE = Uint8Array.from(Buffer.from('hardState'));
export const META_APPLIED_INDEX = Uint8Array.from(Buffer.from('appliedIndex'));
/** The last snapshot of the state machine: [index, term, voters]. */
export const META_SNAPSHOT = Uint8Array.from(Buffer.from('snapshot'));
/** Present while a received snapshot is being switched in: its [index, term, voters]. */
export const META_INSTALLING = Uint8Array.from(Buffer.from('installing'));
/** The log's start: the last entry compacted away, [index, term]. */
export const META_LOG_START = Uint8Array.from(Buffer.from('logStart'));
/** Client sessions live in `meta` under this prefix and their 8-byte id. */
export const META_SESSION_PREFIX = Uint8Array.from(Buffer.from('session:'));

export function encodeSessionKey(id: number): Uint8Array {
  return Buffer.concat([META_SESSION_PREFIX, encodeLogKey(id)]);
}

export function decodeSessionKey(key: Uint8Array): number {
  return decodeLogKey(key.subarray(META_SESSION_PREFIX.length));
}

export function encodeLogKey(index: LogIndex): Uint8Array {
  assert(Number.isSafeInteger(index) && index >= 0, `log index must be a non-negative safe integer, got ${index}`);
  const key = Buffer.allocUnsafe(LOG_KEY_BYTES);
  key.writeUInt32BE(Math.floor(index / UINT32_RANGE), 0);
  key.writeUInt32BE(index % UINT32_RANGE, 4);
  return key;
}

export function decodeLogKey(key: Uint8Array): LogIndex {
  if (key.length !== LOG_KEY_BYTES) {
    throw corrupt(`log key ${hex(key)} has ${key.length} bytes, expected ${LOG_KEY_BYTES}`);
  }
  const view = new DataView(key.buffer, key.byteOffset, key.byteLength);
  const index = view.getUint32(0) * UINT32_RANGE + view.getUint32(4);
  if (!Number.isSafeInteger(index)) throw corrupt(`log key ${hex(key)} is beyond the largest safe index`);
  return index;
}

/** The value stored under a log key: the index lives in the key only (and in the checksum). */
export function encodeEntry(entry: Entry, key: Uint8Array = encodeLogKey(entry.index)): Uint8Array {
  // The hand-written encoder writes msgpackr's bytes for this shape, without its per-call cost,
  // and leaves room for the checksum so the record is one allocation.
  const flat = packFlat([entry.term, entry.type, entry.data], CHECKSUM_BYTES);
  return flat ? sealRecord(key, flat) : sealPayload(key, packr.pack([entry.term, entry.type, entry.data]));
}

export function decodeEntry(index: LogIndex, bytes: Uint8Array, key: Uint8Array = encodeLogKey(index)): Entry {
  return parseEntry(index, openRecord(key, bytes, () => `log entry ${index} (sublevel "log", key ${hex(key)})`));
}

function parseEntry(index: LogIndex, payload: Uint8Array): Entry {
  const what = `log record at index ${index}`;
  const value = unpack(what, payload);
  if (!Array.isArray(value) || value.length !== 3) throw corrupt(`${what} is not a [term, type, data] tuple`);
  const [term, type, data] = value as unknown[];
  if (!isTerm(term)) throw corrupt(`${what} has an invalid term ${String(term)}`);
  if (!isEntryType(type)) throw corrupt(`${what} has an unknown entry type ${String(type)}`);
  if (!(data instanceof Uint8Array)) throw corrupt(`${what} has data that is not bytes`);
  if (type === ENTRY_CONFIG) {
    const decoded = decodeConfig(data);
    if (!decoded.ok) throw corrupt(`${what} holds a ${decoded.problem}`);
  }
  return { index, term, type, data };
}

export function encodeHardState(hardState: HardState): Uint8Array {
  return sealPayload(META_HARD_STATE, packr.pack([hardState.term, hardState.vote]));
}

const HARD_STATE_WHAT = 'hard state record (sublevel "meta", key "hardState")';

export function decodeHardState(bytes: Uint8Array): HardState {
  return parseHardState(openRecord(META_HARD_STATE, bytes, HARD_STATE_WHAT));
}

function parseHardState(payload: Uint8Array): HardState {
  const what = HARD_STATE_WHAT;
  const value = unpack(what, payload);
  if (!Array.isArray(value) || value.length !== 2) throw corrupt(`${what} is not a [term, vote] tuple`);
  const [term, vote] = value as unknown[];
  if (!isTerm(term)) throw corrupt(`${what} has an invalid term ${String(term)}`);
  if (vote !== null && typeof vote !== 'string') throw corrupt(`${what} has a vote that is neither null nor a node id`);
  return { term, vote };
}

/** A stored [index, term] pair under `key` of the meta sublevel (the log start). */
export function encodeLogPoint(point: LogPoint, key: Uint8Array): Uint8Array {
  return sealPayload(key, packr.pack([point.index, point.term]));
}

/** A stored [index, term] pair; `what` names the record in errors. */
export function decodeLogPoint(bytes: Uint8Array, key: Uint8Array, what: string): LogPoint {
  return parseLogPoint(openRecord(key, bytes, what), what);
}

function parseLogPoint(payload: Uint8Array, what: string): LogPoint {
  const value = unpack(what, payload);
  if (!Array.isArray(value) || value.length !== 2) throw corrupt(`${what} is not an [index, term] pair`);
  const [index, term] = value as unknown[];
  if (!isTerm(index)) throw corrupt(`${what} has an invalid index ${String(index)}`);
  if (!isTerm(term)) throw corrupt(`${what} has an invalid term ${String(term)}`);
  return { index, term };
}

/** Snapshot metadata under `key` of the meta sublevel: the snapshot, or the install marker. */
export function encodeSnapshotMeta(meta: SnapshotMeta, key: Uint8Array = META_SNAPSHOT): Uint8Array {
  const tuple = meta.config === undefined ? [meta.index, meta.term, meta.voters] : [meta.index, meta.term, meta.voters, meta.config];
  return sealPayload(key, packr.pack(tuple));
}

export function decodeSnapshotMeta(bytes: Uint8Array, what = 'snapshot record (sublevel "meta", key "snapshot")', key: Uint8Array = META_SNAPSHOT): SnapshotMeta {
  return parseSnapshotMeta(openRecord(key, bytes, what), what);
}

function parseSnapshotMeta(payload: Uint8Array, what: string): SnapshotMeta {
  const value = unpack(what, payload);
  if (!Array.isArray(value) || (value.length !== 3 && value.length !== 4)) throw corrupt(`${what} is not an [index, term, voters, config?] tuple`);
  const [index, term, voters, config] = value as unknown[];
  if (!isTerm(index)) throw corrupt(`${what} has an invalid index ${String(index)}`);
  if (!isTerm(term)) throw corrupt(`${what} has an invalid term ${String(term)}`);
  // Empty: a node still joining took the snapshot before it learnt the configuration.
  if (!Array.isArray(voters) || !voters.every((v) => typeof v === 'string' && v !== '')) {
    throw corrupt(`${what} has voters that are not a list of node ids`);
  }
  if (config === undefined) return { index, term, voters: voters as string[] };
  const problem = configProblem(config);
  if (problem !== null) throw corrupt(`${what} has a cluster configuration that ${problem}`);
  return { index, term, voters: voters as string[], config: config as ClusterConfig };
}

export function encodeAppliedIndex(index: LogIndex): Uint8Array {
  return sealPayload(META_APPLIED_INDEX, packr.pack(index));
}

const APPLIED_WHAT = 'applied index record (sublevel "meta", key "appliedIndex")';

export function decodeAppliedIndex(bytes: Uint8Array): LogIndex {
  return parseAppliedIndex(openRecord(META_APPLIED_INDEX, bytes, APPLIED_WHAT));
}

function parseAppliedIndex(payload: Uint8Array): LogIndex {
  const value = unpack(APPLIED_WHAT, payload);
  if (!isTerm(value)) throw corrupt(`${APPLIED_WHAT} is not a non-negative integer: ${String(value)}`);
  return value;
}

export function encodeFormat(format: number): Uint8Array {
  return sealPayload(META_FORMAT, packr.pack(format));
}

export function decodeFormat(bytes: Uint8Array): number {
  const what = 'storage format record (sublevel "meta", key "format")';
  const value = unpack(what, openRecord(META_FORMAT, bytes, what));
  if (!isTerm(value)) throw corrupt(`${what} is not a non-negative integer: ${String(value)}`);
  return value;
}

/** Format 1's records: the same payloads without a checksum (read once, by format-upgrade.ts). */
export const FORMAT_1 = {
  entry: parseEntry,
  hardState: parseHardState,
  logPoint: parseLogPoint,
  snapshotMeta: parseSnapshotMeta,
  appliedIndex: parseAppliedIndex,
} as const;

/**
 * The smallest key greater than every key that starts with `prefix`, or
 * undefined when there is none (an empty prefix or one of only 0xff bytes):
 * drop trailing 0xff bytes, then increment the last byte.
 */
export function prefixUpperBound(prefix: Uint8Array): Uint8Array | undefined {
  let end = prefix.length;
  while (end > 0 && prefix[end - 1] === 0xff) end--;
  if (end === 0) return undefined;
  const bound = Uint8Array.from(prefix.subarray(0, end));
  bound[end - 1] = (prefix[end - 1] ?? 0) + 1;
  return bound;
}

function unpack(what: string, bytes: Uint8Array): unknown {
  try {
    return packr.unpack(bytes);
  } catch (err) {
    throw new StorageError('STORAGE_CORRUPT', `${what} is corrupt: ${messageOf(err)}`, { cause: err });
  }
}

function isTerm(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function isEntryType(value: unknown): value is EntryType {
  return value === ENTRY_NOOP || value === ENTRY_COMMAND || value === ENTRY_CONFIG;
}

function corrupt(message: string): StorageError {
  return new StorageError('STORAGE_CORRUPT', message);
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}
