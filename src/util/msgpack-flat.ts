/**
 * A hand-written msgpack encoder for the one shape on the write hot path: a
 * flat array of small non-negative integers and byte strings (a plain SET
 * command [1, key, value], a session's wrapper around it, a log record
 * [term, type, data]). It produces exactly the bytes msgpackr does for the
 * same array (test/util/msgpack-flat.test.ts checks that), in one allocation
 * and one copy of each byte string, without msgpackr's per-call set-up, which
 * profiled at 2-3 % of a busy leader for the SET command alone. Anything else
 * (a larger integer, another type) returns null: the caller uses msgpackr.
 * `spareBytes` are left uninitialized after the msgpack bytes, for a trailer
 * the caller writes (the storage codec's checksum), so the record still
 * takes one allocation.
 */

/** Integers up to this encode here; larger ones go to msgpackr (its choice of width is its own). */
const UINT32_MAX = 0xffff_ffff;

export type FlatItem = number | Uint8Array;

export function packFlat(items: readonly FlatItem[], spareBytes = 0): Buffer | null {
  if (items.length > 15) return null;
  let size = 1 + spareBytes;
  for (const item of items) {
    if (typeof item === 'number') {
      if (!Number.isInteger(item) || item < 0 || item > UINT32_MAX) return null;
      size += item < 0x80 ? 1 : item < 0x100 ? 2 : item < 0x10000 ? 3 : 5;
    } else {
      const n = item.length;
      size += (n < 0x100 ? 2 : n < 0x10000 ? 3 : 5) + n;
    }
  }
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  out[at++] = 0x90 | items.length;
  for (const item of items) {
    if (typeof item === 'number') {
      if (item < 0x80) out[at++] = item;
      else if (item < 0x100) {
        out[at++] = 0xcc;
        out[at++] = item;
      } else if (item < 0x10000) {
        out[at++] = 0xcd;
        at = out.writeUInt16BE(item, at);
      } else {
        out[at++] = 0xce;
        at = out.writeUInt32BE(item, at);
      }
      continue;
    }
    const n = item.length;
    if (n < 0x100) {
      out[at++] = 0xc4;
      out[at++] = n;
    } else if (n < 0x10000) {
      out[at++] = 0xc5;
      at = out.writeUInt16BE(n, at);
    } else {
      out[at++] = 0xc6;
      at = out.writeUInt32BE(n, at);
    }
    out.set(item, at);
    at += n;
  }
  return out;
}
