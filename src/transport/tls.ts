/**
 * Mutual TLS between nodes. Every node holds a certificate from the cluster's
 * CA whose common name (CN) is its member id. Both ends check the other: the
 * dialler that the certificate names the peer it meant to reach, the listener
 * that it names a member (and, frame by frame, that frames come from that
 * member: inbound.ts). Without a CA-signed certificate the handshake fails
 * before a single frame is read.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ConnectionOptions, PeerCertificate, TlsOptions } from 'node:tls';
import type { PeerTlsConfig } from '../config/types.js';
import type { NodeId } from '../raft/types.js';
import { TransportError } from './errors.js';

/** A connection that has not finished its handshake by then is closed (Node's default is 120 s). */
const HANDSHAKE_TIMEOUT_MS = 5_000;

export interface PeerTlsCredentials {
  readonly ca: Buffer;
  readonly cert: Buffer;
  readonly key: Buffer;
}

/** Reads the PEM files and checks that the certificate is this node's and the CA's; throws PEER_TLS_INVALID. */
export function loadPeerTls(config: PeerTlsConfig, nodeId: NodeId): PeerTlsCredentials {
  const ca = readPem(config.caFile, 'caFile');
  const cert = readPem(config.certFile, 'certFile');
  const key = readPem(config.keyFile, 'keyFile');
  let own: X509Certificate;
  let authority: X509Certificate;
  try {
    own = new X509Certificate(cert);
    authority = new X509Certificate(ca);
  } catch (cause) {
    throw invalid(`${config.certFile} or ${config.caFile} is not a PEM certificate`, cause);
  }
  const named = commonNameOf(own.subject);
  if (named !== nodeId) throw invalid(`${config.certFile} names "${named ?? ''}" (CN), but this node is "${nodeId}"`);
  if (!own.checkIssued(authority) || !own.verify(authority.publicKey)) {
    throw invalid(`${config.certFile} is not signed by the CA in ${config.caFile}`);
  }
  return { ca, cert, key };
}

/** The listener's side: a certificate from the CA is required before any frame is read. */
export function serverTlsOptions(credentials: PeerTlsCredentials): TlsOptions {
  return { ...credentials, requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.3', handshakeTimeout: HANDSHAKE_TIMEOUT_MS };
}

/** The dialler's side: the peer must present the CA's certificate naming `peer` (addresses are not checked). */
export function clientTlsOptions(credentials: PeerTlsCredentials, peer: NodeId): ConnectionOptions {
  return {
    ...credentials,
    minVersion: 'TLSv1.3',
    rejectUnauthorized: true,
    checkServerIdentity: (_host, certificate) => {
      const named = memberIdOf(certificate);
      return named === peer ? undefined : new Error(`peer certificate names "${named ?? ''}", expected "${peer}"`);
    },
  };
}

/** The member id a peer's certificate names (its CN), or null. */
export function memberIdOf(certificate: PeerCertificate | null | undefined): NodeId | null {
  const cn = certificate?.subject?.CN as unknown;
  return typeof cn === 'string' && cn !== '' ? cn : null;
}

function commonNameOf(subject: string): string | null {
  for (const line of subject.split('\n')) if (line.startsWith('CN=')) return line.slice(3);
  return null;
}

function readPem(file: string, field: string): Buffer {
  try {
    return readFileSync(file);
  } catch (cause) {
    throw invalid(`peerTls.${field}: cannot read ${file}: ${(cause as Error).message}`, cause);
  }
}

function invalid(message: string, cause?: unknown): TransportError {
  return new TransportError('PEER_TLS_INVALID', message, { cause });
}
