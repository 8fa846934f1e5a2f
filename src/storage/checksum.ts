/**
 * Record checksums (storage format 2). Every log record, the hard state, the
 * log start, the snapshot metadata and the install marker end in a 4-byte
 * big-endian CRC32 (zlib's, native in Node 20) of the record's key followed by
 * its payload. Covering the key means a record that LevelDB returns under the
 * wrong key (a damaged index block) fails too, not only one whose bytes
 * changed. classic-level opens LevelDB with paranoid_checks and
 * verify_checksums off (its binding hardcodes them), so this is the check
 * that stands between a damaged table or log block and the Raft core.
 */
import { crc32 } from 'node:zlib';
import { StorageError } from './errors.js';

export const CHECKSUM_BYTES = 4;

/** Writes the checksum of key + record's payload into record's last CHECKSUM_BYTES (left spare by the encoder). */
export function sealRecord(key: Uint8Array, record: Buffer): Buffer {
  const payloadEnd = record.length - CHECKSUM_BYTES;
  const sum = crc32(record.subarray(0, payloadEnd), crc32(key));
  record.writeUInt32BE(sum, payloadEnd);
  return record;
}

/** A payload with its checksum appended. */
export function sealPayload(key: Uint8Array, payload: Uint8Array): Buffer {
  const record = Buffer.allocUnsafe(payload.length + CHECKSUM_BYTES);
  record.set(payload, 0);
  return sealRecord(key, record);
}

/**
 * The payload of a sealed record, once its checksum matches; STORAGE_CORRUPT
 * naming `what` (the sublevel, key or index; a function when naming costs,
 * as on the log's hot path) when it does not.
 */
export function openRecord(key: Uint8Array, bytes: Uint8Array, what: string | (() => string)): Uint8Array {
  const name = (): string => (typeof what === 'string' ? what : what());
  if (bytes.length < CHECKSUM_BYTES) {
    throw new StorageError('STORAGE_CORRUPT', `${name()} fails its checksum: ${bytes.length} bytes is too short to hold one`);
  }
  const payloadEnd = bytes.length - CHECKSUM_BYTES;
  const payload = bytes.subarray(0, payloadEnd);
  const stored = ((bytes[payloadEnd]! << 24) | (bytes[payloadEnd + 1]! << 16) | (bytes[payloadEnd + 2]! << 8) | bytes[payloadEnd + 3]!) >>> 0;
  const actual = crc32(payload, crc32(key));
  if (stored !== actual) {
    throw new StorageError('STORAGE_CORRUPT', `${name()} fails its checksum (stored ${hex32(stored)}, computed ${hex32(actual)})`);
  }
  return payload;
}

function hex32(value: number): string {
  return value.toString(16).padStart(8, '0');
}
