/**
 * The unparsed bytes of one connection, kept as the socket chunks they arrived
 * in (never concatenated on push). The parser reads lines and exact byte
 * counts from it. The search for a line's LF resumes where the last search
 * stopped, so a long line arriving in many small chunks is scanned once, not
 * once per chunk, and joined with one copy when its LF arrives.
 */
import { assert } from '../util/assert.js';

const LF = 0x0a;

export class ChunkQueue {
  private chunks: Buffer[] = [];
  /** chunks[head] is the first chunk with unread bytes, read from `offset`. */
  private head = 0;
  private offset = 0;
  /** Where the LF search resumes, and how many bytes it has passed (all without LF). */
  private scanIndex = 0;
  private scanPos = 0;
  private scanned = 0;
  /** Unread bytes. */
  size = 0;

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.size += chunk.length;
  }

  clear(): void {
    this.chunks = [];
    this.head = this.offset = this.size = 0;
    this.resetScan();
  }

  /** Bytes already searched for an LF without finding one (a partial line). */
  get partialLineBytes(): number {
    return this.scanned;
  }

  /** The next unread byte, or -1. */
  peekByte(): number {
    const chunk = this.chunks[this.head];
    return chunk === undefined ? -1 : chunk[this.offset]!;
  }

  readByte(): number {
    const byte = this.peekByte();
    if (byte >= 0) this.advance(1);
    return byte;
  }

  /**
   * The line read by the last successful readLine(): bytes [lineStart,
   * lineEnd) of lineBuf, which may be a socket chunk (valid until the next
   * push or read). Fields rather than a subarray: creating a Buffer view per
   * RESP header line is measurably slow on the hot path.
   */
  lineBuf: Buffer = Buffer.alloc(0);
  lineStart = 0;
  lineEnd = 0;

  /** Reads the bytes before the next LF into lineBuf/lineStart/lineEnd, consuming them and the LF; false when no LF has arrived yet. */
  readLine(): boolean {
    const lf = this.findLf();
    if (lf < 0) return false;
    const last = this.chunks[this.scanIndex]!;
    if (this.scanIndex === this.head) {
      this.lineBuf = last;
      this.lineStart = this.offset;
      this.lineEnd = lf;
    } else {
      const parts = [this.chunks[this.head]!.subarray(this.offset)];
      for (let i = this.head + 1; i < this.scanIndex; i++) parts.push(this.chunks[i]!);
      parts.push(last.subarray(0, lf));
      this.lineBuf = Buffer.concat(parts, this.scanned + lf);
      this.lineStart = 0;
      this.lineEnd = this.lineBuf.length;
    }
    this.advance(this.lineEnd - this.lineStart + 1);
    return true;
  }

  /** Drops bytes up to and including the next LF (true), or all bytes when there is none yet (false). */
  discardLine(): boolean {
    const lf = this.findLf();
    if (lf < 0) {
      this.clear();
      return false;
    }
    this.advance(this.scanned + (lf - (this.scanIndex === this.head ? this.offset : 0)) + 1);
    return true;
  }

  /** Copies up to `target.length - at` bytes into target at `at`, consuming them; returns the count. */
  readInto(target: Buffer, at: number): number {
    let copied = 0;
    while (at + copied < target.length && this.size > 0) {
      const chunk = this.chunks[this.head]!;
      const n = Math.min(chunk.length - this.offset, target.length - at - copied);
      copyRange(chunk, this.offset, this.offset + n, target, at + copied);
      this.advance(n);
      copied += n;
    }
    return copied;
  }

  /** Index of the next LF within chunks[scanIndex], or -1 (scan state then covers all chunks). */
  private findLf(): number {
    while (this.scanIndex < this.chunks.length) {
      const chunk = this.chunks[this.scanIndex]!;
      const lf = chunk.indexOf(LF, this.scanPos);
      if (lf >= 0) return lf;
      this.scanned += chunk.length - this.scanPos;
      this.scanIndex++;
      this.scanPos = 0;
    }
    return -1;
  }

  private advance(bytes: number): void {
    assert(bytes <= this.size, 'advance past the end of the queue');
    this.size -= bytes;
    let left = bytes;
    while (left > 0) {
      const chunk = this.chunks[this.head]!;
      const inChunk = chunk.length - this.offset;
      if (left < inChunk) {
        this.offset += left;
        break;
      }
      left -= inChunk;
      this.dropHead();
    }
    if (this.size === 0) this.clear();
    else this.resetScan();
  }

  private dropHead(): void {
    this.chunks[this.head] = undefined as unknown as Buffer; // let the chunk be collected
    this.head++;
    this.offset = 0;
    // Compact now and then so the array does not grow with every chunk ever pushed.
    if (this.head >= 1024 && this.head * 2 >= this.chunks.length) {
      this.chunks = this.chunks.slice(this.head);
      this.head = 0;
    }
  }

  private resetScan(): void {
    this.scanIndex = this.head;
    this.scanPos = this.offset;
    this.scanned = 0;
  }
}

/** Copies source[from, to) to target at `at`. */
export function copyRange(source: Uint8Array, from: number, to: number, target: Uint8Array, at: number): void {
  // For short runs a plain loop beats Buffer#copy, whose call overhead dominates.
  if (to - from > 64) {
    target.set(source.subarray(from, to), at);
    return;
  }
  for (let i = from; i < to; i++) target[at++] = source[i]!;
}

/** A fresh Buffer holding source[from, to). */
export function copyOut(source: Uint8Array, from: number, to: number): Buffer {
  const out = Buffer.allocUnsafe(to - from);
  copyRange(source, from, to, out, 0);
  return out;
}
