/**
 * Incremental client request parser: socket chunks in, requests out. Accepts
 * both Redis inline commands (`SET k v\r\n`, typable with nc) and RESP arrays
 * of bulk strings (`*3\r\n$3\r\nSET\r\n...`, what redis-cli and client
 * libraries send), mixed freely on one connection, as Redis does: a request
 * starting with `*` is RESP, anything else is an inline line.
 *
 * Usage: `push(chunk)`, then call `next()` until it returns null. Parsing is
 * lazy, so a caller that stops pulling (back-pressure) must also stop reading
 * the socket; while it keeps pulling, the parser holds at most about
 * lineBytesMax + requestBytesMax(limits) bytes plus the last chunk.
 *
 * Errors: an inline error (unbalanced quotes, too many arguments, line too
 * long) is non-fatal: the rest of that line is skipped and parsing continues.
 * A RESP error is fatal, because the position in the stream is lost and the
 * following bytes could be a value's payload misread as commands; after it the
 * parser yields nothing more and drops input, and the caller should send the
 * error and close the connection (Redis does the same).
 *
 * Request arguments are copied exactly once out of the socket chunks, so a
 * request kept pending does not pin the whole chunk it came in.
 */
import type { LimitsConfig } from '../config/types.js';
import { assert } from '../util/assert.js';
import { ChunkQueue } from './chunk-queue.js';
import { splitInlineArgs } from './inline.js';
import { describeByte } from './printable.js';

export type ParserLimits = Pick<
  LimitsConfig,
  'lineBytesMax' | 'argsMax' | 'keyBytesMax' | 'valueBytesMax'
>;

export type ParsedItem =
  | { readonly type: 'request'; readonly args: Buffer[] }
  /** `message` is the whole error reply text, e.g. `ERR Protocol error: ...`. */
  | { readonly type: 'error'; readonly message: string; readonly fatal: boolean };

/**
 * A bulk string may exceed valueBytesMax by this much before the parser
 * rejects it (fatally). Slightly oversized keys and values thus reach
 * parseCommand, which rejects them with a precise, non-fatal error.
 */
export const BULK_MARGIN_BYTES = 1024;

/** Longest bulk string the parser accepts. */
export function bulkBytesMax(limits: ParserLimits): number {
  return limits.valueBytesMax + BULK_MARGIN_BYTES;
}

/**
 * Most payload bytes in one RESP request: enough for the largest valid
 * command (CAS: a key and two values; DEL/EXISTS: argsMax keys), so only
 * requests that would be rejected anyway hit it.
 */
export function requestBytesMax(limits: ParserLimits): number {
  const cas = limits.keyBytesMax + 2 * bulkBytesMax(limits);
  const manyKeys = limits.argsMax * limits.keyBytesMax;
  return Math.max(cas, manyKeys) + BULK_MARGIN_BYTES;
}

/**
 * Before a connection authenticates, a request may hold at most this many
 * words and bulk strings this long (Redis 7's limits for unauthenticated
 * clients): enough for AUTH and HELLO, and it keeps a client without a
 * password from making the node buffer megabytes per connection.
 */
export const UNAUTHENTICATED_ARGS_MAX = 10;
export const UNAUTHENTICATED_BULK_BYTES_MAX = 16 * 1024;
/** The errors that close a connection for going past those bounds (Redis's wording). */
export const UNAUTHENTICATED_MULTIBULK_ERROR = 'ERR Protocol error: unauthenticated multibulk length';
export const UNAUTHENTICATED_BULK_ERROR = 'ERR Protocol error: unauthenticated bulk length';

const CR = 0x0d;
const LF = 0x0a;
const STAR = 0x2a;
const DOLLAR = 0x24;
const EMPTY = Buffer.alloc(0);

type Phase = 'line' | 'discard' | 'bulkHeader' | 'bulkBody' | 'bulkEnd' | 'closed';
/** What one step of the state machine did: produced an item, moved on, or needs input. */
type Step = ParsedItem | 'moved' | 'wait';

