/**
 * `raftkv certs`: a development CA and one certificate per member, made with
 * Debian's openssl, for mutual TLS between nodes (peerTls in the config).
 * Each node certificate's common name is its member id, which is what peers
 * check. An existing CA in the output directory is reused, so certificates
 * for new members can be added later; keys are written readable by the owner
 * only. For production, use your own CA: all a node needs is a certificate
 * whose CN is its member id, signed by the CA the other nodes trust.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import { ID_PATTERN } from '../config/members.js';
import { CliExit, println, type CliIo } from './io.js';

export interface CertsFlags {
  readonly out: string;
  readonly members: string;
  readonly days: number;
  /** Comma-separated hosts clients connect to: makes client.crt/client.key for the client port (clientTls). */
  readonly clientHosts?: string;
}

const CURVE = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

export function certsCommand(flags: CertsFlags, io: CliIo): void {
  const members = flags.members.split(',').map((id) => id.trim()).filter((id) => id !== '');
  const bad = members.filter((id) => !ID_PATTERN.test(id));
  if (members.length === 0 || bad.length > 0) {
    println(io.stderr, `error: --members wants comma-separated member ids (letters, digits, '.', '_', '-'), got "${flags.members}"`);
    throw new CliExit(2);
  }
  const out = resolve(flags.out);
  mkdirSync(out, { recursive: true });
  const ca = { cert: join(out, 'ca.crt'), key: join(out, 'ca.key') };
  if (existsSync(ca.cert) && existsSync(ca.key)) {
    println(io.stdout, `reusing the CA in ${ca.cert}`);
  } else {
    openssl(['req', '-x509', '-new', ...CURVE, '-keyout', ca.key, '-out', ca.cert, '-days', String(flags.days),
      '-subj', '/CN=raftkv development CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
    chmodSync(ca.key, 0o600);
    println(io.stdout, `wrote ${ca.cert} and ${ca.key} (keep the key secret; it signs members)`);
  }
  for (const id of members) memberCertificate(out, ca, id, flags.days);
  if (flags.clientHosts !== undefined) clientPortCertificate(out, ca, flags.clientHosts, flags.days, io);
  println(io.stdout, `wrote ${members.map((id) => `${id}.crt/${id}.key`).join(', ')} in ${out}`);
  println(io.stdout, `in each node's config: "peerTls": { "caFile": "${join(out, 'ca.crt')}", "certFile": "${join(out, '<id>.crt')}", "keyFile": "${join(out, '<id>.key')}" }`);
}

function memberCertificate(out: string, ca: { cert: string; key: string }, id: string, days: number): void {
  signedCertificate(out, ca, id, id, 'serverAuth,clientAuth', `DNS:${id}`, days);
}

/**
 * The certificate the nodes present on their client port: its names are the
 * hosts clients connect to (IP addresses as IP names), checked by redis-cli
 * and the client libraries. One for every node, as a development shortcut.
 */
function clientPortCertificate(out: string, ca: { cert: string; key: string }, hostList: string, days: number, io: CliIo): void {
  const hosts = hostList.split(',').map((h) => h.trim()).filter((h) => h !== '');
  const bad = hosts.filter((h) => !/^[A-Za-z0-9.:-]+$/.test(h));
  if (hosts.length === 0 || bad.length > 0) {
    println(io.stderr, `error: --client-hosts wants comma-separated host names or IP addresses, got "${hostList}"`);
    throw new CliExit(2);
  }
  const names = hosts.map((h) => (isIP(h) === 0 ? `DNS:${h}` : `IP:${h}`)).join(',');
  signedCertificate(out, ca, 'client-port', 'raftkv client port', 'serverAuth', names, days);
  println(io.stdout, `wrote client-port.crt/client-port.key in ${out} for ${hosts.join(', ')}; in each node's config: "clientTls": { "certFile": "${join(out, 'client-port.crt')}", "keyFile": "${join(out, 'client-port.key')}" }`);
}

function signedCertificate(out: string, ca: { cert: string; key: string }, file: string, commonName: string, usage: string, altNames: string, days: number): void {
  const key = join(out, `${file}.key`);
  const csr = join(out, `${file}.csr`);
  const cert = join(out, `${file}.crt`);
  const extensions = join(out, `${file}.ext`);
  writeFileSync(
    extensions,
    ['basicConstraints=critical,CA:FALSE', 'keyUsage=critical,digitalSignature', `extendedKeyUsage=${usage}`, `subjectAltName=${altNames}`, ''].join('\n'),
  );
  try {
    openssl(['req', '-new', ...CURVE, '-keyout', key, '-out', csr, '-subj', `/CN=${commonName}`]);
    chmodSync(key, 0o600);
    openssl(['x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-set_serial', `0x${randomSerial()}`, '-days', String(days), '-extfile', extensions, '-out', cert]);
  } finally {
    rmSync(csr, { force: true });
    rmSync(extensions, { force: true });
  }
}

function openssl(args: readonly string[]): void {
  const result = spawnSync('openssl', args, { encoding: 'utf8' });
  if (result.error) throw new CertsError(`cannot run openssl (apt-get install openssl): ${result.error.message}`);
  if (result.status !== 0) throw new CertsError(`openssl ${args[0]} failed: ${result.stderr.trim()}`);
}

function randomSerial(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('').replace(/^0+/, '1');
}

export class CertsError extends Error {
  override readonly name = 'CertsError';
  readonly code = 'CERTS_FAILED';
}
