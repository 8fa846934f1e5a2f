/**
 * The optional `clientAuth` section: the users a client may authenticate as
 * (AUTH / HELLO AUTH) and the limits on guessing their passwords. Pure, like
 * the rest of validation: a passwordFile is only resolved to a path here; the
 * node reads it at start-up (src/node/client-auth.ts). No message here ever
 * echoes a value that might be a password.
 */
import { resolve } from 'node:path';
import { checkIntegers } from './bounds.js';
import { checkKnownKeys, describe, isObject, joinPath, readChoice, readString, type Issues } from './fields.js';
import type { ClientAuthConfig, ClientCommands, ClientUserConfig } from './types.js';

export const CLIENT_AUTH_FIELDS = ['users', 'authTimeoutMs', 'failuresPerConnectionMax', 'failuresPerAddressMax', 'addressLockoutMs'] as const;
export const CLIENT_USER_FIELDS = ['name', 'passwordSha256', 'passwordFile', 'commands', 'keys'] as const;
export const CLIENT_COMMANDS: readonly ClientCommands[] = ['all', 'read'];
/** Key patterns per user, and bytes per pattern (as keyBytesMax's default: a pattern longer than any key is a mistake). */
export const KEY_PATTERNS_MAX = 256;
export const KEY_PATTERN_BYTES_MAX = 1024;

type AuthLimit = Exclude<(typeof CLIENT_AUTH_FIELDS)[number], 'users'>;

export const DEFAULT_CLIENT_AUTH_LIMITS: Readonly<Record<AuthLimit, number>> = {
  authTimeoutMs: 10_000,
  failuresPerConnectionMax: 3,
  failuresPerAddressMax: 20,
  addressLockoutMs: 60_000,
};

/** Redis accepts any name without spaces; these are kept plain because they appear in logs and CLIENT LIST. */
export const USER_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;

/** Absent or null: no authentication. Undefined when invalid (recorded in issues). */
export function resolveClientAuth(value: unknown, path: string, baseDir: string, issues: Issues): ClientAuthConfig | null | undefined {
  if (value === undefined || value === null) return null;
  if (!isObject(value)) {
    issues.error(path, `must be an object { "users": [...] } or null, got ${describe(value)}`);
    return undefined;
  }
  const errorsBefore = issues.errors.length;
  checkKnownKeys(value, CLIENT_AUTH_FIELDS, path, issues);
  const users = resolveUsers(value['users'], joinPath(path, 'users'), baseDir, issues);
  const limitFields = Object.keys(DEFAULT_CLIENT_AUTH_LIMITS) as AuthLimit[];
  const merged: Record<AuthLimit, unknown> = { ...DEFAULT_CLIENT_AUTH_LIMITS };
  for (const field of limitFields) if (value[field] !== undefined) merged[field] = value[field];
  checkIntegers(merged, limitFields, { min: 1, max: 2_147_483_647, maxWhy: 'the longest Node.js timer' }, path, issues);
  if (users === undefined || issues.errors.length > errorsBefore) return undefined;
  return { users, ...(merged as Record<AuthLimit, number>) };
}

function resolveUsers(raw: unknown, path: string, baseDir: string, issues: Issues): ClientUserConfig[] | undefined {
  if (!Array.isArray(raw) || raw.length === 0) {
    const hint = 'e.g. [{ "name": "default", "passwordFile": "secrets/default.pass" }]';
    issues.error(path, raw === undefined ? `is required: the users clients may authenticate as, ${hint}` : `must be a non-empty array of users, ${hint}, got ${describe(raw)}`);
    return undefined;
  }
  const users = raw.map((item, i) => resolveUser(item, `${path}[${i}]`, baseDir, issues));
  const seen = new Set<string>();
  users.forEach((user, i) => {
    if (user === undefined) return;
    if (seen.has(user.name)) issues.error(joinPath(`${path}[${i}]`, 'name'), `"${user.name}" names another user too; names must be unique`);
    seen.add(user.name);
  });
  return users.every((user) => user !== undefined) ? (users as ClientUserConfig[]) : undefined;
}

function resolveUser(raw: unknown, path: string, baseDir: string, issues: Issues): ClientUserConfig | undefined {
  if (!isObject(raw)) {
    issues.error(path, `must be an object { "name", "passwordSha256" | "passwordFile", "commands" }, got ${describe(raw)}`);
    return undefined;
  }
  const errorsBefore = issues.errors.length;
  checkKnownKeys(raw, CLIENT_USER_FIELDS, path, issues);
  const name = readString(raw['name'], joinPath(path, 'name'), issues, {
    pattern: USER_NAME_PATTERN,
    what: "1-64 letters, digits, '.', '_', '@' or '-', starting with a letter or digit",
  });
  const commands = raw['commands'] === undefined ? 'all' : readChoice(raw['commands'], CLIENT_COMMANDS, joinPath(path, 'commands'), issues);
  const keys = raw['keys'] === undefined ? undefined : readKeyPatterns(raw['keys'], joinPath(path, 'keys'), issues);
  const hash = raw['passwordSha256'];
  const file = raw['passwordFile'];
  let secret: { passwordSha256: string } | { passwordFile: string } | undefined;
  if ((hash === undefined) === (file === undefined)) {
    issues.error(path, `needs exactly one of "passwordSha256" (printf %s "$PASSWORD" | sha256sum) or "passwordFile"${hash === undefined ? '' : ', not both'}`);
  } else if (hash !== undefined) {
    // Never echo the value: someone may have pasted the password itself here.
    if (typeof hash === 'string' && SHA256_HEX.test(hash.toLowerCase())) secret = { passwordSha256: hash.toLowerCase() };
    else issues.error(joinPath(path, 'passwordSha256'), `must be 64 hexadecimal digits, the SHA-256 of the password (printf %s "$PASSWORD" | sha256sum), got ${typeof hash === 'string' ? `${hash.length} characters` : describe(hash)}`);
  } else {
    const given = readString(file, joinPath(path, 'passwordFile'), issues, { what: 'a file path' });
    if (given !== undefined) secret = { passwordFile: resolve(baseDir, given) };
  }
  if (name === undefined || commands === undefined || secret === undefined || issues.errors.length > errorsBefore) return undefined;
  return { name, commands, ...secret, ...(keys !== undefined && { keys }) };
}

/** A user's `keys`: an array of glob patterns (["app:*", "cache:*"]; [] allows no key, ["*"] every key). */
function readKeyPatterns(raw: unknown, path: string, issues: Issues): string[] | undefined {
  const hint = 'e.g. ["app:*"] (globs as KEYS matches them; ["*"] for every key)';
  if (!Array.isArray(raw) || raw.length > KEY_PATTERNS_MAX) {
    issues.error(path, `must be an array of at most ${KEY_PATTERNS_MAX} key patterns, ${hint}, got ${describe(raw)}`);
    return undefined;
  }
  const patterns: string[] = [];
  raw.forEach((item, i) => {
    if (typeof item === 'string' && item.length > 0 && Buffer.byteLength(item) <= KEY_PATTERN_BYTES_MAX) patterns.push(item);
    else issues.error(`${path}[${i}]`, `must be a non-empty string of at most ${KEY_PATTERN_BYTES_MAX} bytes, ${hint}, got ${describe(item)}`);
  });
  return patterns.length === raw.length ? patterns : undefined;
}
