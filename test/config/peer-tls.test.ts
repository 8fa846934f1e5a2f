/** The peerTls section: paths resolved against the config file, bad shapes named, plaintext beyond loopback warned about. */
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/validate.js';
import { rawConfig } from './fixtures.js';

describe('peerTls config', () => {
  it('is null (plaintext) when absent, and resolves relative paths against the config directory', () => {
    const plain = validateConfig(rawConfig(), { baseDir: '/etc/raftkv' });
    expect(plain.ok && plain.config.peerTls).toBeNull();
    const raw = { ...rawConfig(), peerTls: { caFile: 'certs/ca.crt', certFile: 'certs/n1.crt', keyFile: '/abs/n1.key' } };
    const result = validateConfig(raw, { baseDir: '/etc/raftkv' });
    expect(result.ok && result.config.peerTls).toEqual({ caFile: '/etc/raftkv/certs/ca.crt', certFile: '/etc/raftkv/certs/n1.crt', keyFile: '/abs/n1.key' });
  });

  it('names each missing or unknown field', () => {
    const result = validateConfig({ ...rawConfig(), peerTls: { caFile: 'ca.crt', cert: 'x' } }, { baseDir: '/' });
    expect(result.ok).toBe(false);
    const paths = result.ok ? [] : result.errors.map((e) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['peerTls.cert', 'peerTls.certFile', 'peerTls.keyFile']));
    const wrong = validateConfig({ ...rawConfig(), peerTls: 'yes' }, { baseDir: '/' });
    expect(!wrong.ok && wrong.errors[0]).toMatchObject({ path: 'peerTls', message: expect.stringMatching(/must be an object/) });
  });

  it('warns when peers talk plaintext beyond loopback, and only then', () => {
    const loopback = validateConfig(rawConfig(), { baseDir: '/' });
    expect(loopback.warnings.filter((w) => w.path === 'peerTls')).toEqual([]);
    const raw = rawConfig();
    raw['members'][1].peer = '10.0.0.2:7102';
    const exposed = validateConfig(raw, { baseDir: '/' });
    expect(exposed.ok).toBe(true);
    expect(exposed.warnings.find((w) => w.path === 'peerTls')?.message).toMatch(/plaintext.*10\.0\.0\.2:7102/);
  });
});
