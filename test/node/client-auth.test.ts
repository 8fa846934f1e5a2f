/** ClientAuth alone: constant-time checks against digests, the per-address lockout on a fake clock, NOPERM for read-only users. */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { ALL_KEYS } from '../../src/node/client-acl.js';
import { ClientAuth, gateRequest, NOAUTH, OPEN_USER, UNKNOWN_USER_LABEL, WRONGPASS } from '../../src/node/client-auth.js';
import { parseCommand } from '../../src/protocol/commands.js';
import { DEFAULT_LIMITS, type ClientAuthConfig } from '../../src/config/types.js';

const logger = pino({ level: 'silent' });
const hash = (text: string) => createHash('sha256').update(text).digest('hex');
const config = (extra: Partial<ClientAuthConfig> = {}): ClientAuthConfig => ({
  users: [
    { name: 'default', passwordSha256: hash('pw'), commands: 'all' },
    { name: 'ro', passwordSha256: hash('ro-pw'), commands: 'read' },
  ],
  authTimeoutMs: 10_000,
  failuresPerConnectionMax: 3,
  failuresPerAddressMax: 3,
  addressLockoutMs: 60_000,
  ...extra,
});

describe('ClientAuth', () => {
  it('checks name and password; AUTH with a password alone means the default user', () => {
    const auth = ClientAuth.load(config(), logger);
    expect(auth.required).toBe(true);
    expect(auth.initialUser()).toBeNull();
    expect(auth.authenticate(null, Buffer.from('pw'), '10.0.0.1', 1)).toEqual({ ok: true, user: expect.objectContaining({ name: 'default', commands: 'all' }) });
    expect(auth.authenticate('ro', Buffer.from('ro-pw'), '10.0.0.1', 1)).toMatchObject({ ok: true, user: { name: 'ro', commands: 'read' } });
    expect(auth.authenticate('ro', Buffer.from('pw'), '10.0.0.1', 1)).toEqual({ ok: false, error: WRONGPASS, lockedOut: false });
    expect(auth.authenticate('ghost', Buffer.from('pw'), '10.0.0.1', 1)).toEqual({ ok: false, error: WRONGPASS, lockedOut: false });
  });

  it('locks an address out after failuresPerAddressMax failures, refusing even the right password, until the lockout ends', () => {
    let now = 1_000_000;
    const auth = ClientAuth.load(config(), logger, () => now);
    for (let i = 0; i < 3; i++) expect(auth.authenticate(null, Buffer.from('bad'), '10.0.0.9', 1).ok).toBe(false);
    const locked = auth.authenticate(null, Buffer.from('pw'), '10.0.0.9', 1);
    expect(locked).toEqual({ ok: false, error: 'ERR too many failed authentication attempts from 10.0.0.9; try again in 60 s', lockedOut: true });
    expect(auth.authenticate(null, Buffer.from('pw'), '10.0.0.10', 1).ok).toBe(true); // another address is not affected
    now += 60_000;
    expect(auth.authenticate(null, Buffer.from('pw'), '10.0.0.9', 1).ok).toBe(true);
    expect(auth.counts).toEqual({ failed: 3, lockedOut: 1 });
  });

  it('counts outcomes by user for /metrics, every name no user has under one label', () => {
    const auth = ClientAuth.load(config(), logger, () => 1_000_000);
    auth.authenticate('ro', Buffer.from('ro-pw'), '10.0.0.1', 1);
    auth.authenticate(null, Buffer.from('pw'), '10.0.0.1', 1);
    auth.authenticate('ro', Buffer.from('bad'), '10.0.0.2', 1);
    for (const name of ['ghost', 'ghost2', 'x'.repeat(10_000)]) auth.authenticate(name, Buffer.from('bad'), '10.0.0.3', 1);
    auth.authenticate('ro', Buffer.from('ro-pw'), '10.0.0.3', 1);
    auth.authenticate('nobody', Buffer.from('bad'), '10.0.0.3', 1);
    expect(auth.byUser.successes).toEqual(new Map([['ro', 1], ['default', 1]]));
    expect(auth.byUser.failures).toEqual(new Map([['ro', 1], [UNKNOWN_USER_LABEL, 3]]));
    expect(auth.byUser.lockedOut).toEqual(new Map([['ro', 1], [UNKNOWN_USER_LABEL, 1]]));
  });

  it('without clientAuth behaves as Redis without requirepass', () => {
    const auth = ClientAuth.load(null, logger);
    expect(auth.initialUser()).toBe(OPEN_USER);
    expect(auth.authenticate(null, Buffer.from('x'), '::1', 1)).toMatchObject({ ok: false, error: expect.stringMatching(/without any password configured/) });
    expect(auth.authenticate('default', Buffer.from('x'), '::1', 1).ok).toBe(true);
    expect(auth.authenticate('other', Buffer.from('x'), '::1', 1)).toMatchObject({ ok: false, error: WRONGPASS });
  });

  it('reads a passwordFile without its trailing newline, and names the field when it cannot', () => {
    const dir = mkdtempSync(join(tmpdir(), 'raftkv-auth-'));
    try {
      writeFileSync(join(dir, 'p'), 'from-file\r\n');
      writeFileSync(join(dir, 'empty'), '\n');
      const fromFile = ClientAuth.load({ ...config(), users: [{ name: 'default', passwordFile: join(dir, 'p'), commands: 'all' }] }, logger);
      expect(fromFile.authenticate(null, Buffer.from('from-file'), '::1', 1).ok).toBe(true);
      expect(() => ClientAuth.load({ ...config(), users: [{ name: 'default', passwordFile: join(dir, 'missing'), commands: 'all' }] }, logger)).toThrow(
        expect.objectContaining({ code: 'CLIENT_AUTH_INVALID', message: expect.stringMatching(/^clientAuth\.users\[0\]\.passwordFile: cannot read/) }),
      );
      expect(() => ClientAuth.load({ ...config(), users: [{ name: 'default', passwordFile: join(dir, 'empty'), commands: 'all' }] }, logger)).toThrow(/is empty/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('gates requests: NOAUTH before authentication, NOPERM for a read-only user, nothing for a full user', () => {
    const words = (line: string) => line.split(' ').map((w) => Buffer.from(w));
    const gate = (user: Parameters<typeof gateRequest>[0], line: string) => {
      const args = words(line);
      return gateRequest(user, line.split(' ')[0]!.toLowerCase(), args, parseCommand(args, DEFAULT_LIMITS));
    };
    expect(gate(null, 'GET k')).toBe(NOAUTH);
    expect(gate(null, 'AUTH pw')).toBeNull();
    expect(gate(null, 'QUIT')).toBeNull();
    expect(gate(null, 'GET')).toBeNull(); // the arity error comes first, as in Redis
    const ro = { name: 'ro', commands: 'read' as const, keys: ALL_KEYS };
    expect(gate(ro, 'GET k')).toBeNull();
    expect(gate(ro, 'SEQ 1 1 SET k v')).toMatch(/^NOPERM .*'seq'/);
    expect(gate(ro, 'SNAPSHOT OPEN')).toMatch(/^NOPERM .*'snapshot'/);
    expect(gate(ro, 'CONFIG GET maxmemory')).toBeNull();
    expect(gate(OPEN_USER, 'SET k v')).toBeNull();
  });
});
