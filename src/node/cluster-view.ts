/**
 * raftkv as Redis Cluster clients see it: one shard that owns all 16384
 * slots, the Raft leader as its master and the other members as replicas.
 * Every node gives the same answer (from its view of who leads), so a
 * cluster client that re-reads the slots after a MOVED or a lost connection
 * finds the new leader.
 */
import { createHash } from 'node:crypto';
import { parseHostPort } from '../config/address.js';
import type { MemberConfig } from '../config/types.js';
import { bulkText, errorReply, intReply, listReply, textMap, type Reply } from '../protocol/reply.js';
import { SLOT_COUNT } from '../protocol/slot.js';
import type { NodeId, Term } from '../raft/types.js';

export interface ClusterFacts {
  readonly clusterId: string;
  readonly self: NodeId;
  readonly members: readonly MemberConfig[];
  readonly leader: NodeId | null;
  readonly term: Term;
  readonly applied: number;
}

/** A member's 40-hex-digit Redis Cluster node id: stable, and the same on every node. */
export function clusterNodeId(clusterId: string, member: NodeId): string {
  return createHash('sha1').update(`${clusterId}\0${member}`).digest('hex');
}

export const NO_LEADER = 'CLUSTERDOWN no leader elected yet; retry shortly';

/** Members with the leader first (the master), or null while there is no leader. */
function ordered(facts: ClusterFacts): MemberConfig[] | null {
  const leader = facts.members.find((m) => m.id === facts.leader);
  if (!leader) return null;
  return [leader, ...facts.members.filter((m) => m !== leader)];
}

/** CLUSTER SLOTS: [[0, 16383, master, replica...]], each node [ip, port, id]. */
export function clusterSlots(facts: ClusterFacts): Reply {
  const members = ordered(facts);
  if (!members) return errorReply(NO_LEADER);
  const nodes = members.map((m) => {
    const { host, port } = parseHostPort(m.client);
    return listReply([bulkText(host), intReply(port), bulkText(clusterNodeId(facts.clusterId, m.id))]);
  });
  return listReply([listReply([intReply(0), intReply(SLOT_COUNT - 1), ...nodes])]);
}

/** CLUSTER SHARDS: one shard with its slot range and nodes. */
export function clusterShards(facts: ClusterFacts): Reply {
  const members = ordered(facts);
  if (!members) return errorReply(NO_LEADER);
  const nodes = members.map((m) => {
    const { host, port } = parseHostPort(m.client);
    return textMap([
      ['id', bulkText(clusterNodeId(facts.clusterId, m.id))],
      ['port', intReply(port)],
      ['ip', bulkText(host)],
      ['endpoint', bulkText(host)],
      ['role', bulkText(m.id === facts.leader ? 'master' : 'replica')],
      ['replication-offset', intReply(facts.applied)],
      ['health', bulkText('online')],
    ]);
  });
  return listReply([textMap([['slots', listReply([intReply(0), intReply(SLOT_COUNT - 1)])], ['nodes', listReply(nodes)]])]);
}

/** CLUSTER NODES: one line per member in Redis's format. */
export function clusterNodes(facts: ClusterFacts): string {
  const leaderId = facts.leader === null ? '-' : clusterNodeId(facts.clusterId, facts.leader);
  const lines = facts.members.map((m) => {
    const flags = [m.id === facts.self ? 'myself' : '', m.id === facts.leader ? 'master' : 'slave'].filter(Boolean).join(',');
    const master = m.id === facts.leader ? '-' : leaderId;
    const slots = m.id === facts.leader ? ` 0-${SLOT_COUNT - 1}` : '';
    const { host, port } = parseHostPort(m.client);
    const peerPort = parseHostPort(m.peer).port;
    return `${clusterNodeId(facts.clusterId, m.id)} ${host}:${port}@${peerPort} ${flags} ${master} 0 0 ${facts.term} connected${slots}`;
  });
  return lines.join('\n') + '\n';
}

export function clusterInfo(facts: ClusterFacts): string {
  const ok = facts.leader !== null;
  const fields: Array<[string, string | number]> = [
    ['cluster_enabled', 1],
    ['cluster_state', ok ? 'ok' : 'fail'],
    ['cluster_slots_assigned', SLOT_COUNT],
    ['cluster_slots_ok', ok ? SLOT_COUNT : 0],
    ['cluster_slots_pfail', 0],
    ['cluster_slots_fail', ok ? 0 : SLOT_COUNT],
    ['cluster_known_nodes', facts.members.length],
    ['cluster_size', 1],
    ['cluster_current_epoch', facts.term],
    ['cluster_my_epoch', facts.term],
  ];
  return fields.map(([k, v]) => `${k}:${v}`).join('\r\n') + '\r\n';
}