export class RequestParser {
  private readonly input = new ChunkQueue();
  private phase: Phase = 'line';
  /** The RESP request being assembled. */
  private args: Buffer[] = [];
  private argsExpected = 0;
  private argsBytes = 0;
  /** The bulk string being filled. */
  private bulk: Buffer = EMPTY;
  private bulkFilled = 0;
  private crlfSeen = 0;
  private readonly bulkMax: number;
  private readonly requestMax: number;
  /** Set by the edge while its connection has not authenticated: the UNAUTHENTICATED_ limits apply. */
  unauthenticated = false;

  constructor(private readonly limits: ParserLimits) {
    this.bulkMax = bulkBytesMax(limits);
    this.requestMax = requestBytesMax(limits);
  }

  push(chunk: Buffer): void {
    if (this.phase !== 'closed') this.input.push(chunk);
  }

  /** True after a fatal error: nothing more will be parsed. */
  get closed(): boolean {
    return this.phase === 'closed';
  }

  /** Bytes held: unparsed input plus the partly assembled request. */
  get bufferedBytes(): number {
    return this.input.size + this.argsBytes + this.bulk.length;
  }

  /** The next request or error, or null when more input is needed. */
  next(): ParsedItem | null {
    for (;;) {
      const step = this.step();
      if (step === 'wait') return null;
      if (step !== 'moved') return step;
    }
  }

  private step(): Step {
    switch (this.phase) {
      case 'line':
        return this.stepLine();
      case 'discard':
        if (!this.input.discardLine()) return 'wait';
        this.phase = 'line';
        return 'moved';
      case 'bulkHeader':
        return this.stepBulkHeader();
      case 'bulkBody':
        return this.stepBulkBody();
      case 'bulkEnd':
        return this.stepBulkEnd();
      case 'closed':
        return 'wait';
    }
  }

  /** A request's first line: a RESP array header or an inline command. */
  private stepLine(): Step {
    const input = this.input;
    if (!input.readLine()) {
      if (!this.lineOverLimit(input.partialLineBytes - 1)) return 'wait';
      if (input.peekByte() === STAR) return this.fatal(this.lineTooLongMessage());
      this.phase = 'discard';
      return this.error(this.lineTooLongMessage());
    }
    const { lineBuf: line, lineStart: start } = input;
    const end = contentEnd(line, start, input.lineEnd);
    const resp = line[start] === STAR && start < end;
    if (this.lineOverLimit(end - start)) {
      return resp ? this.fatal(this.lineTooLongMessage()) : this.error(this.lineTooLongMessage());
    }
    return resp ? this.startArray(line, start, end) : this.inlineRequest(line, start, end);
  }

  private inlineRequest(line: Buffer, start: number, end: number): Step {
    const args = splitInlineArgs(line, start, end);
    if (typeof args === 'string') return this.error(args);
    if (args.length === 0) return 'moved'; // empty lines are ignored, as in Redis
    if (args.length > this.limits.argsMax) return this.error(this.tooManyArgsMessage(args.length));
    return { type: 'request', args };
  }

  private startArray(line: Buffer, start: number, end: number): Step {
    const count = parseDecimal(line, start + 1, end);
    if (count === null) return this.fatal('ERR Protocol error: invalid multibulk length');
    if (count <= 0) return 'moved'; // `*0` and `*-1` are no-ops in Redis
    if (count > this.limits.argsMax) return this.fatal(this.tooManyArgsMessage(count));
    if (this.unauthenticated && count > UNAUTHENTICATED_ARGS_MAX) return this.fatal(UNAUTHENTICATED_MULTIBULK_ERROR);
    this.args = [];
    this.argsExpected = count;
    this.argsBytes = 0;
    this.phase = 'bulkHeader';
    return 'moved';
  }

