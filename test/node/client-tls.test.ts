/** loadClientTls: what a node checks in its clientTls files before it starts, each failure naming the field. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadClientTls } from '../../src/node/client-tls.js';

const BIN = resolve(import.meta.dirname, '../../bin/raftkv.js');

describe('loadClientTls', () => {
  const dir = mkdtempSync(join(tmpdir(), 'raftkv-client-tls-'));
  beforeAll(() => {
    const made = spawnSync(process.execPath, [BIN, 'certs', '--out', dir, '--members', 'app', '--client-hosts', '127.0.0.1'], { encoding: 'utf8' });
    expect(made.status, made.stderr).toBe(0);
    writeFileSync(join(dir, 'junk.pem'), 'not a certificate');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string) => join(dir, name);

  it('loads a matching certificate and key, asking for client certificates only when required', () => {
    const open = loadClientTls({ certFile: file('client-port.crt'), keyFile: file('client-port.key'), requireClientCert: false });
    expect(open).toMatchObject({ requestCert: false, rejectUnauthorized: false });
    const mutual = loadClientTls({ certFile: file('client-port.crt'), keyFile: file('client-port.key'), caFile: file('ca.crt'), requireClientCert: true });
    expect(mutual).toMatchObject({ requestCert: true, rejectUnauthorized: true });
  });

  it('refuses, naming the field: a missing file, a non-certificate, a key of another certificate, an expired certificate', () => {
    const load = (certFile: string, keyFile: string, now?: number) => () =>
      loadClientTls({ certFile: file(certFile), keyFile: file(keyFile), requireClientCert: false }, now === undefined ? undefined : () => now);
    expect(load('nope.crt', 'client-port.key')).toThrow(expect.objectContaining({ code: 'CLIENT_TLS_INVALID', message: expect.stringMatching(/^clientTls\.certFile: cannot read/) }));
    expect(load('junk.pem', 'client-port.key')).toThrow(/clientTls\.certFile: .* is not a PEM certificate/);
    expect(load('client-port.crt', 'app.key')).toThrow(/is not the private key of/);
    expect(load('client-port.crt', 'client-port.key', Date.parse('2200-01-01'))).toThrow(/clientTls\.certFile: .* expired on/);
  });
});
