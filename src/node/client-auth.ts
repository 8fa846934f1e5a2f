/**
 * Client authentication at the edge, as Redis does it: AUTH [user] password,
 * HELLO ... AUTH user password, -NOAUTH before it, -WRONGPASS on a bad pair,
 * -NOPERM for a read-only user's writes.
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
import type { ParseResult } from '../protocol/commands.js';
import { NodeStartError } from './errors.js';

export const NOAUTH = 'NOAUTH Authentication required.';
export const HELLO_NOAUTH =
  'NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time';
export const WRONGPASS = 'WRONGPASS invalid username-password pair or user is disabled.';
export const NO_PASSWORD_CONFIGURED =
  'ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?';

/** Commands a connection may send before it authenticates (Redis's no_auth flag). */
export const NO_AUTH_COMMANDS: ReadonlySet<string> = new Set(['auth', 'hello', 'quit', 'reset']);

/** The user `AUTH password` (one argument) authenticates as. */
export const DEFAULT_USER = 'default';

export interface ClientUser {
  readonly name: string;
  readonly commands: ClientCommands;
}

/** Without clientAuth, every connection is the default user with every command, as in Redis without requirepass. */
export const OPEN_USER: ClientUser = { name: DEFAULT_USER, commands: 'all' };

interface StoredUser extends ClientUser {
  readonly digest: Buffer;
}

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
  private readonly users: ReadonlyMap<string, StoredUser> | null;
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
    this.users = config === null ? null : new Map(users.map((user) => [user.name, user]));
    this.warn = new RateLimitedWarn(logger);
  }

  /** Reads every passwordFile; throws NodeStartError CLIENT_AUTH_INVALID naming the user and file. */
  static load(config: ClientAuthConfig | null | undefined, logger: Logger, now?: () => number): ClientAuth {
    if (!config) return new ClientAuth(null, [], logger, now);
    const users = config.users.map((user, i): StoredUser => {
      if (user.passwordSha256 !== undefined) return { name: user.name, commands: user.commands, digest: Buffer.from(user.passwordSha256, 'hex') };
      return { name: user.name, commands: user.commands, digest: sha256(readPasswordFile(user.passwordFile!, `clientAuth.users[${i}].passwordFile`)) };
    });
    return new ClientAuth(config, users, logger, now);
  }

  /** True when connections must authenticate before anything else. */
  get required(): boolean {
    return this.users !== null;
  }

  /** The user a new connection starts as: none when authentication is required. */
  initialUser(): ClientUser | null {
    return this.users === null ? OPEN_USER : null;
  }

  /**
   * Checks a user name and password (`user` null: AUTH with the password
   * alone, which means the default user). `remoteIp` is the client's address,
   * for the lockout; `conn` only labels the log line.
   */
  authenticate(user: string | null, password: Buffer, remoteIp: string, conn: number): AuthOutcome {
    if (this.users === null) {
      // Redis without requirepass: the default user has no password, so any password is right for it.
      if (user === null) return { ok: false, error: NO_PASSWORD_CONFIGURED, lockedOut: false };
      if (user === DEFAULT_USER) {
        this.count(this.byUser.successes, DEFAULT_USER);
        return { ok: true, user: OPEN_USER };
      }
      this.counts.failed++;
      this.count(this.byUser.failures, user);
      return { ok: false, error: WRONGPASS, lockedOut: false };
    }
    const name = user ?? DEFAULT_USER;
    const lockout = this.lockoutLeftMs(remoteIp);
    if (lockout > 0) {
      this.counts.lockedOut++;
      this.count(this.byUser.lockedOut, name);
      this.warn.warn('auth-locked-out', { conn, remote: remoteIp }, 'client AUTH refused unchecked: too many failed attempts from this address');
      return { ok: false, error: `ERR too many failed authentication attempts from ${remoteIp}; try again in ${Math.ceil(lockout / 1000)} s`, lockedOut: true };
    }
    const stored = this.users.get(name);
    const matches = timingSafeEqual(sha256(password), stored?.digest ?? DUMMY_DIGEST) && stored !== undefined;
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
    const known = this.users === null ? name === DEFAULT_USER : this.users.has(name);
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
 * A read-only user's refusal, or null when the user may run it. Writes (all
 * that goes through the log), leadership transfer, membership changes, CONFIG SET, SNAPSHOT
 * (the whole data set) and DEBUG are refused; Redis's wording.
 */
export function refusedCommand(commands: ClientCommands, name: string, args: readonly Buffer[], kind: string): string | null {
  if (commands === 'all') return null;
  const sub = args[1]?.toString('latin1').toLowerCase();
  let refused: string | null = null;
  if (kind === 'write') refused = name;
  else if (kind === 'transfer-leader') refused = 'cluster|transfer-leader';
  else if (kind === 'membership') refused = 'cluster|member';
  else if (name === 'debug' || name === 'snapshot') refused = name;
  else if (name === 'config' && sub === 'set') refused = 'config|set';
  return refused === null ? null : `NOPERM this user has no permissions to run the '${refused}' command`;
}

export function sha256(bytes: Buffer | string): Buffer {
  return createHash('sha256').update(bytes).digest();
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
 * read-only user's NOPERM, or null.
 */
export function gateRequest(user: ClientUser | null, name: string, args: readonly Buffer[], parsed: ParseResult): string | null {
  if (user === null) {
    if (NO_AUTH_COMMANDS.has(name)) return null;
    return knownWithArity(name, args.length) ? NOAUTH : null;
  }
  if (user.commands === 'all' || !parsed.ok) return null;
  return refusedCommand(user.commands, name, args, parsed.request.kind);
}

function knownWithArity(name: string, words: number): boolean {
  const spec = COMMAND_TABLE.get(name);
  if (spec === undefined) return false;
  const most = spec.arity > 0 ? spec.arity : (spec.argsMax ?? Number.POSITIVE_INFINITY);
  return words >= Math.abs(spec.arity) && words <= most;
}
