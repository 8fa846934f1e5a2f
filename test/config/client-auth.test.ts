/** The clientAuth section: defaults, resolved paths, and an error naming each bad field (never echoing what may be a password). */
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/validate.js';
import { rawConfig } from './fixtures.js';

const HASH = 'a'.repeat(64);
const errorsOf = (clientAuth: unknown) => {
  const result = validateConfig({ ...rawConfig(), clientAuth }, { baseDir: '/etc/raftkv' });
  return result.ok ? [] : result.errors;
};

describe('clientAuth config', () => {
  it('is null when absent; fills the limits and resolves passwordFile against the config directory', () => {
    const plain = validateConfig(rawConfig(), { baseDir: '/' });
    expect(plain.ok && plain.config.clientAuth).toBeNull();
    const result = validateConfig({ ...rawConfig(), clientAuth: { users: [{ name: 'default', passwordFile: 'secrets/pw' }, { name: 'ro', passwordSha256: HASH.toUpperCase(), commands: 'read' }] } }, { baseDir: '/etc/raftkv' });
    expect(result.ok && result.config.clientAuth).toEqual({
      users: [
        { name: 'default', passwordFile: '/etc/raftkv/secrets/pw', commands: 'all' },
        { name: 'ro', passwordSha256: HASH, commands: 'read' },
      ],
      authTimeoutMs: 10_000,
      failuresPerConnectionMax: 3,
      failuresPerAddressMax: 20,
      addressLockoutMs: 60_000,
    });
  });

  it('names each problem by its field', () => {
    expect(errorsOf('yes')).toEqual([{ path: 'clientAuth', message: expect.stringMatching(/must be an object/) }]);
    expect(errorsOf({})).toEqual([{ path: 'clientAuth.users', message: expect.stringMatching(/^is required/) }]);
    expect(errorsOf({ users: [] })).toEqual([{ path: 'clientAuth.users', message: expect.stringMatching(/non-empty array/) }]);
    const errors = errorsOf({
      users: [
        { name: 'a b', passwordSha256: HASH },
        { name: 'x', passwordSha256: HASH, passwordFile: 'f' },
        { name: 'y' },
        { name: 'z', passwordSha256: HASH, commands: 'write', pasword: 1 },
        { name: 'v', passwordSha256: HASH },
        { name: 'v', passwordSha256: HASH },
      ],
      authTimeoutMs: 0,
      lockout: 5,
    });
    expect(errors.map((e) => e.path)).toEqual(
      expect.arrayContaining([
        'clientAuth.users[0].name',
        'clientAuth.users[1]',
        'clientAuth.users[2]',
        'clientAuth.users[3].commands',
        'clientAuth.users[3].pasword',
        'clientAuth.users[5].name',
        'clientAuth.authTimeoutMs',
        'clientAuth.lockout',
      ]),
    );
    expect(errors.find((e) => e.path === 'clientAuth.users[1]')?.message).toMatch(/exactly one of "passwordSha256".*"passwordFile", not both/);
    expect(errors.find((e) => e.path === 'clientAuth.users[5].name')?.message).toMatch(/unique/);
  });

  it('never echoes a passwordSha256 that is not a hash: it may be the password itself', () => {
    const [error] = errorsOf({ users: [{ name: 'default', passwordSha256: 'hunter2' }] });
    expect(error).toEqual({ path: 'clientAuth.users[0].passwordSha256', message: expect.stringMatching(/64 hexadecimal digits.*got 7 characters/) });
    expect(error!.message).not.toContain('hunter2');
  });

  it('takes key patterns per user (Redis ~pattern), and names a bad one by its index', () => {
    const result = validateConfig({ ...rawConfig(), clientAuth: { users: [{ name: 'app', passwordSha256: HASH, keys: ['app:*', 'shared'] }] } }, { baseDir: '/' });
    expect(result.ok && result.config.clientAuth?.users[0]).toEqual({ name: 'app', passwordSha256: HASH, commands: 'all', keys: ['app:*', 'shared'] });
    expect(errorsOf({ users: [{ name: 'app', passwordSha256: HASH, keys: 'app:*' }] })).toEqual([
      { path: 'clientAuth.users[0].keys', message: expect.stringMatching(/^must be an array of at most 256 key patterns/) },
    ]);
    expect(errorsOf({ users: [{ name: 'app', passwordSha256: HASH, keys: ['ok', '', 7, 'x'.repeat(1025)] }] }).map((e) => e.path)).toEqual([
      'clientAuth.users[0].keys[1]',
      'clientAuth.users[0].keys[2]',
      'clientAuth.users[0].keys[3]',
    ]);
    expect(errorsOf({ users: [{ name: 'app', passwordSha256: HASH, keys: new Array(257).fill('k') }] })).toHaveLength(1);
  });
});
