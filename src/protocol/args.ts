/**
 * Helpers for command handlers: results, Redis's error wording, and the
 * limit checks on keys and values (errors name the limit).
 */
import type { LimitsConfig } from '../config/types.js';
import type { ClientRequest, EdgeRequest, ParseResult } from './commands.js';
import { printableBytes } from './printable.js';

export type CommandLimits = Pick<LimitsConfig, 'keyBytesMax' | 'valueBytesMax' | 'keysPerReplyMax'>;

/** Bytes of an argument echoed in an error (Redis: 128). */
export const ECHO_BYTES_MAX = 128;

export const NOT_INTEGER = 'ERR value is not an integer or out of range';
export const NOT_FLOAT = 'ERR value is not a valid float';
export const SYNTAX = 'ERR syntax error';

export function ok(request: ClientRequest | EdgeRequest): ParseResult {
  return { ok: true, request };
}

export function fail(error: string): ParseResult {
  return { ok: false, error };
}

export function wrongArity(name: string): string {
  return `ERR wrong number of arguments for '${name}' command`;
}

export function unknownSubcommand(sub: Buffer, command: string): string {
  return `ERR unknown subcommand '${printableBytes(sub, ECHO_BYTES_MAX)}'. Try ${command} HELP.`;
}

export function lower(arg: Buffer): string {
  return arg.toString('latin1').toLowerCase();
}

function overLimit(what: string, bytes: number, limitName: string, limit: number): string | null {
  return bytes > limit ? `ERR ${what} is ${bytes} bytes, over ${limitName} (${limit})` : null;
}

export function keyError(key: Buffer, limits: CommandLimits, what = 'key'): string | null {
  return overLimit(what, key.length, 'keyBytesMax', limits.keyBytesMax);
}

export function valueError(value: Buffer, limits: CommandLimits): string | null {
  return overLimit('value', value.length, 'valueBytesMax', limits.valueBytesMax);
}

/** The first limit error among keys, or null. */
export function keysError(keys: readonly Buffer[], limits: CommandLimits): string | null {
  for (const key of keys) {
    const error = keyError(key, limits);
    if (error !== null) return error;
  }
  return null;
}

/**
 * A multi-key write (MSET, a transaction) is one log entry, so its payload
 * is bounded like the largest single SET (keyBytesMax + valueBytesMax), which
 * the peer frame limit is checked to hold.
 */
export function entryBytesError(args: readonly Buffer[], limits: CommandLimits): string | null {
  let bytes = 0;
  for (const arg of args) bytes += arg.length;
  return overLimit('command', bytes, 'keyBytesMax + valueBytesMax', limits.keyBytesMax + limits.valueBytesMax);
}

/** A 64-bit signed integer as Redis accepts it, or null (beyond 2^53 becomes null too: values are JS numbers). */
export function integerArg(arg: Buffer): number | null {
  const text = arg.toString('latin1');
  if (!/^-?(0|[1-9]\d{0,18})$/.test(text)) return null;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : null;
}

export function positiveInteger(arg: Buffer): number | null {
  const value = integerArg(arg);
  return value !== null && value >= 1 ? value : null;
}
