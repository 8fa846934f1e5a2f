/**
 * Cluster status: INFO from every node, each asked directly (no redirects), so
 * an unreachable node shows up as down instead of failing the whole report.
 */
import { parseInfo, STATUS_INFO } from './client.js';
import { RespConnection, type ConnectionSecurity } from './connection.js';
import { ClientError } from './errors.js';

export type NodeReport =
  | { readonly address: string; readonly up: true; readonly info: Readonly<Record<string, string>> }
  | { readonly address: string; readonly up: false; readonly error: string };

export async function collectStatus(addresses: readonly string[], timeoutMs = 1_000, security: ConnectionSecurity = {}): Promise<NodeReport[]> {
  return Promise.all(addresses.map((address) => nodeReport(address, timeoutMs, security)));
}

async function nodeReport(address: string, timeoutMs: number, security: ConnectionSecurity): Promise<NodeReport> {
  let connection: RespConnection | null = null;
  try {
    connection = await RespConnection.connect(address, { ...security, connectTimeoutMs: timeoutMs, requestTimeoutMs: timeoutMs });
    const reply = await connection.send(STATUS_INFO);
    if (reply.type === 'error') return { address, up: false, error: reply.message };
    if (reply.type !== 'bulk' || reply.value === null) return { address, up: false, error: `unexpected ${reply.type} reply to INFO` };
    return { address, up: true, info: parseInfo(reply.value.toString('utf8')) };
  } catch (error) {
    return { address, up: false, error: error instanceof ClientError ? error.message : String(error) };
  } finally {
    connection?.destroy();
  }
}

/** The client address of the node reporting itself leader, or null. */
export function leaderOf(reports: readonly NodeReport[]): string | null {
  const leader = reports.find((r) => r.up && r.info['role'] === 'leader');
  return leader?.address ?? null;
}
