/**
 * TLS on the client port (clientTls): the node's certificate and key, and,
 * with requireClientCert, the CA whose client certificates it accepts. The
 * files are read and checked at start-up (the key must match the
 * certificate, the certificate must still be valid), so a mistake stops the
 * node with CLIENT_TLS_INVALID naming the field instead of failing every
 * client's handshake.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createSecureContext, type TlsOptions } from 'node:tls';
import type { ClientTlsConfig } from '../config/types.js';
import { NodeStartError } from './errors.js';

/** A client that has not finished its handshake by then is dropped (Node's default is 120 s). */
export const CLIENT_HANDSHAKE_TIMEOUT_MS = 5_000;

export function loadClientTls(config: ClientTlsConfig, now: () => number = () => Date.now()): TlsOptions {
  const cert = readPem(config.certFile, 'certFile');
  const key = readPem(config.keyFile, 'keyFile');
  const ca = config.caFile === undefined ? undefined : readPem(config.caFile, 'caFile');
  let own: X509Certificate;
  try {
    own = new X509Certificate(cert);
  } catch (cause) {
    throw invalid(`clientTls.certFile: ${config.certFile} is not a PEM certificate`, cause);
  }
  if (Date.parse(own.validTo) < now()) throw invalid(`clientTls.certFile: ${config.certFile} expired on ${own.validTo}`);
  try {
    // Throws when the key is not the certificate's, or a file is not PEM.
    createSecureContext({ cert, key, ...(ca !== undefined && { ca }) });
  } catch (cause) {
    throw invalid(`clientTls: ${config.keyFile} is not the private key of ${config.certFile}, or a file is not PEM: ${(cause as Error).message}`, cause);
  }
  return {
    cert,
    key,
    ...(ca !== undefined && { ca }),
    requestCert: config.requireClientCert,
    rejectUnauthorized: config.requireClientCert,
    minVersion: 'TLSv1.2',
    handshakeTimeout: CLIENT_HANDSHAKE_TIMEOUT_MS,
  };
}

function readPem(file: string, field: string): Buffer {
  try {
    return readFileSync(file);
  } catch (cause) {
    throw invalid(`clientTls.${field}: cannot read ${file}: ${(cause as Error).message}`, cause);
  }
}

function invalid(message: string, cause?: unknown): NodeStartError {
  return new NodeStartError('CLIENT_TLS_INVALID', message, { cause });
}
