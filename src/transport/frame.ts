/**
 * Length-prefixed frames: a 4-byte big-endian payload length, then the payload.
 *
 * The decoder is incremental and linear in the bytes pushed: a frame that lies
 * inside one chunk is returned as a zero-copy view of that chunk, and a frame
 * split across chunks is copied once into a buffer of its declared size. It
 * never re-concatenates what it already holds, so a large frame arriving in
 * many small chunks costs O(n), not O(n^2).
 */
import { assert } from '../util/assert.js';
import { frameTooLarge, type TransportError } from './errors.js';

export const FRAME_HEADER_BYTES = 4;

/** Receives one complete payload; returning false stops decoding the current chunk. */
export type FrameHandler = (payload: Uint8Array) => boolean | void;

export class FrameDecoder {
  private readonly header = new Uint8Array(FRAME_HEADER_BYTES);
  private headerFilled = 0;
  /** The frame being assembled across chunks, or null while reading a header. */
  private body: Uint8Array | null = null;
  private bodyFilled = 0;
  private failure: TransportError | null = null;

  constructor(private readonly frameBytesMax: number) {
    assert(Number.isSafeInteger(frameBytesMax) && frameBytesMax > 0, 'frameBytesMax must be a positive integer');
  }

  /**
   * Feeds one chunk and hands every payload it completes to onFrame, in order.
   * Returns an error (and stays failed) once a header declares more than
   * frameBytesMax; that check happens before any of the payload is buffered.
   */
  push(chunk: Uint8Array, onFrame: FrameHandler): TransportError | null {
    let offset = 0;
    while (this.failure === null && offset < chunk.length) {
      const start = offset;
      offset = this.body === null ? this.readHeader(chunk, offset, onFrame) : this.readBody(chunk, offset, onFrame);
      if (offset < 0) return this.failure;
      assert(offset > start || this.failure !== null, 'frame decoder made no progress');
    }
    return this.failure;
  }

  /** Bytes of an incomplete frame currently held (header included). */
  bufferedBytes(): number {
    return this.body === null ? this.headerFilled : FRAME_HEADER_BYTES + this.bodyFilled;
  }

  /** Returns the new offset in chunk, or -1 when the handler asked to stop. */
  private readHeader(chunk: Uint8Array, offset: number, onFrame: FrameHandler): number {
    // Fast path: a whole header, and often the whole frame, inside this chunk.
    if (this.headerFilled === 0 && chunk.length - offset >= FRAME_HEADER_BYTES) {
      const length = readLength(chunk, offset);
      return this.beginBody(length, chunk, offset + FRAME_HEADER_BYTES, onFrame);
    }
    const take = Math.min(FRAME_HEADER_BYTES - this.headerFilled, chunk.length - offset);
    this.header.set(chunk.subarray(offset, offset + take), this.headerFilled);
    this.headerFilled += take;
    if (this.headerFilled < FRAME_HEADER_BYTES) return offset + take;
    this.headerFilled = 0;
    return this.beginBody(readLength(this.header, 0), chunk, offset + take, onFrame);
  }

  private beginBody(length: number, chunk: Uint8Array, offset: number, onFrame: FrameHandler): number {
    if (length > this.frameBytesMax) {
      this.failure = frameTooLarge(length, this.frameBytesMax);
      return -1;
    }
    if (chunk.length - offset >= length) {
      const more = onFrame(chunk.subarray(offset, offset + length));
      return more === false ? -1 : offset + length;
    }
    this.body = new Uint8Array(length);
    this.bodyFilled = 0;
    return this.readBody(chunk, offset, onFrame);
  }

  private readBody(chunk: Uint8Array, offset: number, onFrame: FrameHandler): number {
    const body = this.body;
    assert(body !== null, 'readBody without a frame in progress');
    const take = Math.min(body.length - this.bodyFilled, chunk.length - offset);
    body.set(chunk.subarray(offset, offset + take), this.bodyFilled);
    this.bodyFilled += take;
    if (this.bodyFilled < body.length) return offset + take;
    this.body = null;
    this.bodyFilled = 0;
    return onFrame(body) === false ? -1 : offset + take;
  }
}

function readLength(bytes: Uint8Array, offset: number): number {
  // Multiplication, not <<, so lengths of 2^31 and above stay positive.
  return (
    (bytes[offset] ?? 0) * 0x1000000 +
    (((bytes[offset + 1] ?? 0) << 16) | ((bytes[offset + 2] ?? 0) << 8) | (bytes[offset + 3] ?? 0))
  );
}

function writeLength(target: Uint8Array, offset: number, length: number): void {
  target[offset] = length >>> 24;
  target[offset + 1] = (length >>> 16) & 0xff;
  target[offset + 2] = (length >>> 8) & 0xff;
  target[offset + 3] = length & 0xff;
}

/** Total wire size of payloads[from, to) once framed. */
export function framedBytes(payloads: readonly Uint8Array[], from = 0, to = payloads.length): number {
  let total = 0;
  for (let i = from; i < to; i++) total += FRAME_HEADER_BYTES + (payloads[i]?.length ?? 0);
  return total;
}

/**
 * Frames payloads[from, to) into one buffer, ready for a single socket.write():
 * one allocation and one copy per payload, however many frames.
 */
export function encodeFrames(payloads: readonly Uint8Array[], from = 0, to = payloads.length): Buffer {
  const out = Buffer.allocUnsafe(framedBytes(payloads, from, to));
  let offset = 0;
  for (let i = from; i < to; i++) {
    const payload = payloads[i];
    assert(payload !== undefined, 'encodeFrames range out of bounds');
    writeLength(out, offset, payload.length);
    out.set(payload, offset + FRAME_HEADER_BYTES);
    offset += FRAME_HEADER_BYTES + payload.length;
  }
  assert(offset === out.length, 'encodeFrames wrote a different size than computed');
  return out;
}

export function encodeFrame(payload: Uint8Array): Buffer {
  return encodeFrames([payload]);
}
