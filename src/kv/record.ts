/**
 * How a user key's value is stored in the state machine's LevelDB part: a
 * fixed 17-byte header and the value's bytes.
 *
 *   byte 0       format (1)
 *   bytes 1-8    version: the log index of the entry that last wrote it (WATCH compares it)
 *   bytes 9-16   expiry: absolute Unix time in ms by the leader's clock, 0 for none
 *   bytes 17-    the value
 *
 * Every replica applies the same entries, so every replica stores the same
 * bytes. Snapshots copy these records as they are.
 */
export const RECORD_FORMAT = 1;
export const RECORD_HEADER_BYTES = 17;

export interface KvRecord {
  readonly value: Uint8Array;
  readonly version: number;
  /** Unix ms; 0: no expiry. */
  readonly expireAt: number;
}

export class RecordDecodeError extends Error {
  override readonly name = 'RecordDecodeError';
  readonly code = 'RECORD_CORRUPT';
}

export function encodeRecord(record: KvRecord): Uint8Array {
  const out = Buffer.allocUnsafe(RECORD_HEADER_BYTES + record.value.length);
  out[0] = RECORD_FORMAT;
  writeUint64(out, 1, record.version);
  writeUint64(out, 9, record.expireAt);
  out.set(record.value, RECORD_HEADER_BYTES);
  return out;
}

export function decodeRecord(bytes: Uint8Array): KvRecord {
  if (bytes.length < RECORD_HEADER_BYTES || bytes[0] !== RECORD_FORMAT) {
    throw new RecordDecodeError(`stored value is not a format-${RECORD_FORMAT} record (${bytes.length} bytes, first byte ${bytes[0]})`);
  }
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { version: readUint64(buffer, 1), expireAt: readUint64(buffer, 9), value: buffer.subarray(RECORD_HEADER_BYTES) };
}

/** The record if it exists and has not expired at `nowMs`. */
export function live(record: KvRecord | undefined, nowMs: number): KvRecord | undefined {
  return record !== undefined && (record.expireAt === 0 || record.expireAt > nowMs) ? record : undefined;
}

function writeUint64(out: Buffer, at: number, value: number): void {
  out.writeUInt32BE(Math.floor(value / 2 ** 32), at);
  out.writeUInt32BE(value >>> 0, at + 4);
}

function readUint64(buffer: Buffer, at: number): number {
  return buffer.readUInt32BE(at) * 2 ** 32 + buffer.readUInt32BE(at + 4);
}
