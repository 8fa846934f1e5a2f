/** The clientTls section: resolved paths, requireClientCert needing a CA, and the warning for passwords sent in plaintext beyond loopback. */
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/validate.js';
import { rawConfig } from './fixtures.js';

describe('clientTls config', () => {
  it('is null when absent; resolves paths; requireClientCert defaults to false', () => {
    const plain = validateConfig(rawConfig(), { baseDir: '/' });
    expect(plain.ok && plain.config.clientTls).toBeNull();
    const result = validateConfig({ ...rawConfig(), clientTls: { certFile: 'c.crt', keyFile: '/k.key' } }, { baseDir: '/etc/raftkv' });
    expect(result.ok && result.config.clientTls).toEqual({ certFile: '/etc/raftkv/c.crt', keyFile: '/k.key', requireClientCert: false });
  });

  it('names each problem by its field', () => {
    const result = validateConfig({ ...rawConfig(), clientTls: { certFile: 'c.crt', requireClientCert: true, cafile: 'x' } }, { baseDir: '/' });
    const paths = result.ok ? [] : result.errors.map((e) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['clientTls.keyFile', 'clientTls.caFile', 'clientTls.cafile']));
    const wrong = validateConfig({ ...rawConfig(), clientTls: { certFile: 'c', keyFile: 'k', requireClientCert: 'yes' } }, { baseDir: '/' });
    expect(!wrong.ok && wrong.errors[0]).toMatchObject({ path: 'clientTls.requireClientCert', message: 'must be true or false, got "yes"' });
  });

  it('warns when passwords would cross a network in plaintext, and only then', () => {
    const auth = { users: [{ name: 'default', passwordSha256: 'a'.repeat(64) }] };
    const loopback = validateConfig({ ...rawConfig(), clientAuth: auth }, { baseDir: '/' });
    expect(loopback.warnings.filter((w) => w.path === 'clientTls')).toEqual([]);
    const raw = rawConfig();
    raw['members'][0].client = '10.0.0.1:7001';
    raw['clientAuth'] = auth;
    const exposed = validateConfig(raw, { baseDir: '/' });
    expect(exposed.warnings.find((w) => w.path === 'clientTls')?.message).toMatch(/plaintext to 10\.0\.0\.1:7001/);
    const secured = validateConfig({ ...raw, clientTls: { certFile: 'c', keyFile: 'k' } }, { baseDir: '/' });
    expect(secured.warnings.filter((w) => w.path === 'clientTls')).toEqual([]);
  });
});
