/**
 * The cluster configuration: who is a member, who votes, and where each
 * member is reached. It lives in the replicated log (ENTRY_CONFIG entries,
 * each carrying a whole configuration, not a delta) and in snapshots, so the
 * config files only bootstrap a new cluster (dissertation chapter 4).
 *
 * Addresses are opaque to the core; the node uses them to dial peers and to
 * redirect clients. Removed ids are kept for good: a removed member's frames
 * are refused, and its id is never reused (as etcd does).
 *
 * Pure: decoding is the edge check for a configuration that arrives in an
 * AppendEntries, an InstallSnapshot or from disk, and never throws.
 */
import { Packr } from 'msgpackr';
import type { NodeId } from '../types.js';

export type MemberRole = 'voter' | 'learner';

export interface ClusterMember {
  readonly id: NodeId;
  readonly role: MemberRole;
  /** host:port for node-to-node Raft traffic. */
  readonly peer: string;
  /** host:port for the client protocol. */
  readonly client: string;
}

export interface ClusterConfig {
  readonly members: readonly ClusterMember[];
  /** Every id ever removed, oldest first. */
  readonly removed: readonly NodeId[];
}

/** Bounds that keep a hostile configuration from costing memory: far above any real cluster. */
export const MEMBERS_MAX = 64;
export const REMOVED_MAX = 4096;
const ID_LENGTH_MAX = 64;
const ADDRESS_LENGTH_MAX = 300;

const packr = new Packr({ useRecords: false, structuredClone: false, mapsAsObjects: true, moreTypes: false });

export function encodeConfig(config: ClusterConfig): Uint8Array {
  const bytes = packr.pack({ members: config.members.map((m) => ({ id: m.id, role: m.role, peer: m.peer, client: m.client })), removed: config.removed });
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export type ConfigDecodeResult = { readonly ok: true; readonly config: ClusterConfig } | { readonly ok: false; readonly problem: string };

export function decodeConfig(data: Uint8Array): ConfigDecodeResult {
  let value: unknown;
  try {
    value = packr.unpack(data);
  } catch {
    return { ok: false, problem: 'configuration entry is not msgpack' };
  }
  const problem = configProblem(value);
  return problem === null ? { ok: true, config: value as ClusterConfig } : { ok: false, problem: `configuration entry ${problem}` };
}

/** Why `value` is not a well-formed configuration, or null. */
export function configProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null) return 'is not a map';
  const { members, removed } = value as Record<string, unknown>;
  if (!Array.isArray(members) || members.length > MEMBERS_MAX) return `has no list of at most ${MEMBERS_MAX} members`;
  if (!Array.isArray(removed) || removed.length > REMOVED_MAX) return `has no list of at most ${REMOVED_MAX} removed ids`;
  const ids = new Set<string>();
  for (const member of members) {
    if (typeof member !== 'object' || member === null) return 'has a member that is not a map';
    const { id, role, peer, client } = member as Record<string, unknown>;
    if (!isId(id)) return 'has a member without a valid id';
    if (role !== 'voter' && role !== 'learner') return `has member ${id} with role ${String(role).slice(0, 20)}, not voter or learner`;
    if (!isAddress(peer) || !isAddress(client)) return `has member ${id} whose peer or client address is not a string of at most ${ADDRESS_LENGTH_MAX} characters`;
    if (ids.has(id)) return `lists member ${id} twice`;
    ids.add(id);
  }
  for (const id of removed) {
    if (!isId(id)) return 'has a removed id that is not a valid id';
    if (ids.has(id)) return `lists ${id} as both member and removed`;
  }
  return null;
}

function isId(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= ID_LENGTH_MAX;
}

/** Empty: not known (a configuration recorded before addresses were logged; the node fills it from its config files). */
function isAddress(value: unknown): value is string {
  return typeof value === 'string' && value.length <= ADDRESS_LENGTH_MAX;
}

export function votersOf(config: ClusterConfig): NodeId[] {
  return config.members.filter((m) => m.role === 'voter').map((m) => m.id);
}

export function learnersOf(config: ClusterConfig): NodeId[] {
  return config.members.filter((m) => m.role === 'learner').map((m) => m.id);
}

export function memberOf(config: ClusterConfig, id: NodeId): ClusterMember | undefined {
  return config.members.find((m) => m.id === id);
}

/** The configuration a new cluster starts with: every listed member votes. */
export function bootstrapConfig(members: ReadonlyArray<{ id: NodeId; peer: string; client: string }>): ClusterConfig {
  return { members: members.map((m) => ({ id: m.id, role: 'voter', peer: m.peer, client: m.client })), removed: [] };
}

/** A configuration known only by its voter ids (a data directory from before configurations were logged). */
export function votersOnlyConfig(voters: readonly NodeId[]): ClusterConfig {
  return { members: voters.map((id) => ({ id, role: 'voter', peer: '', client: '' })), removed: [] };
}
