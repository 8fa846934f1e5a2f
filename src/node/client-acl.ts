/**
 * Client users as Redis ACL users, simplified: on or off, passwords held as
 * SHA-256 digests (or nopass), one of three command sets (all, read, none),
 * and key patterns (`~glob`) that every key a command touches must match.
 * Users are immutable values: ACL SETUSER builds a new one from the old and
 * its rules, all or nothing, as Redis applies a SETUSER line.
 */
import { createHash } from 'node:crypto';
import type { ClientCommands } from '../config/types.js';
import { USER_NAME_PATTERN } from '../config/client-auth.js';
import { compileGlob, type GlobMatcher } from '../protocol/glob.js';

/** The keys a user may touch: every key, or those matching one of its patterns. */
export interface KeyAccess {
  readonly all: boolean;
  readonly patterns: readonly Buffer[];
  readonly matchers: readonly GlobMatcher[];
}

export const ALL_KEYS: KeyAccess = { all: true, patterns: [Buffer.from('*')], matchers: [] };
export const NO_KEYS: KeyAccess = { all: false, patterns: [], matchers: [] };

export interface ClientUser {
  readonly name: string;
  readonly commands: ClientCommands;
  readonly keys: KeyAccess;
}

export interface StoredUser extends ClientUser {
  readonly enabled: boolean;
  /** Any password is right (Redis's nopass); digests are then empty. */
  readonly nopass: boolean;
  readonly digests: readonly Buffer[];
}

/** Key patterns per user and bytes per pattern (SETUSER and the config: KEY_PATTERNS_MAX in src/config/client-auth.ts). */
const PATTERNS_MAX = 256;
const PATTERN_BYTES_MAX = 1024;
/** Passwords per user. */
const PASSWORDS_MAX = 16;

export const NOPERM_KEY = 'NOPERM this user has no permissions to access one of the keys used as arguments';

export function keyAccess(patterns: readonly Buffer[]): KeyAccess {
  if (patterns.some((p) => p.length === 1 && p[0] === 0x2a)) return ALL_KEYS;
  return { all: false, patterns, matchers: patterns.map((p) => compileGlob(p)) };
}

/** Whether the user may touch every one of `keys`. */
export function keysAllowed(access: KeyAccess, keys: readonly Buffer[]): boolean {
  if (access.all) return true;
  return keys.every((key) => access.matchers.some((match) => match(key)));
}

/** A user as SETUSER creates it before its rules: off, no password, no commands, no keys (Redis's defaults). */
export function newUser(name: string): StoredUser {
  return { name, enabled: false, nopass: false, digests: [], commands: 'none', keys: NO_KEYS };
}

export function sha256(bytes: Buffer | string): Buffer {
  return createHash('sha256').update(bytes).digest();
}

/** A user name SETUSER may create (the config's rule: names appear in logs and CLIENT LIST). */
export function userNameProblem(name: string): string | null {
  return USER_NAME_PATTERN.test(name) ? null : "ERR raftkv user names are 1-64 letters, digits, '.', '_', '@' or '-', starting with a letter or digit";
}

/**
 * Applies ACL SETUSER rules in order to `user`; the new user, or the error
 * for the first rule that fails (the user is then left unchanged).
 */
