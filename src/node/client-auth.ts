/**
 * Client authentication at the edge, as Redis does it: AUTH [user] password,
 * HELLO ... AUTH user password, -NOAUTH before it, -WRONGPASS on a bad pair,
 * -NOPERM for a read-only user's writes and for keys outside a user's
 * patterns. The users are the config's, changed at run time by ACL SETUSER
 * and DELUSER on this node alone (nothing is persisted or replicated).
 *
 * Passwords are held only as SHA-256 digests and compared in constant time
 * (an unknown user costs the same hash and comparison as a known one), and
 * never logged. Guessing is slowed three ways: a connection is closed after
 * failuresPerConnectionMax wrong passwords, an address that failed
 * failuresPerAddressMax times is refused unchecked until addressLockoutMs
 * after its first failure, and an unauthenticated connection is closed after
 * authTimeoutMs.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import type { ClientAuthConfig, ClientCommands } from '../config/types.js';
import { RateLimitedWarn } from '../log/rate-limited.js';
import { COMMAND_TABLE } from '../protocol/command-table.js';
import { commandKeys } from '../protocol/command-keys.js';
import type { ParseResult } from '../protocol/commands.js';
import { ALL_KEYS, applyRules, keyAccess, keysAllowed, newUser, NOPERM_KEY, sha256, userNameProblem, type ClientUser, type StoredUser } from './client-acl.js';
import { NodeStartError } from './errors.js';

export { sha256, type ClientUser } from './client-acl.js';

export const NOAUTH = 'NOAUTH Authentication required.';
export const HELLO_NOAUTH =
  'NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time';
export const WRONGPASS = 'WRONGPASS invalid username-password pair or user is disabled.';
export const NO_PASSWORD_CONFIGURED =
  'ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?';

/** Commands a connection may send before it authenticates (Redis's no_auth flag). */
export const NO_AUTH_COMMANDS: ReadonlySet<string> = new Set(['auth', 'hello', 'quit', 'reset']);

/** Commands whose refusals name the subcommand too (Redis's `acl|setuser`). */
const CONTAINER_COMMANDS: ReadonlySet<string> = new Set(['acl', 'client', 'cluster', 'command', 'config']);

/** The user `AUTH password` (one argument) authenticates as. */
export const DEFAULT_USER = 'default';

/** Without clientAuth, every connection is the default user with every command, as in Redis without requirepass. */
export const OPEN_USER: StoredUser = { name: DEFAULT_USER, commands: 'all', keys: ALL_KEYS, enabled: true, nopass: true, digests: [] };

/** Users ACL SETUSER may create beyond the config's. */
export const USERS_MAX = 1_000;

export type AuthOutcome =
  | { readonly ok: true; readonly user: ClientUser }
  /** `lockedOut`: refused without checking; the connection should be closed after the reply. */
  | { readonly ok: false; readonly error: string; readonly lockedOut: boolean };

/** Addresses whose failures are remembered; beyond it the oldest entry is forgotten. */
const ADDRESSES_TRACKED_MAX = 10_000;

/**
 * The user label of AUTH counters for a name no user has: what clients send
 * is unbounded, so every unknown name counts under this one label.
 * Configured names match USER_NAME_PATTERN, which cannot start with '('.
 */
export const UNKNOWN_USER_LABEL = '(unknown)';

/** Users counted under their own name; beyond it (users created and deleted at run time) they count as unknown. */
const USER_LABELS_MAX = 1_000;

/** AUTH outcomes per user label, for /metrics (copied at scrape time). */
export interface AuthCounts {
  readonly successes: Map<string, number>;
  /** Wrong user name or password. */
  readonly failures: Map<string, number>;
  /** Refused unchecked: the address was locked out. */
  readonly lockedOut: Map<string, number>;
}

/** Compared against when the user does not exist, so that costs what a real check does. */
const DUMMY_DIGEST = createHash('sha256').update('raftkv: no such user').digest();

export class ClientAuth {
  /** Every user by name; without clientAuth, the default user alone, nopass, until ACL SETUSER changes it. */
  private readonly users: Map<string, StoredUser>;
  /** Bumped by every ACL SETUSER and DELUSER: a connection whose user is older looks it up again (current()). */
  private generationCount = 0;
  /** Failed attempts per remote IP: how many, since when (ms). Insertion order is age order. */
  private readonly failures = new Map<string, { count: number; sinceMs: number }>();
  private readonly warn: RateLimitedWarn;
  /** Counts for INFO and tests: failed checks, and attempts refused unchecked from a locked-out address. */
  readonly counts = { failed: 0, lockedOut: 0 };
  /** The same by user label, with the successes, for /metrics. */
  readonly byUser: AuthCounts = { successes: new Map(), failures: new Map(), lockedOut: new Map() };

  constructor(
    readonly config: ClientAuthConfig | null,
    users: readonly StoredUser[],
    logger: Logger,
    private readonly now: () => number = () => Date.now(),
  ) {
    this.users = new Map(config === null ? [[DEFAULT_USER, OPEN_USER]] : users.map((user) => [user.name, user]));
    this.warn = new RateLimitedWarn(logger);
  }

