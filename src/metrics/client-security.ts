/**
 * Client security counters for /metrics: AUTH outcomes by user and the
 * connections the client edge's limits refused or closed. The edge and its
 * ClientAuth count them in plain numbers (one owner, nothing on the hot path
 * but an increment); a scrape copies the totals into the exposition, as the
 * transport's wire counters are copied (scrape.ts).
 */
import type { ClientMetrics } from './definitions.js';

export interface ClientSecurityCounts {
  /** Successful AUTH / HELLO AUTH, by user label (unknown names share one label: see UNKNOWN_USER_LABEL). */
  readonly authSuccesses: ReadonlyMap<string, number>;
  /** Failed: wrong user name or password. */
  readonly authFailures: ReadonlyMap<string, number>;
  /** Refused unchecked: the client's address was locked out after too many failures. */
  readonly authLockedOut: ReadonlyMap<string, number>;
  /** Connections refused or closed by a limit, by reason (GUARD_REFUSAL_REASONS in src/node/client-guards.ts). */
  readonly connectionsRefused: ReadonlyMap<string, number>;
}

export interface ClientSecuritySource {
  clientSecurity(): ClientSecurityCounts;
}

/** Reasons the refusal counter shows from the start, at 0 (a query finds them before the first refusal). */
export const REFUSAL_REASONS = [
  'clients_max',
  'output_bytes_max',
  'output_total_bytes_max',
  'partial_request_timeout',
  'idle_timeout',
  'auth_timeout',
  'auth_failures',
  'unauthenticated_request_bounds',
] as const;

export type RefusalReason = (typeof REFUSAL_REASONS)[number];

export function copyClientSecurity(client: ClientMetrics, counts: ClientSecurityCounts): void {
  for (const [user, n] of counts.authSuccesses) client.authSuccesses.child(user).value = n;
  for (const [user, n] of counts.authFailures) client.authFailures.child(user, 'wrong_password').value = n;
  for (const [user, n] of counts.authLockedOut) client.authFailures.child(user, 'locked_out').value = n;
  for (const [reason, n] of counts.connectionsRefused) client.connectionsRefused.child(reason).value = n;
}