export function applyRules(user: StoredUser, rules: readonly Buffer[]): StoredUser | { error: string } {
  let next: Mutable<StoredUser> = { ...user };
  for (const raw of rules) {
    const rule = raw.toString('latin1');
    const problem = applyRule(next, rule, raw);
    if (problem === 'reset') {
      next = { ...newUser(user.name) };
      continue;
    }
    if (problem !== null) return { error: `ERR Error in ACL SETUSER modifier '${printable(rule)}': ${problem}` };
  }
  return next;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** One rule applied in place; null when done, 'reset' for the reset rule, else what is wrong. */
function applyRule(user: Mutable<StoredUser>, rule: string, raw: Buffer): string | 'reset' | null {
  const lower = rule.toLowerCase();
  switch (lower) {
    case 'on':
    case 'off':
      user.enabled = lower === 'on';
      return null;
    case 'nopass':
      user.nopass = true;
      user.digests = [];
      return null;
    case 'resetpass':
      user.nopass = false;
      user.digests = [];
      return null;
    case 'allkeys':
      user.keys = ALL_KEYS;
      return null;
    case 'resetkeys':
      user.keys = NO_KEYS;
      return null;
    case 'allcommands':
    case '+@all':
      user.commands = 'all';
      return null;
    case 'nocommands':
    case '-@all':
      user.commands = 'none';
      return null;
    case '+@read':
      if (user.commands === 'none') user.commands = 'read';
      return null;
    case '-@write':
      if (user.commands === 'all') user.commands = 'read';
      return null;
    // raftkv has no pub/sub channels to guard (only keyspace notifications): these are accepted and change nothing.
    case 'allchannels':
    case 'resetchannels':
    case '&*':
      return null;
    case 'reset':
      return 'reset';
  }
  const first = rule[0];
  const rest = raw.subarray(1);
  if (first === '~') return addPattern(user, rest);
  if (first === '>' || first === '#') return addPassword(user, first === '>' ? sha256(rest) : hexDigest(rest.toString('latin1')));
  if (first === '<' || first === '!') return removePassword(user, first === '<' ? sha256(rest) : hexDigest(rest.toString('latin1')));
  if (first === '+' || first === '-' || first === '%' || first === '&' || first === '(') {
    return 'raftkv users have three command sets: +@all (allcommands), -@all (nocommands), and reads only (-@all +@read, or +@all -@write); no read/write key selectors, channels or selectors';
  }
  return 'Syntax error';
}

function addPattern(user: Mutable<StoredUser>, pattern: Buffer): string | null {
  if (pattern.length === 0 || pattern.length > PATTERN_BYTES_MAX) return `a key pattern must be 1 to ${PATTERN_BYTES_MAX} bytes`;
  // `~*` is `allkeys`, whatever came before (Redis 7.0); any other pattern after it is a mistake Redis reports.
  if (pattern.length === 1 && pattern[0] === 0x2a) {
    user.keys = ALL_KEYS;
    return null;
  }
  if (user.keys.all) {
    return "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns";
  }
  if (user.keys.patterns.length >= PATTERNS_MAX) return `at most ${PATTERNS_MAX} key patterns per user`;
  if (user.keys.patterns.some((p) => p.equals(pattern))) return null;
  user.keys = keyAccess([...user.keys.patterns, Buffer.from(pattern)]);
  return null;
}

function addPassword(user: Mutable<StoredUser>, digest: Buffer | null): string | null {
  if (digest === null) return 'The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters';
  user.nopass = false;
  if (user.digests.some((d) => d.equals(digest))) return null;
  if (user.digests.length >= PASSWORDS_MAX) return `at most ${PASSWORDS_MAX} passwords per user`;
  user.digests = [...user.digests, digest];
  return null;
}

function removePassword(user: Mutable<StoredUser>, digest: Buffer | null): string | null {
  if (digest === null) return 'The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters';
  if (!user.digests.some((d) => d.equals(digest))) return 'The password you are trying to remove from the user does not exist';
  user.digests = user.digests.filter((d) => !d.equals(digest));
  return null;
}

function hexDigest(text: string): Buffer | null {
  return /^[0-9a-f]{64}$/.test(text) ? Buffer.from(text, 'hex') : null;
}

/** The commands rule as ACL LIST and GETUSER show it. */
export function commandsRule(commands: ClientCommands): string {
  return commands === 'all' ? '+@all' : commands === 'read' ? '-@all +@read' : '-@all';
}

/** The keys rules as ACL LIST and GETUSER show them (`~*` for every key). */
export function keysRule(keys: KeyAccess): string {
  return keys.patterns.map((p) => `~${p.toString('latin1')}`).join(' ');
}

/** One ACL LIST line, in Redis's form (channels: raftkv has none to grant). */
export function describeUser(user: StoredUser): string {
  const passwords = user.nopass ? ['nopass'] : user.digests.map((d) => `#${d.toString('hex')}`);
  const keys = keysRule(user.keys);
  return ['user', user.name, user.enabled ? 'on' : 'off', ...passwords, ...(keys === '' ? [] : [keys]), 'resetchannels', commandsRule(user.commands)].join(' ');
}

/** A rule as sent by a client, safe to echo in an error reply (it may be a password: only its start is shown). */
function printable(rule: string): string {
  const shown = rule.startsWith('>') || rule.startsWith('<') ? `${rule[0]}...` : rule.length > 64 ? `${rule.slice(0, 64)}...` : rule;
  return shown.replace(/[^\x20-\x7e]/g, '?');
}
