/**
 * Guards at the client edge that keep one client from hurting the others,
 * kept apart from the connection code so each rule reads on its own.
 */
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import type { DebugCommands } from '../config/types.js';
import type { RateLimitedWarn } from '../log/rate-limited.js';
import type { EdgeConnection } from './edge-connection.js';

/**
 * Closes a connection on which nothing was read or written for idleMs: idle
 * sockets must not hold the clientConnectionsMax slots legitimate clients
 * need. A request waiting for commit is not idle for long: it is answered
 * (or times out) within requestTimeoutMs, which is far shorter.
 */
export function evictWhenIdle(socket: Socket, idleMs: number, logger: Logger, conn: number): void {
  socket.setTimeout(idleMs, () => {
    logger.info({ conn, remote: socket.remoteAddress, idleMs }, 'client disconnected: idle for clientIdleTimeoutMs');
    socket.destroy();
  });
}

/**
 * Closes a connection that has not authenticated authTimeoutMs after it
 * connected, so that clients without a password cannot hold connection slots
 * by keeping busy with commands that only earn them -NOAUTH.
 */
export function evictUnauthenticated(socket: Socket, conn: EdgeConnection, authTimeoutMs: number, warn: RateLimitedWarn): void {
  const timer = setTimeout(() => {
    if (conn.user !== null || socket.destroyed) return;
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