  /** Reads every passwordFile; throws NodeStartError CLIENT_AUTH_INVALID naming the user and file. */
  static load(config: ClientAuthConfig | null | undefined, logger: Logger, now?: () => number): ClientAuth {
    if (!config) return new ClientAuth(null, [], logger, now);
    const users = config.users.map((user, i): StoredUser => {
      const digest =
        user.passwordSha256 !== undefined ? Buffer.from(user.passwordSha256, 'hex') : sha256(readPasswordFile(user.passwordFile!, `clientAuth.users[${i}].passwordFile`));
      const keys = user.keys === undefined ? ALL_KEYS : keyAccess(user.keys.map((k) => Buffer.from(k, 'utf8')));
      return { name: user.name, commands: user.commands, keys, enabled: true, nopass: false, digests: [digest] };
    });
    return new ClientAuth(config, users, logger, now);
  }

  /** True when clientAuth is configured: connections must authenticate before anything else. */
  get required(): boolean {
    return this.config !== null;
  }

  /** The user a new (or RESET) connection starts as: the default user when it is on and nopass (Redis), else none. */
  initialUser(): ClientUser | null {
    const user = this.users.get(DEFAULT_USER);
    return user !== undefined && user.enabled && user.nopass ? user : null;
  }

  /** Changes with every ACL SETUSER and DELUSER. */
  get generation(): number {
    return this.generationCount;
  }

  /** The current version of a connection's user (SETUSER applies to connections at once); null once it is deleted. */
  current(user: ClientUser): ClientUser | null {
    return this.users.get(user.name) ?? null;
  }

  /** ACL SETUSER: creates or changes a user (all rules or none); null, or the error reply text. */
  setUser(name: string, rules: readonly Buffer[]): string | null {
    const old = this.users.get(name);
    if (old === undefined) {
      const problem = userNameProblem(name);
      if (problem !== null) return problem;
      if (this.users.size >= (this.config?.users.length ?? 1) + USERS_MAX) return `ERR too many users (at most ${USERS_MAX} made by ACL SETUSER)`;
    }
    const next = applyRules(old ?? newUser(name), rules);
    if ('error' in next) return next.error;
    this.users.set(name, next);
    this.generationCount++;
    return null;
  }

  /** ACL DELUSER: how many of the names were users; the default user cannot be removed. */
  deleteUsers(names: readonly string[]): number | string {
    if (names.includes(DEFAULT_USER)) return "ERR The 'default' user cannot be removed";
    let deleted = 0;
    for (const name of names) if (this.users.delete(name)) deleted++;
    if (deleted > 0) this.generationCount++;
    return deleted;
  }

  getUser(name: string): StoredUser | null {
    return this.users.get(name) ?? null;
  }

