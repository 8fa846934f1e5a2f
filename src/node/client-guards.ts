/**
 * Guards at the client edge that keep one client from hurting the others,
 * kept apart from the connection code so each rule reads on its own.
 */
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import type { DebugCommands } from '../config/types.js';
import type { RateLimitedWarn } from '../log/rate-limited.js';
import type { RefusalReason } from '../metrics/client-security.js';
import type { EdgeConnection } from './edge-connection.js';

/**
 * Closes a connection on which nothing was read or written for idleMs: idle
 * sockets must not hold the clientConnectionsMax slots legitimate clients
 * need. A request waiting for commit is not idle for long: it is answered
 * (or times out) within requestTimeoutMs, which is far shorter.
 */
export function evictWhenIdle(socket: Socket, idleMs: number, logger: Logger, conn: number, counts: GuardCounts): void {
  socket.setTimeout(idleMs, () => {
    counts.client_idle_timeouts++;
    logger.info({ conn, remote: socket.remoteAddress, idleMs }, 'client disconnected: idle for clientIdleTimeoutMs');
    socket.destroy();
  });
}

/**
 * Closes a connection that has not authenticated authTimeoutMs after it
 * connected, so that clients without a password cannot hold connection slots
 * by keeping busy with commands that only earn them -NOAUTH.
 */
export function evictUnauthenticated(socket: Socket, conn: EdgeConnection, authTimeoutMs: number, warn: RateLimitedWarn, counts: GuardCounts): void {
  const timer = setTimeout(() => {
    if (conn.user !== null || socket.destroyed) return;
    counts.client_auth_timeouts++;
    warn.warn('auth-timeout', { conn: conn.id, remote: socket.remoteAddress, authTimeoutMs }, 'client disconnected: not authenticated within authTimeoutMs');
    socket.destroy();
  }, authTimeoutMs);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
}

/** Redis 7's enable-debug-command: "no", "yes", or "local" (only from a loopback address). */
export function debugAllowed(setting: DebugCommands, remoteAddress: string | undefined): boolean {
  if (setting === 'yes') return true;
  if (setting === 'no') return false;
  return remoteAddress !== undefined && isLoopback(remoteAddress);
}

export const DEBUG_REFUSED =
  'ERR DEBUG command not allowed. If the debugCommands option is set to "local", you can run it from a local connection, otherwise you need to set it to "yes" in the config file';

function isLoopback(address: string): boolean {
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}

/** What the edge's guards have done since start, for INFO's stats section (Redis's names where Redis has the counter). */
export interface GuardCounts {
  /** Connections refused at clientConnectionsMax. */
  rejected_connections: number;
  /** Closed at clientOutputBytesMax: the client did not read its replies. */
  client_output_buffer_limit_disconnections: number;
  /** Closed because all connections together held clientOutputTotalBytesMax and this one held the most. */
  client_output_total_limit_disconnections: number;
  /** Closed at clientPartialRequestTimeoutMs: a request begun and never finished. */
  client_partial_request_timeouts: number;
  /** Closed at clientAuth.authTimeoutMs. */
  client_auth_timeouts: number;
  /** Closed at clientIdleTimeoutMs. */
  client_idle_timeouts: number;
  /** Closed after a refused AUTH: failuresPerConnectionMax reached, or the address locked out. */
  client_auth_failure_disconnections: number;
  /** Closed before authenticating for a request over Redis's unauthenticated bounds (arguments, bulk length). */
  client_unauthenticated_request_disconnections: number;
}

/**
 * The reason label of raftkv_client_connections_refused_total for each
 * guard count: the config limit (or rule) that refused or closed it.
 */
export const GUARD_REFUSAL_REASONS: Readonly<Record<keyof GuardCounts, RefusalReason>> = {
  rejected_connections: 'clients_max',
  client_output_buffer_limit_disconnections: 'output_bytes_max',
  client_output_total_limit_disconnections: 'output_total_bytes_max',
  client_partial_request_timeouts: 'partial_request_timeout',
  client_auth_timeouts: 'auth_timeout',
  client_idle_timeouts: 'idle_timeout',
  client_auth_failure_disconnections: 'auth_failures',
  client_unauthenticated_request_disconnections: 'unauthenticated_request_bounds',
};

export function newGuardCounts(): GuardCounts {
  return {
    rejected_connections: 0,
    client_output_buffer_limit_disconnections: 0,
    client_output_total_limit_disconnections: 0,
    client_partial_request_timeouts: 0,
    client_auth_timeouts: 0,
    client_idle_timeouts: 0,
    client_auth_failure_disconnections: 0,
    client_unauthenticated_request_disconnections: 0,
  };
}

/**
 * The node-wide account of reply bytes built and not yet taken by the
 * kernel, per connection (what each last reported), so that the total can
 * be bounded (clientOutputTotalBytesMax) and the biggest holder found.
 */
export class OutputLedger<C> {
  private readonly held = new Map<C, number>();
  private sum = 0;

  get total(): number {
    return this.sum;
  }

  heldBy(conn: C): number {
    return this.held.get(conn) ?? 0;
  }

  set(conn: C, bytes: number): void {
    this.sum += bytes - this.heldBy(conn);
    if (bytes === 0) this.held.delete(conn);
    else this.held.set(conn, bytes);
  }

  /** The connection holding the most; a scan, done only when the total is over its limit. */
  largest(): C | null {
    let best: C | null = null;
    let bestBytes = 0;
    for (const [conn, bytes] of this.held) {
      if (bytes > bestBytes) [best, bestBytes] = [conn, bytes];
    }
    return best;
  }
}
