/**
 * The optional `peerTls` section: the files for mutual TLS between nodes.
 * Paths only (validation stays pure); the transport reads the files and
 * checks that the certificate names this node (transport/tls.ts).
 */
import { resolve } from 'node:path';
import { checkKnownKeys, describe, isObject, joinPath, readString, type Issues } from './fields.js';
import { tryParseHostPort } from './address.js';
import type { MemberConfig, PeerTlsConfig } from './types.js';

export const PEER_TLS_FIELDS = ['caFile', 'certFile', 'keyFile'] as const;

/** Absent or null: plaintext peers. Relative paths resolve against baseDir (the config file's directory). */
export function resolvePeerTls(value: unknown, path: string, baseDir: string, issues: Issues): PeerTlsConfig | null | undefined {
  if (value === undefined || value === null) return null;
  if (!isObject(value)) {
    issues.error(path, `must be an object { "caFile", "certFile", "keyFile" } or null, got ${describe(value)}`);
    return undefined;
  }
  checkKnownKeys(value, PEER_TLS_FIELDS, path, issues);
  const [caFile, certFile, keyFile] = PEER_TLS_FIELDS.map((field) => {
    const file = readString(value[field], joinPath(path, field), issues);
    return file === undefined ? undefined : resolve(baseDir, file);
  });
  if (caFile === undefined || certFile === undefined || keyFile === undefined) return undefined;
  return { caFile, certFile, keyFile };
}

/** Plaintext peers beyond loopback: anyone on that network can speak Raft to the cluster (docs/security.md). */
export function warnPlaintextPeers(members: readonly MemberConfig[], peerTls: PeerTlsConfig | null, issues: Issues): void {
  if (peerTls !== null) return;
  const exposed = members.filter((member) => {
    const address = tryParseHostPort(member.peer);
    return typeof address !== 'string' && !isLoopback(address.host);
  });
  if (exposed.length === 0) return;
  issues.warn('peerTls', `peers talk in plaintext on non-loopback addresses (${exposed.map((m) => m.peer).join(', ')}): anyone who can reach them can forge Raft messages; set peerTls (raftkv certs)`);
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}
