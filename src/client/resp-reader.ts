/**
 * Incremental RESP2 reply parser. Feed it socket chunks as they arrive; it
 * returns the replies completed by each chunk, in order.
 *
 * Linear in the input, whatever the chunking: finished elements of a partly
 * received array are kept on a stack (never re-parsed), and a large bulk string
 * is copied once into a buffer of its final size instead of re-concatenating
 * the unparsed tail on every chunk. Only an unfinished header line is
 * re-joined, and lines are short (bounded by `lineBytesMax`).
 */
import type { Reply } from './reply.js';

export class RespProtocolError extends Error {
  override readonly name = 'RespProtocolError';
}

export interface RespReaderOptions {
  /** Longest simple string, error or header line accepted. */
  readonly lineBytesMax?: number;
  /** Largest bulk string accepted. */
  readonly bulkBytesMax?: number;
  /** Deepest nesting of arrays accepted. */
  readonly depthMax?: number;
}

interface PartialArray {
  readonly items: Reply[];
  remaining: number;
}

interface PartialBulk {
  /** Body plus its trailing CRLF. */
  readonly data: Buffer;
  filled: number;
}

const EMPTY = Buffer.alloc(0);
const CR = 13;
const LF = 10;

export class RespReader {
  private buf: Buffer = EMPTY;
  private pos = 0;
  private readonly stack: PartialArray[] = [];
  private bulk: PartialBulk | null = null;
  private out: Reply[] = [];
  private readonly lineBytesMax: number;
  private readonly bulkBytesMax: number;
  private readonly depthMax: number;

  constructor(options: RespReaderOptions = {}) {
    this.lineBytesMax = options.lineBytesMax ?? 1024 * 1024;
    this.bulkBytesMax = options.bulkBytesMax ?? 512 * 1024 * 1024;
    this.depthMax = options.depthMax ?? 64;
  }

  /** True when no reply is partly received. */
  get idle(): boolean {
    return this.bulk === null && this.stack.length === 0 && this.pos >= this.buf.length;
  }

  /** Parses a chunk; throws RespProtocolError on malformed input (the stream is then unusable). */
  feed(chunk: Uint8Array): Reply[] {
    this.out = [];
    let input = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (this.bulk !== null) {
      const used = this.fillBulk(input);
      input = input.subarray(used);
    }
    if (input.length > 0) this.append(input);
    this.parseAvailable();
    const replies = this.out;
    this.out = [];
    return replies;
  }

  private append(input: Buffer): void {
    if (this.pos >= this.buf.length) {
      this.buf = input;
    } else {
      this.buf = Buffer.concat([this.buf.subarray(this.pos), input]);
    }
    this.pos = 0;
  }

  private parseAvailable(): void {
    while (this.bulk === null && this.pos < this.buf.length) {
      const end = this.findLineEnd();
      if (end < 0) break;
      const type = this.buf[this.pos];
      const line = this.buf.toString('utf8', this.pos + 1, end);
      this.pos = end + 2;
      this.parseLine(type, line);
    }
    if (this.pos >= this.buf.length) {
      this.buf = EMPTY;
      this.pos = 0;
    }
  }

  /** Index of the CR ending the line at `pos`, or -1 while the line is incomplete. */
  private findLineEnd(): number {
    const cr = this.buf.indexOf(CR, this.pos);
    if (cr < 0 || cr + 1 >= this.buf.length) {
      if (this.buf.length - this.pos > this.lineBytesMax) {
        throw new RespProtocolError(`reply line longer than ${this.lineBytesMax} bytes`);
      }
      return -1;
    }
    if (this.buf[cr + 1] !== LF) throw new RespProtocolError('CR not followed by LF');
    return cr;
  }

  private parseLine(type: number | undefined, line: string): void {
    switch (type) {
      case 0x2b: // '+'
        return this.emit({ type: 'simple', value: line });
      case 0x2d: // '-'
        return this.emit({ type: 'error', message: line });
      case 0x3a: // ':'
        return this.emit({ type: 'integer', value: parseInteger(line) });
      case 0x24: // '$'
        return this.startBulk(parseInteger(line));
      case 0x2a: // '*'
        return this.startArray(parseInteger(line));
      default:
        throw new RespProtocolError(`unknown reply type byte ${String(type)}`);
    }
  }

  private startBulk(length: number): void {
    if (length === -1) return this.emit({ type: 'bulk', value: null });
    if (length < -1 || length > this.bulkBytesMax) {
      throw new RespProtocolError(`bad bulk string length ${length}`);
    }
    this.bulk = { data: Buffer.allocUnsafe(length + 2), filled: 0 };
    const used = this.fillBulk(this.buf.subarray(this.pos));
    this.pos += used;
  }

  /** Copies bytes into the partial bulk string; returns how many it used. */
  private fillBulk(input: Buffer): number {
    const bulk = this.bulk;
    if (bulk === null) return 0;
    const used = Math.min(input.length, bulk.data.length - bulk.filled);
    input.copy(bulk.data, bulk.filled, 0, used);
    bulk.filled += used;
    if (bulk.filled === bulk.data.length) {
      const n = bulk.data.length - 2;
      if (bulk.data[n] !== CR || bulk.data[n + 1] !== LF) {
        throw new RespProtocolError('bulk string not terminated by CRLF');
      }
      this.bulk = null;
      this.emit({ type: 'bulk', value: bulk.data.subarray(0, n) });
    }
    return used;
  }

  private startArray(count: number): void {
    if (count === -1) return this.emit({ type: 'array', value: null });
    if (count < -1) throw new RespProtocolError(`bad array length ${count}`);
    if (count === 0) return this.emit({ type: 'array', value: [] });
    if (this.stack.length >= this.depthMax) throw new RespProtocolError('arrays nested too deeply');
    this.stack.push({ items: [], remaining: count });
  }

  /** Hands a finished value to the innermost open array, closing arrays it completes. */
  private emit(value: Reply): void {
    let done = value;
    for (;;) {
      const top = this.stack[this.stack.length - 1];
      if (top === undefined) {
        this.out.push(done);
        return;
      }
      top.items.push(done);
      top.remaining -= 1;
      if (top.remaining > 0) return;
      this.stack.pop();
      done = { type: 'array', value: top.items };
    }
  }
}

function parseInteger(line: string): number {
  if (!/^-?\d+$/.test(line)) throw new RespProtocolError(`bad integer ${JSON.stringify(line)}`);
  return Number(line);
}
