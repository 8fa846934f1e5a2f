/**
 * INFO's text: Redis's sections (server, clients, persistence, stats,
 * replication, cluster, keyspace) and raftkv's own, `# Section` headers and
 * `field:value` lines. `INFO` and `INFO default` give every section; `INFO
 * <section> ...` the ones named; `all`/`everything` all of them.
 */
import type { Role } from '../raft/ready.js';

/** The Redis version whose commands and replies raftkv follows. */
export const REDIS_COMPAT_VERSION = '7.0.0';
export const RAFTKV_VERSION = '0.1.0';

export interface InfoFacts {
  readonly nodeId: string;
  readonly role: Role;
  readonly term: number;
  readonly leader: string | null;
  readonly leaderAddress: string | null;
  /** Client addresses of the other members (the replicas, when this node leads). */
  readonly followers: readonly string[];
  readonly commitIndex: number;
  readonly appliedIndex: number;
  readonly lastLogIndex: number;
  readonly firstLogIndex: number;
  readonly snapshotIndex: number;
  readonly snapshotDurationMs: number;
  /** The last snapshot's bytes and keys (-1: not known; see SnapshotFacts in actors/state-machine.ts). */
  readonly snapshotSizeBytes?: number;
  readonly snapshotKeys?: number;
  /** Chunks staged so far of a snapshot being received, and whether one is being installed. */
  readonly snapshotReceivingChunks?: number;
  readonly snapshotInstalling?: boolean;
  readonly pendingRequests: number;
  /** Client writes proposed and not yet answered, and those waiting for room (writesInFlightMax). */
  readonly writesInFlight?: number;
  readonly writesWaiting?: number;
  /** Reads dropped before reading the store because their connection had closed. */
  readonly readsDropped?: number;
  readonly members: readonly string[];
  readonly connectedClients: number;
  readonly tcpPort: number;
  readonly uptimeSeconds: number;
  readonly processId: number;
  /** The client edge's guard counters (rejected_connections, ...), shown under stats. */
  readonly guards?: Readonly<Record<string, number>>;
  /** Key count, when the keyspace section was asked for. */
  readonly keys: number | null;
}

type Fields = Array<[string, string | number]>;

const SECTIONS: ReadonlyArray<[string, (f: InfoFacts) => Fields]> = [
  ['server', server],
  ['clients', (f) => [['connected_clients', f.connectedClients], ['maxclients', 0], ['blocked_clients', 0]]],
  ['persistence', () => [['loading', 0], ['rdb_bgsave_in_progress', 0], ['aof_enabled', 1], ['aof_rewrite_in_progress', 0]]],
  ['stats', (f) => [['pending_requests', f.pendingRequests], ['reads_dropped_for_closed_connections', f.readsDropped ?? 0], ...Object.entries(f.guards ?? {})]],
  ['replication', replication],
  ['cluster', () => [['cluster_enabled', 1]]],
  ['keyspace', (f) => (f.keys ? [['db0', `keys=${f.keys},expires=0,avg_ttl=0`]] : [])],
  ['raftkv', raftkv],
];

/** Whether the requested sections need the key count (a scan of the store). */
export function wantsKeyspace(sections: readonly string[]): boolean {
  return chosen(sections).has('keyspace');
}

export function formatInfo(sections: readonly string[], facts: InfoFacts): string {
  const names = chosen(sections);
  const parts: string[] = [];
  for (const [name, fields] of SECTIONS) {
    if (!names.has(name)) continue;
    const title = name === 'raftkv' ? 'raftkv' : name[0]!.toUpperCase() + name.slice(1);
    parts.push([`# ${title}`, ...fields(facts).map(([k, v]) => `${k}:${v}`)].join('\r\n'));
  }
  return parts.length === 0 ? '' : parts.join('\r\n\r\n') + '\r\n';
}

function chosen(sections: readonly string[]): Set<string> {
  const all = SECTIONS.map(([name]) => name);
  if (sections.length === 0 || sections.some((s) => s === 'default' || s === 'all' || s === 'everything')) return new Set(all);
  return new Set(sections.filter((s) => all.includes(s)));
}

function server(f: InfoFacts): Fields {
  return [
    ['redis_version', REDIS_COMPAT_VERSION],
    ['raftkv_version', RAFTKV_VERSION],
    ['redis_mode', 'cluster'],
    ['arch_bits', 64],
    ['process_id', f.processId],
    ['tcp_port', f.tcpPort],
    ['uptime_in_seconds', f.uptimeSeconds],
    ['uptime_in_days', Math.floor(f.uptimeSeconds / 86400)],
  ];
}

function replication(f: InfoFacts): Fields {
  if (f.role === 'leader') {
    const replicas: Fields = f.followers.map((address, i) => {
      const [ip, port] = splitAddress(address);
      return [`slave${i}`, `ip=${ip},port=${port},state=online,offset=${f.appliedIndex},lag=0`];
    });
    return [['role', 'master'], ['connected_slaves', f.followers.length], ...replicas, ['master_repl_offset', f.appliedIndex]];
  }
  const [host, port] = f.leaderAddress ? splitAddress(f.leaderAddress) : ['', ''];
  return [
    ['role', 'slave'],
    ['master_host', host],
    ['master_port', port],
    ['master_link_status', f.leaderAddress ? 'up' : 'down'],
    ['slave_repl_offset', f.appliedIndex],
    ['slave_read_only', 1],
    ['connected_slaves', 0],
    ['master_repl_offset', f.appliedIndex],
  ];
}

/** raftkv's section; `role` here (leader/follower/candidate) wins over replication's for parsers that keep the last value. */
function raftkv(f: InfoFacts): Fields {
  return [
    ['node_id', f.nodeId],
    ['role', f.role],
    ['term', f.term],
    ['leader', f.leader ?? ''],
    ['leader_addr', f.leaderAddress ?? ''],
    ['commit_index', f.commitIndex],
    ['applied_index', f.appliedIndex],
    ['last_log_index', f.lastLogIndex],
    ['first_log_index', f.firstLogIndex],
    ['snapshot_index', f.snapshotIndex],
    ['snapshot_duration_ms', f.snapshotDurationMs],
    ['snapshot_size_bytes', f.snapshotSizeBytes ?? -1],
    ['snapshot_keys', f.snapshotKeys ?? -1],
    ['snapshot_receiving_chunks', f.snapshotReceivingChunks ?? 0],
    ['snapshot_installing', f.snapshotInstalling ? 1 : 0],
    ['pending_requests', f.pendingRequests],
    ['writes_in_flight', f.writesInFlight ?? 0],
    ['writes_waiting', f.writesWaiting ?? 0],
    ['members', f.members.join(',')],
  ];
}

function splitAddress(address: string): [string, string] {
  const at = address.lastIndexOf(':');
  return [address.slice(0, at), address.slice(at + 1)];
}
