/**
 * Encodes a request as a RESP array of bulk strings, the form every Redis server
 * accepts and the only one that is binary-safe (inline commands split on spaces).
 */
export type Arg = string | Uint8Array;

export function encodeCommand(args: readonly Arg[]): Buffer {
  const bodies = args.map((arg) => (typeof arg === 'string' ? Buffer.from(arg, 'utf8') : arg));
  const header = `*${bodies.length}\r\n`;
  let size = header.length;
  for (const body of bodies) size += `$${body.length}\r\n`.length + body.length + 2;
  const out = Buffer.allocUnsafe(size);
  let at = out.write(header, 0, 'latin1');
  for (const body of bodies) {
    at += out.write(`$${body.length}\r\n`, at, 'latin1');
    out.set(body, at);
    at += body.length;
    at += out.write('\r\n', at, 'latin1');
  }
  return out;
}

/** Splits "host:port" (the port after the last colon, so bracket-less IPv6 hosts work). */
export function parseAddress(address: string): { host: string; port: number } | null {
  const colon = address.lastIndexOf(':');
  if (colon <= 0) return null;
  const host = address.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  const portText = address.slice(colon + 1);
  if (!/^\d+$/.test(portText)) return null;
  const port = Number(portText);
  if (port < 1 || port > 65535) return null;
  return { host, port };
}
