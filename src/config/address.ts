/**
 * `host:port` addresses, as config files and command-line flags spell them.
 * IPv6 hosts go in brackets (`[::1]:7001`), as in URLs, so the last colon
 * is always the port separator.
 */
import { isIPv6 } from 'node:net';
import { AddressError } from './errors.js';

export interface HostPort {
  /** Without brackets, ready for net.connect / server.listen. */
  readonly host: string;
  readonly port: number;
}

// Letters, digits, dots and hyphens: hostnames and IPv4 literals.
const HOSTNAME = /^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/;
const HOSTNAME_LENGTH_MAX = 253;
const PORT_MAX = 65_535;

/** Parses `host:port`; throws AddressError (code BAD_ADDRESS) saying what is wrong. */
export function parseHostPort(address: string): HostPort {
  const result = tryParseHostPort(address);
  if (typeof result === 'string') throw new AddressError(address, result);
  return result;
}

/** Parses `host:port`, or returns why it is not one (for callers that collect errors). */
export function tryParseHostPort(address: string): HostPort | string {
  const colon = address.lastIndexOf(':');
  if (colon < 0) return 'expected host:port';
  const hostPart = address.slice(0, colon);
  const port = parsePort(address.slice(colon + 1));
  if (typeof port === 'string') return port;
  const host = parseHost(hostPart);
  if (host === undefined) return hostError(hostPart);
  return { host, port };
}

/** The inverse of parseHostPort, bracketing IPv6 hosts. */
export function formatHostPort({ host, port }: HostPort): string {
  return isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
}

/** A key under which two spellings of the same address compare equal (host names are case-insensitive). */
export function addressKey(address: HostPort): string {
  return formatHostPort({ host: address.host.toLowerCase(), port: address.port });
}

function parsePort(text: string): number | string {
  if (!/^\d{1,5}$/.test(text)) return `port must be an integer 1-${PORT_MAX}, got ${JSON.stringify(text)}`;
  const port = Number(text);
  if (port < 1 || port > PORT_MAX) return `port must be an integer 1-${PORT_MAX}, got ${port}`;
  return port;
}

function parseHost(text: string): string | undefined {
  if (text.startsWith('[') && text.endsWith(']')) {
    const inner = text.slice(1, -1);
    return isIPv6(inner) ? inner : undefined;
  }
  if (text.length > HOSTNAME_LENGTH_MAX || !HOSTNAME.test(text)) return undefined;
  return text;
}

function hostError(text: string): string {
  if (text === '') return 'missing host before the port';
  if (isIPv6(text)) return `IPv6 hosts go in brackets, as in [${text}]:port`;
  return `bad host ${JSON.stringify(text)}`;
}
