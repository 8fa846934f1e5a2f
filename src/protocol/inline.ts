/**
 * Splits a Redis inline command line into arguments the way redis-cli and the
 * Redis server do (`sdssplitargs` in sds.c): words separated by blanks;
 * "double quotes" with \" \\ \n \r \t \b \a \xHH escapes; 'single quotes' with
 * only \' as an escape; a closing quote must be followed by a blank or the end.
 * One deliberate difference: a NUL byte is an ordinary byte here (Redis works
 * on a C string and would stop at it).
 */
import { copyOut } from './chunk-queue.js';

const DQUOTE = 0x22;
const SQUOTE = 0x27;
const BACKSLASH = 0x5c;

export const UNBALANCED_QUOTES = 'ERR Protocol error: unbalanced quotes in request';

/** Ends an unquoted word (sdssplitargs' switch). */
function endsWord(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** Skipped between words (C isspace). */
function isBlank(c: number): boolean {
  return endsWord(c) || c === 0x0b || c === 0x0c;
}

/**
 * The arguments of line[from, to) (without its line terminator), or an error
 * reply text. Each argument is a fresh copy.
 */
export function splitInlineArgs(line: Uint8Array, from = 0, to = line.length): Buffer[] | string {
  const args: Buffer[] = [];
  let scratch: Buffer | null = null;
  let i = from;
  for (;;) {
    while (i < to && isBlank(line[i]!)) i++;
    if (i >= to) return args;
    const start = i;
    let c = line[i]!;
    while (!endsWord(c) && c !== DQUOTE && c !== SQUOTE && ++i < to) c = line[i]!;
    if (i >= to || endsWord(c)) {
      // The common case: a plain word, copied out in one go.
      args.push(copyOut(line, start, i));
      continue;
    }
    scratch ??= Buffer.allocUnsafe(to - from);
    const word = readQuotedWord(line.subarray(0, to), start, scratch);
    if (typeof word === 'string') return word;
    args.push(copyOut(scratch, 0, word.length));
    i = word.next;
  }
}

/**
 * Reads a word that contains quotes, starting at `start`, into scratch.
 * Returns its length and the index after it, or an error text.
 */
function readQuotedWord(
  line: Uint8Array,
  start: number,
  scratch: Buffer,
): { length: number; next: number } | string {
  let i = start;
  let length = 0;
  let quote = 0; // 0 outside quotes, else the quote byte we are inside
  for (;;) {
    const c = line[i];
    if (quote === 0) {
      if (c === undefined || endsWord(c)) return { length, next: i };
      if (c === DQUOTE || c === SQUOTE) quote = c;
      else scratch[length++] = c;
      i++;
      continue;
    }
    if (c === undefined) return UNBALANCED_QUOTES;
    if (c === quote) {
      const after = line[i + 1];
      if (after !== undefined && !isBlank(after)) return UNBALANCED_QUOTES;
      return { length, next: i + 1 };
    }
    const escape = quote === DQUOTE ? doubleQuotedEscape(line, i) : singleQuotedEscape(line, i);
    if (escape === null) {
      scratch[length++] = c;
      i++;
    } else {
      scratch[length++] = escape.byte;
      i += escape.width;
    }
  }
}

function doubleQuotedEscape(line: Uint8Array, i: number): { byte: number; width: number } | null {
  if (line[i] !== BACKSLASH || i + 1 >= line.length) return null;
  const next = line[i + 1]!;
  if (next === 0x78 /* x */) {
    const hi = hexValue(line[i + 2]);
    const lo = hexValue(line[i + 3]);
    if (hi >= 0 && lo >= 0) return { byte: hi * 16 + lo, width: 4 };
  }
  return { byte: ESCAPES.get(next) ?? next, width: 2 };
}

function singleQuotedEscape(line: Uint8Array, i: number): { byte: number; width: number } | null {
  return line[i] === BACKSLASH && line[i + 1] === SQUOTE ? { byte: SQUOTE, width: 2 } : null;
}

const ESCAPES = new Map<number, number>([
  [0x6e, 0x0a], // \n
  [0x72, 0x0d], // \r
  [0x74, 0x09], // \t
  [0x62, 0x08], // \b
  [0x61, 0x07], // \a
]);

function hexValue(c: number | undefined): number {
  if (c === undefined) return -1;
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const lower = c | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}
