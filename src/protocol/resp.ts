/**
 * RESP2 reply encoders. Small fixed replies are strings (cheap to build and
 * to coalesce); replies that carry user bytes are Buffers built with a single
 * allocation and one copy of each payload. A socket accepts both.
 */
import type { KvQueryResult, KvResult } from '../kv/commands.js';
import { assert, assertNever } from '../util/assert.js';

export type RespReply = string | Buffer;

export const OK_REPLY = '+OK\r\n';
export const PONG_REPLY = '+PONG\r\n';
export const NULL_BULK_REPLY = '$-1\r\n';
export const EMPTY_ARRAY_REPLY = '*0\r\n';

const CRLF_PATTERN = /[\r\n]+/g;

/** `+text`; CR/LF would end the reply early, so they become spaces. */
export function encodeSimpleString(text: string): string {
  return `+${text.replace(CRLF_PATTERN, ' ')}\r\n`;
}

/**
 * `-text`, the whole error text given (`ERR ...`, `MOVED 0 host:port`,
 * `TRYAGAIN ...`, `BUSY ...`); CR/LF become spaces, as Redis does.
 */
export function encodeError(text: string): string {
  return `-${text.replace(CRLF_PATTERN, ' ')}\r\n`;
}

export function encodeInteger(value: number | bigint): string {
  assert(typeof value === 'bigint' || Number.isSafeInteger(value), `not an integer: ${value}`);
  return `:${value}\r\n`;
}

/** `$len` + bytes, or `$-1` for null. */
export function encodeBulk(value: Uint8Array | null): RespReply {
  if (value === null) return NULL_BULK_REPLY;
  const out = Buffer.allocUnsafe(bulkSize(value));
  writeBulk(out, 0, value);
  return out;
}

/** An array of bulk strings; null elements encode as `nullReply` (`$-1`, RESP3 `_`). */
export function encodeBulkArray(values: readonly (Uint8Array | null)[], nullReply = NULL_BULK_REPLY): RespReply {
  if (values.length === 0) return EMPTY_ARRAY_REPLY;
  const header = `*${values.length}\r\n`;
  let size = header.length;
  for (const value of values) size += value === null ? nullReply.length : bulkSize(value);
  const out = Buffer.allocUnsafe(size);
  let at = out.write(header, 0, 'latin1');
  for (const value of values) {
    at = value === null ? at + out.write(nullReply, at, 'latin1') : writeBulk(out, at, value);
  }
  assert(at === size, 'array reply size mismatch');
  return out;
}

export function concatReplies(replies: readonly RespReply[]): Buffer {
  return Buffer.concat(replies.map((r) => (typeof r === 'string' ? Buffer.from(r, 'utf8') : r)));
}

function bulkSize(value: Uint8Array): number {
  return 1 + decimalLength(value.length) + 2 + value.length + 2;
}

/** Writes `$len\r\n<bytes>\r\n` at `at`; returns the index after it. */
function writeBulk(out: Buffer, at: number, value: Uint8Array): number {
  let i = at + out.write(`$${value.length}\r\n`, at, 'latin1');
  out.set(value, i);
  i += value.length;
  out[i++] = 0x0d;
  out[i++] = 0x0a;
  return i;
}

function decimalLength(n: number): number {
  return String(n).length;
}