  /** Every user, by name. */
  list(): StoredUser[] {
    return [...this.users.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /**
   * Checks a user name and password (`user` null: AUTH with the password
   * alone, which means the default user). `remoteIp` is the client's address,
   * for the lockout; `conn` only labels the log line.
   */
  authenticate(user: string | null, password: Buffer, remoteIp: string, conn: number): AuthOutcome {
    // Redis: AUTH with a password alone, while the default user needs none, is a configuration mistake.
    if (user === null && this.users.get(DEFAULT_USER)?.nopass === true) return { ok: false, error: NO_PASSWORD_CONFIGURED, lockedOut: false };
    const name = user ?? DEFAULT_USER;
    const lockout = this.lockoutLeftMs(remoteIp);
    if (lockout > 0) {
      this.counts.lockedOut++;
      this.count(this.byUser.lockedOut, name);
      this.warn.warn('auth-locked-out', { conn, remote: remoteIp }, 'client AUTH refused unchecked: too many failed attempts from this address');
      return { ok: false, error: `ERR too many failed authentication attempts from ${remoteIp}; try again in ${Math.ceil(lockout / 1000)} s`, lockedOut: true };
    }
    const stored = this.users.get(name);
    const matches = passwordMatches(stored, sha256(password)) && stored !== undefined && stored.enabled;
    if (matches) {
      this.count(this.byUser.successes, name);
      return { ok: true, user: stored };
    }
    this.counts.failed++;
    this.count(this.byUser.failures, name);
    this.recordFailure(remoteIp);
    // The name is logged (it says whom someone tries to be); the password never is.
    this.warn.warn('auth-failed', { conn, remote: remoteIp, user: printableName(name) }, 'client AUTH failed: wrong user name or password');
    return { ok: false, error: WRONGPASS, lockedOut: false };
  }

  /** One more in `counts` for the name's label: its own for a user that exists, else UNKNOWN_USER_LABEL. */
  private count(counts: Map<string, number>, name: string): void {
    const known = this.users.has(name);
    const label = known && (counts.has(name) || counts.size < USER_LABELS_MAX) ? name : UNKNOWN_USER_LABEL;
    counts.set(label, (counts.get(label) ?? 0) + 1);
  }

  private lockoutLeftMs(ip: string): number {
    const entry = this.failures.get(ip);
    if (entry === undefined || this.config === null) return 0;
    const left = entry.sinceMs + this.config.addressLockoutMs - this.now();
    if (left <= 0) {
      this.failures.delete(ip);
      return 0;
    }
    return entry.count >= this.config.failuresPerAddressMax ? left : 0;
  }

  private recordFailure(ip: string): void {
    const entry = this.failures.get(ip);
    if (entry !== undefined) {
      entry.count++;
      return;
    }
    if (this.failures.size >= ADDRESSES_TRACKED_MAX) this.failures.delete(this.failures.keys().next().value!);
    this.failures.set(ip, { count: 1, sinceMs: this.now() });
  }
}

/**
 * Compares the digest against every password the user has, and against a
 * dummy when it has none (or does not exist), so the time taken says nothing
 * about which; a nopass user takes any password.
 */
function passwordMatches(user: StoredUser | undefined, digest: Buffer): boolean {
  const digests = user === undefined || user.digests.length === 0 ? [DUMMY_DIGEST] : user.digests;
  let matched = false;
  for (const candidate of digests) matched = timingSafeEqual(digest, candidate) || matched;
  return matched || user?.nopass === true;
}

/**
 * A read-only user's refusal, or null when the user may run it. Writes (all
 * that goes through the log), leadership transfer, membership changes, CONFIG SET, SNAPSHOT
 * (the whole data set) and DEBUG are refused; Redis's wording.
 */
export function refusedCommand(commands: ClientCommands, name: string, args: readonly Buffer[], kind: string): string | null {
  if (commands === 'all') return null;
  const sub = args[1]?.toString('latin1').toLowerCase();
  let refused: string | null = null;
  if (commands === 'none') refused = NO_AUTH_COMMANDS.has(name) ? null : CONTAINER_COMMANDS.has(name) && sub !== undefined ? `${name}|${sub}` : name;
  else if (kind === 'write') refused = name;
  else if (kind === 'transfer-leader') refused = 'cluster|transfer-leader';
  else if (kind === 'membership') refused = 'cluster|member';
  else if (name === 'debug' || name === 'snapshot') refused = name;
  else if (name === 'config' && sub === 'set') refused = 'config|set';
  else if (name === 'acl' && sub !== 'whoami') refused = `acl|${sub}`;
  return refused === null ? null : `NOPERM this user has no permissions to run the '${refused}' command`;
}

function readPasswordFile(file: string, field: string): Buffer {
  let content: Buffer;
  try {
    content = readFileSync(file);
  } catch (cause) {
    throw new NodeStartError('CLIENT_AUTH_INVALID', `${field}: cannot read ${file}: ${(cause as Error).message}`, { cause });
  }
  // One trailing newline is what `echo secret > file` adds; it is not part of the password.
  let end = content.length;
  if (end > 0 && content[end - 1] === 0x0a) end--;
  if (end > 0 && content[end - 1] === 0x0d) end--;
  if (end === 0) throw new NodeStartError('CLIENT_AUTH_INVALID', `${field}: ${file} is empty; it must hold the password`);
  return content.subarray(0, end);
}

/** A user name as sent by a client, safe for a log line. */
function printableName(name: string): string {
  return name.length > 64 ? `${name.slice(0, 64)}...` : name.replace(/[^\x20-\x7e]/g, '?');
}

/**
 * What stands between a parsed request and its execution: NOAUTH before the
 * connection authenticated (except for the commands that authenticate, and
 * for unknown commands and wrong arities, which Redis reports first), a
 * NOPERM for a command outside the user's set or a key outside its patterns,
 * or null.
 */
export function gateRequest(user: ClientUser | null, name: string, args: readonly Buffer[], parsed: ParseResult): string | null {
  if (user === null) {
    if (NO_AUTH_COMMANDS.has(name)) return null;
    return knownWithArity(name, args.length) ? NOAUTH : null;
  }
  if (!parsed.ok) return null;
  if (user.commands !== 'all') {
    const refused = refusedCommand(user.commands, name, args, parsed.request.kind);
    if (refused !== null) return refused;
  }
  if (user.keys.all) return null;
  return refusedKeys(user, name, args);
}

/**
 * NOPERM for a key outside the user's patterns. The commands that write or
 * export the whole key space (FLUSHDB, FLUSHALL, SNAPSHOT) are refused to a
 * user limited to some keys: Redis allows them to anyone with the command,
 * but raftkv has no command categories to take them away with.
 */
function refusedKeys(user: ClientUser, name: string, args: readonly Buffer[]): string | null {
  if (name === 'flushdb' || name === 'flushall' || name === 'snapshot') return `NOPERM this user has no permissions to run the '${name}' command`;
  return keysAllowed(user.keys, commandKeys(args)) ? null : NOPERM_KEY;
}

function knownWithArity(name: string, words: number): boolean {
  const spec = COMMAND_TABLE.get(name);
  if (spec === undefined) return false;
  const most = spec.arity > 0 ? spec.arity : (spec.argsMax ?? Number.POSITIVE_INFINITY);
  return words >= Math.abs(spec.arity) && words <= most;
}
