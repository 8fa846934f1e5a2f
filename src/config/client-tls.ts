/**
 * The optional `clientTls` section: TLS on the client port (redis-cli --tls,
 * ioredis `tls:`), optionally requiring client certificates from a CA. Paths
 * only, as for peerTls; the node reads and checks the files at start-up
 * (src/node/client-tls.ts).
 */
import { resolve } from 'node:path';
import { tryParseHostPort } from './address.js';
import { checkKnownKeys, describe, isObject, joinPath, readString, type Issues } from './fields.js';
import type { ClientAuthConfig, ClientTlsConfig, MemberConfig } from './types.js';

export const CLIENT_TLS_FIELDS = ['certFile', 'keyFile', 'caFile', 'requireClientCert'] as const;

/** Absent or null: plaintext clients. Relative paths resolve against baseDir (the config file's directory). */
export function resolveClientTls(value: unknown, path: string, baseDir: string, issues: Issues): ClientTlsConfig | null | undefined {
  if (value === undefined || value === null) return null;
  if (!isObject(value)) {
    issues.error(path, `must be an object { "certFile", "keyFile", "caFile"?, "requireClientCert"? } or null, got ${describe(value)}`);
    return undefined;
  }
  const errorsBefore = issues.errors.length;
  checkKnownKeys(value, CLIENT_TLS_FIELDS, path, issues);
  const file = (field: 'certFile' | 'keyFile' | 'caFile'): string | undefined => {
    const given = readString(value[field], joinPath(path, field), issues, { what: 'a file path' });
    return given === undefined ? undefined : resolve(baseDir, given);
  };
  const certFile = file('certFile');
  const keyFile = file('keyFile');
  const caFile = value['caFile'] === undefined ? undefined : file('caFile');
  const require = value['requireClientCert'];
  if (require !== undefined && typeof require !== 'boolean') issues.error(joinPath(path, 'requireClientCert'), `must be true or false, got ${describe(require)}`);
  if (require === true && value['caFile'] === undefined) issues.error(joinPath(path, 'caFile'), 'is required with requireClientCert: the CA that signs client certificates');
  if (certFile === undefined || keyFile === undefined || issues.errors.length > errorsBefore) return undefined;
  return { certFile, keyFile, ...(caFile !== undefined && { caFile }), requireClientCert: require === true };
}

/** Passwords sent in plaintext beyond loopback: anyone on the path can read them (docs/security.md). */
export function warnPlaintextAuth(self: MemberConfig | undefined, clientAuth: ClientAuthConfig | null, clientTls: ClientTlsConfig | null, issues: Issues): void {
  if (clientAuth === null || clientTls !== null || self === undefined) return;
  const address = tryParseHostPort(self.client);
  if (typeof address === 'string' || /^(localhost|::1|127\.\d{1,3}\.\d{1,3}\.\d{1,3})$/.test(address.host)) return;
  issues.warn('clientTls', `clients send their AUTH passwords in plaintext to ${self.client}: anyone on the network can read them; set clientTls`);
}
