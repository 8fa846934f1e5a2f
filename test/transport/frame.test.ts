import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeFrame, encodeFrames, FrameDecoder } from '../../src/transport/frame.js';

function decodeAll(decoder: FrameDecoder, chunks: readonly Uint8Array[]): number[][] {
  const frames: number[][] = [];
  for (const chunk of chunks) {
    const error = decoder.push(chunk, (payload) => void frames.push([...payload]));
    expect(error).toBeNull();
  }
  return frames;
}

/** Splits bytes at the given cut points (any order, duplicates allowed). */
function split(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((x, y) => x - y);
  const chunks: Uint8Array[] = [];
  let start = 0;
  for (const point of [...points, bytes.length]) {
    chunks.push(bytes.subarray(start, point));
    start = point;
  }
  return chunks;
}

describe('frames', () => {
  it('writes a 4-byte big-endian length before the payload', () => {
    expect([...encodeFrame(Uint8Array.of(7, 8, 9))]).toEqual([0, 0, 0, 3, 7, 8, 9]);
    expect([...encodeFrame(new Uint8Array(0x010203)).subarray(0, 4)]).toEqual([0, 1, 2, 3]);
  });

  it('decodes any sequence of frames however the stream is split', () => {
    const payloads = fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 20 });
    fc.assert(
      fc.property(payloads, fc.array(fc.nat(), { maxLength: 30 }), (frames, cuts) => {
        const stream = encodeFrames(frames);
        const decoded = decodeAll(new FrameDecoder(1024), split(stream, cuts));
        expect(decoded).toEqual(frames.map((f) => [...f]));
      }),
    );
  });

  it('assembles a large frame fed one byte at a time', () => {
    const payload = Uint8Array.from({ length: 100_000 }, (_, i) => i % 251);
    const stream = encodeFrame(payload);
    const decoder = new FrameDecoder(1 << 20);
    const frames: Uint8Array[] = [];
    for (let i = 0; i < stream.length; i++) decoder.push(stream.subarray(i, i + 1), (p) => void frames.push(p));
    expect(frames).toHaveLength(1);
    expect(Buffer.compare(frames[0] ?? new Uint8Array(0), payload)).toBe(0);
    expect(decoder.bufferedBytes()).toBe(0);
  });

  it('refuses a declared length above frameBytesMax before buffering the payload', () => {
    const decoder = new FrameDecoder(100);
    const seen: Uint8Array[] = [];
    const ok = decoder.push(encodeFrame(new Uint8Array(100)), (p) => void seen.push(p));
    expect(ok).toBeNull();
    const error = decoder.push(Uint8Array.of(0, 0, 0, 101), (p) => void seen.push(p));
    expect(error?.code).toBe('FRAME_TOO_LARGE');
    expect(decoder.bufferedBytes()).toBe(0);
    // The decoder stays failed: the stream has lost its framing.
    expect(decoder.push(encodeFrame(new Uint8Array(1)), (p) => void seen.push(p))?.code).toBe('FRAME_TOO_LARGE');
    expect(seen).toHaveLength(1);
  });

  it('refuses a length with the top bit set (no sign confusion)', () => {
    const error = new FrameDecoder(1 << 24).push(Uint8Array.of(0xff, 0xff, 0xff, 0xff), () => {});
    expect(error?.code).toBe('FRAME_TOO_LARGE');
  });

  it('stops handing out frames of a chunk when the handler returns false', () => {
    const decoder = new FrameDecoder(100);
    const seen: number[] = [];
    decoder.push(encodeFrames([Uint8Array.of(1), Uint8Array.of(2)]), (p) => {
      seen.push(p[0] ?? -1);
      return false;
    });
    expect(seen).toEqual([1]);
  });
});