  private stepBulkHeader(): Step {
    const input = this.input;
    if (!input.readLine()) {
      if (!this.lineOverLimit(input.partialLineBytes - 1)) return 'wait';
      return this.fatal(this.lineTooLongMessage());
    }
    const { lineBuf: line, lineStart: start } = input;
    const end = contentEnd(line, start, input.lineEnd);
    if (this.lineOverLimit(end - start)) return this.fatal(this.lineTooLongMessage());
    const first = start < end ? line[start] : undefined;
    if (first !== DOLLAR) {
      return this.fatal(`ERR Protocol error: expected '$', got ${describeByte(first)}`);
    }
    const length = parseDecimal(line, start + 1, end);
    if (length === null || length < 0) return this.fatal('ERR Protocol error: invalid bulk length');
    return this.startBulk(length);
  }

  private startBulk(length: number): Step {
    if (this.unauthenticated && length > UNAUTHENTICATED_BULK_BYTES_MAX) return this.fatal(UNAUTHENTICATED_BULK_ERROR);
    if (length > this.bulkMax) {
      return this.fatal(
        `ERR Protocol error: bulk string is ${length} bytes, over valueBytesMax ` +
          `(${this.limits.valueBytesMax})`,
      );
    }
    if (this.argsBytes + length > this.requestMax) {
      return this.fatal(`ERR Protocol error: request is over ${this.requestMax} bytes`);
    }
    this.bulk = length === 0 ? EMPTY : Buffer.allocUnsafe(length);
    this.bulkFilled = 0;
    this.phase = 'bulkBody';
    return 'moved';
  }

  private stepBulkBody(): Step {
    this.bulkFilled += this.input.readInto(this.bulk, this.bulkFilled);
    assert(this.bulkFilled <= this.bulk.length, 'bulk string overfilled');
    if (this.bulkFilled < this.bulk.length) return 'wait';
    this.crlfSeen = 0;
    this.phase = 'bulkEnd';
    return 'moved';
  }

  private stepBulkEnd(): Step {
    while (this.crlfSeen < 2) {
      const byte = this.input.readByte();
      if (byte < 0) return 'wait';
      if (byte !== (this.crlfSeen === 0 ? CR : LF)) {
        return this.fatal('ERR Protocol error: expected CRLF after bulk string');
      }
      this.crlfSeen++;
    }
    assert(this.args.length < this.argsExpected, 'more bulk strings than the array header announced');
    this.args.push(this.bulk);
    this.argsBytes += this.bulk.length;
    this.bulk = EMPTY;
    if (this.args.length < this.argsExpected) {
      this.phase = 'bulkHeader';
      return 'moved';
    }
    const args = this.args;
    this.args = [];
    this.argsBytes = 0;
    this.phase = 'line';
    return { type: 'request', args };
  }

  /** A line's content length (CR excluded) against lineBytesMax. */
  private lineOverLimit(contentBytes: number): boolean {
    return contentBytes > this.limits.lineBytesMax;
  }

  private lineTooLongMessage(): string {
    return `ERR Protocol error: line is over lineBytesMax (${this.limits.lineBytesMax}) bytes`;
  }

  private tooManyArgsMessage(count: number): string {
    return `ERR Protocol error: ${count} arguments, over argsMax (${this.limits.argsMax})`;
  }

  private error(message: string): ParsedItem {
    return { type: 'error', message, fatal: false };
  }

  private fatal(message: string): ParsedItem {
    this.phase = 'closed';
    this.input.clear();
    this.args = [];
    this.argsBytes = 0;
    this.bulk = EMPTY;
    return { type: 'error', message, fatal: true };
  }
}

/** End of line[start, end) without its trailing CR (the LF is already gone). */
function contentEnd(line: Buffer, start: number, end: number): number {
  return end > start && line[end - 1] === CR ? end - 1 : end;
}

/**
 * A decimal integer in line[start, end): an optional '-' then 1 to 15 digits
 * (always exact in a double). Null for anything else, including '+' or blanks.
 */
function parseDecimal(line: Buffer, start: number, end: number): number | null {
  const negative = line[start] === 0x2d;
  const first = negative ? start + 1 : start;
  if (first >= end || end - first > 15) return null;
  let value = 0;
  for (let i = first; i < end; i++) {
    const digit = line[i]! - 0x30;
    if (digit < 0 || digit > 9) return null;
    value = value * 10 + digit;
  }
  return negative ? -value : value;
}
