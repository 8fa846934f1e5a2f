/**
 * The commands raftkv has, with what Redis's COMMAND reports about each
 * (arity, flags, key positions, group, summary): one table drives parsing,
 * arity checks and the COMMAND / COMMAND INFO / COMMAND DOCS replies, so
 * cluster clients that learn key positions from COMMAND (redis-py) see
 * exactly the commands that exist.
 */
import type { CommandLimits } from './args.js';
import type { ParseResult } from './commands.js';
import { KEY_COMMANDS } from './key-commands.js';
import { RAFTKV_COMMANDS } from './raftkv-commands.js';
import { SERVER_COMMANDS } from './server-commands.js';
import { STRING_COMMANDS } from './string-commands.js';

/** Parses a command's arguments (the name excluded); `name` is lower-case. */
export type Handler = (args: readonly Buffer[], limits: CommandLimits, name: string) => ParseResult;

export interface CommandSpec {
  readonly name: string;
  /** Redis's arity: n means exactly n words (name included), -n at least n. */
  readonly arity: number;
  /** Most words, where raftkv bounds a command Redis leaves open. */
  readonly argsMax?: number;
  /** Redis's command flags (write, readonly, fast, ...). */
  readonly flags: readonly string[];
  /** Key positions as COMMAND reports them: first, last (-1: the last argument), step; 0 0 0 for none. */
  readonly keys: readonly [number, number, number];
  readonly group: string;
  readonly summary: string;
  /** The Redis version that introduced it, or raftkv's for its own commands. */
  readonly since: string;
  readonly parse: Handler;
}

export const COMMAND_TABLE: ReadonlyMap<string, CommandSpec> = new Map(
  [...STRING_COMMANDS, ...KEY_COMMANDS, ...RAFTKV_COMMANDS, ...SERVER_COMMANDS].map((spec) => [spec.name, spec]),
);
