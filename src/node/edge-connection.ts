/**
 * What the TCP edge knows about one client connection: what CLIENT INFO /
 * CLIENT LIST report, the protocol it chose with HELLO, and whether its
 * reads may be stale (READONLY).
 */
import type { Protocol } from '../protocol/reply.js';
import { OPEN_USER, type ClientUser } from './client-auth.js';

export class EdgeConnection {
  name = '';
  libName = '';
  libVer = '';
  protocol: Protocol = 2;
  /** READONLY: reads served from this node's state, possibly stale. */
  stale = false;
  noEvict = false;
  noTouch = false;
  lastCommand = 'NULL';
  lastActiveMs: number;
  /** Who the connection authenticated as; null until it does (when clientAuth is configured). */
  user: ClientUser | null;
  /** ClientAuth's generation when `user` was last looked up: ACL SETUSER and DELUSER apply to open connections. */
  authGeneration = 0;
  /** The client's IP address (what AUTH lockouts count by). */
  remoteIp = '';
  /** Failed AUTH attempts on this connection. */
  authFailures = 0;
  /** Set by a refused AUTH that ends the connection: it is closed once that reply is written. */
  closeAfterReply = false;

  constructor(
    readonly id: number,
    readonly addr: string,
    readonly laddr: string,
    readonly createdMs: number,
    private readonly initialUser: ClientUser | null = OPEN_USER,
  ) {
    this.lastActiveMs = createdMs;
    this.user = initialUser;
  }

  /** RESET: back to a fresh connection's settings (the id stays). */
  reset(): void {
    this.name = '';
    this.protocol = 2;
    this.stale = false;
    this.noEvict = false;
    this.noTouch = false;
    // Redis's RESET: back to the default user, which means unauthenticated when passwords are required.
    this.user = this.initialUser;
  }
}

/** One CLIENT LIST line, with Redis's field names. */
export function describeClient(conn: EdgeConnection, nowMs: number): string {
  const flags = `${conn.stale ? 'r' : ''}${conn.noEvict ? 'e' : ''}${conn.noTouch ? 'T' : ''}` || 'N';
  const fields: Array<[string, string | number]> = [
    ['id', conn.id],
    ['addr', conn.addr],
    ['laddr', conn.laddr],
    ['name', conn.name],
    ['age', Math.max(0, Math.floor((nowMs - conn.createdMs) / 1000))],
    ['idle', Math.max(0, Math.floor((nowMs - conn.lastActiveMs) / 1000))],
    ['flags', flags],
    ['db', 0],
    ['sub', 0],
    ['psub', 0],
    ['multi', -1],
    ['cmd', conn.lastCommand],
    ['user', conn.user?.name ?? ''],
    ['resp', conn.protocol],
    ['lib-name', conn.libName],
    ['lib-ver', conn.libVer],
  ];
  return fields.map(([k, v]) => `${k}=${v}`).join(' ');
}
