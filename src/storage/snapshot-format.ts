/**
 * The bytes of a state-machine snapshot, as chunks travel in InstallSnapshot
 * and sit in the `snap` sublevel while staged. A chunk is a msgpack array of
 * [space, key, value] records; the spaces are the parts of the database that
 * make up the state machine. The format knows nothing of what keys mean, so
 * any kind of key a command writes to a space travels as it is.
 *
 * A chunk comes from the network: decoding checks every record's shape and
 * throws SnapshotFormatError (SNAPSHOT_INVALID), never an assertion.
 */
import { Packr } from 'msgpackr';
import { CodedError } from '../util/coded-error.js';

/** 0: the `kv` sublevel (every key); 1: the client-session table (`meta` keys under the session prefix, prefix stripped). */
export const SPACE_KV = 0;
export const SPACE_SESSION = 1;
export type Space = typeof SPACE_KV | typeof SPACE_SESSION;

export type SnapshotRecord = readonly [Space, Uint8Array, Uint8Array];

export class SnapshotFormatError extends CodedError<'SNAPSHOT_INVALID'> {
  override readonly name = 'SnapshotFormatError';
}

const packr = new Packr({ useRecords: false, moreTypes: false });

/** Bytes a record adds to a chunk, near enough to keep chunks within their limit. */
export function recordBytes(key: Uint8Array, value: Uint8Array): number {
  return key.length + value.length + 16;
}

export function encodeChunk(records: readonly SnapshotRecord[]): Uint8Array {
  return packr.pack(records);
}

export function decodeChunk(bytes: Uint8Array, what: string): SnapshotRecord[] {
  let value: unknown;
  try {
    value = packr.unpack(bytes);
  } catch (err) {
    throw new SnapshotFormatError('SNAPSHOT_INVALID', `${what} is not msgpack: ${(err as Error).message}`);
  }
  if (!Array.isArray(value)) throw new SnapshotFormatError('SNAPSHOT_INVALID', `${what} is not a list of records`);
  return value.map((record: unknown, i) => {
    if (!Array.isArray(record) || record.length !== 3) throw invalid(what, i, 'is not a [space, key, value] triple');
    const [space, key, data] = record as unknown[];
    if (space !== SPACE_KV && space !== SPACE_SESSION) throw invalid(what, i, `has an unknown space ${String(space)}`);
    if (!(key instanceof Uint8Array) || !(data instanceof Uint8Array)) throw invalid(what, i, 'has a key or value that is not bytes');
    if (space === SPACE_SESSION && key.length !== 8) throw invalid(what, i, 'has a session id that is not 8 bytes');
    // The id is a big-endian safe integer (storage/codec.ts): its high word stays below 2^21.
    if (space === SPACE_SESSION && Buffer.from(key.buffer, key.byteOffset, 8).readUInt32BE(0) >= 0x200000) throw invalid(what, i, 'has a session id beyond the largest safe integer');
    return [space, key, data] as const;
  });
}

function invalid(what: string, i: number, problem: string): SnapshotFormatError {
  return new SnapshotFormatError('SNAPSHOT_INVALID', `${what}: record ${i} ${problem}`);
}
