/**
 * Every metric a node exports, on its own prom-client Registry (never the
 * global one, so several nodes in one process keep separate sets). The
 * families follow etcd's server/disk/network groups, plus client and session
 * metrics; docs/metrics.md lists each name, type and label, and a test keeps
 * that page and this file in step.
 *
 * Two kinds of metric live here: event-driven counters and histograms,
 * updated by the bus tap (bus-metrics.ts) as events pass, in plain numbers
 * (fast-metrics.ts); and gauges, set from the node's status view only when
 * Prometheus asks (scrape.ts). All of them render their own text
 * (renderFast); prom-client renders only its process and Node.js defaults,
 * which live on a second Registry. The first Registry lists everything (its
 * getMetricsAsJSON and metrics() see the whole set) for tests and tools.
 */
import { Registry, collectDefaultMetrics } from 'prom-client';
import { constantLabels, FastCounter, FastGauge, FastHistogram, FastMetric } from './fast-metrics.js';
import { REFUSAL_REASONS } from './client-security.js';

/** Disk writes: 50 us to 2 s, as etcd's wal fsync buckets start at 1 ms and we are faster. */
const DISK_SECONDS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2];
/** Client requests: 100 us to 10 s (the request timeout is 5 s by default). */
const REQUEST_SECONDS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Peer round trips on a LAN or loopback: 50 us to 1 s. */
const RTT_SECONDS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];
/** Entries per batch: 1 to the default entriesPerAppendMax and beyond. */
const BATCH_ENTRIES = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096];
/** Snapshots: 10 ms to 5 minutes. */
const SNAPSHOT_SECONDS = [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300];

export type ServerMetrics = ReturnType<typeof serverMetrics>;
export type DiskMetrics = ReturnType<typeof diskMetrics>;
export type NetworkMetrics = ReturnType<typeof networkMetrics>;
export type ClientMetrics = ReturnType<typeof clientMetrics>;

export interface NodeMetrics {
  /** Every metric: ours and prom-client's defaults. */
  readonly registry: Registry;
  /** What a scrape renders: ours by themselves, with the node label (`node="n1"`) formatted once... */
  readonly own: readonly FastMetric<unknown>[];
  readonly ownLabels: string;
  /** ...and prom-client's process and Node.js defaults through their own Registry. */
  readonly defaults: Registry;
  readonly server: ServerMetrics;
  readonly disk: DiskMetrics;
  readonly network: NetworkMetrics;
  readonly client: ClientMetrics;
  readonly sessions: FastGauge;
  /** What the bus tap learns between scrapes: pending proposals, and the latest snapshot's index. */
  readonly tapState: { pendingProposals: number; snapshotIndex: number };
}

export function createNodeMetrics(nodeId: string): NodeMetrics {
  const labels = { node: nodeId };
  const defaults = new Registry();
  defaults.setDefaultLabels(labels);
  // The process and Node.js defaults keep their standard names (process_cpu_seconds_total, ...).
  collectDefaultMetrics({ register: defaults });
  const registry = new Registry();
  registry.setDefaultLabels(labels);
  for (const metric of defaults.getMetricsAsArray()) registry.registerMetric(metric as never);
  const server = serverMetrics(registry);
  // Labelled series exist from the start, at 0, so a query finds them before the first failure.
  for (const reason of ['not_leader', 'lost']) server.proposalsFailed.child(reason);
  const client = clientMetrics(registry);
  for (const reason of REFUSAL_REASONS) client.connectionsRefused.child(reason);
  const metrics = {
    server,
    disk: diskMetrics(registry),
    network: networkMetrics(registry),
    client,
    sessions: new FastGauge('raftkv_sessions', 'Client sessions in the state machine session table.', [], registry),
  };
  const own = (registry.getMetricsAsArray() as unknown[]).filter((metric): metric is FastMetric<unknown> => metric instanceof FastMetric);
  return { registry, own, ownLabels: constantLabels(labels), defaults, ...metrics, tapState: { pendingProposals: 0, snapshotIndex: 0 } };
}

function serverMetrics(registry: Registry) {
  return {
    hasLeader: new FastGauge('raftkv_server_has_leader', '1 when this node knows a leader, 0 otherwise.', [], registry),
    isLeader: new FastGauge('raftkv_server_is_leader', '1 when this node is the leader.', [], registry),
    leaderChanges: new FastCounter('raftkv_server_leader_changes_seen_total', 'Leaders this node has seen take office (a new leader or a new term).', [], registry),
    electionsStarted: new FastCounter('raftkv_server_elections_started_total', 'Times this node became a candidate.', [], registry),
    currentTerm: new FastGauge('raftkv_server_current_term', 'The Raft term this node is in.', [], registry),
    commitIndex: new FastGauge('raftkv_server_commit_index', 'Highest log index this node knows committed.', [], registry),
    appliedIndex: new FastGauge('raftkv_server_applied_index', 'Highest log index applied to the state machine.', [], registry),
    logFirstIndex: new FastGauge('raftkv_server_log_first_index', 'First index held in the log (after compaction, the one after the snapshot).', [], registry),
    logLastIndex: new FastGauge('raftkv_server_log_last_index', 'Last index held in the log.', [], registry),
    snapshotIndex: new FastGauge('raftkv_server_snapshot_index', 'Last log index covered by the latest snapshot (0: none).', [], registry),
    snapshotSizeBytes: new FastGauge('raftkv_server_snapshot_size_bytes', 'The latest snapshot: bytes of its chunks when installed here, the store estimate of the KV data on disk when taken here; -1 before the first.', [], registry),
    snapshotKeys: new FastGauge('raftkv_server_snapshot_keys', 'Keys in the latest snapshot when installed here; -1 when not known (one taken here is not counted).', [], registry),
    snapshotReceivingChunks: new FastGauge('raftkv_server_snapshot_receiving_chunks', 'Chunks staged so far of a snapshot being received (0: none).', [], registry),
    snapshotDuration: new FastHistogram('raftkv_server_snapshot_duration_seconds', 'Time to take or install a snapshot.', ['kind'], SNAPSHOT_SECONDS, registry),
    proposalsCommitted: new FastCounter('raftkv_server_proposals_committed_total', 'Log entries this node has seen committed.', [], registry),
    proposalsApplied: new FastCounter('raftkv_server_proposals_applied_total', 'Log entries this node has applied.', [], registry),
    proposalsPending: new FastGauge('raftkv_server_proposals_pending', 'Proposals this node appended as leader that are not applied yet.', [], registry),
    proposalsFailed: new FastCounter('raftkv_server_proposals_failed_total', 'Proposals refused (not leader) or lost to a leader change before commit.', ['reason'], registry),
  };
}

function diskMetrics(registry: Registry) {
  return {
    logSyncDuration: new FastHistogram('raftkv_disk_log_sync_duration_seconds', 'Time of one synced write of log entries and hard state (group commit).', [], DISK_SECONDS, registry),
    logBatchEntries: new FastHistogram('raftkv_disk_log_batch_entries', 'Entries in one synced log write.', [], BATCH_ENTRIES, registry),
    applyDuration: new FastHistogram('raftkv_disk_apply_duration_seconds', 'Time to apply one batch of committed entries to the KV store.', [], DISK_SECONDS, registry),
    applyBatchEntries: new FastHistogram('raftkv_disk_apply_batch_entries', 'Entries in one applied batch.', [], BATCH_ENTRIES, registry),
  };
}

function networkMetrics(registry: Registry) {
  return {
    messagesSent: new FastCounter('raftkv_network_peer_sent_messages_total', 'Raft messages handed to the network, by destination and message type.', ['peer', 'type'], registry),
    messagesReceived: new FastCounter('raftkv_network_peer_received_messages_total', 'Raft messages received, by sender and message type.', ['peer', 'type'], registry),
    entryBytesSent: new FastCounter('raftkv_network_peer_sent_entry_payload_bytes_total', 'Log entry payload bytes in AppendEntries handed to the network, by destination (not wire bytes).', ['peer'], registry),
    entryBytesReceived: new FastCounter('raftkv_network_peer_received_entry_payload_bytes_total', 'Log entry payload bytes in AppendEntries received, by sender (not wire bytes).', ['peer'], registry),
    // Read from the transport at scrape time (scrape.ts): what crossed each peer's socket.
    framesSent: new FastCounter('raftkv_network_peer_sent_frames_total', 'Frames written to the connection to a peer.', ['peer'], registry),
    bytesSent: new FastCounter('raftkv_network_peer_sent_bytes_total', 'Bytes written to the connection to a peer, frame headers included.', ['peer'], registry),
    framesReceived: new FastCounter('raftkv_network_peer_received_frames_total', 'Frames read from a peer and accepted.', ['peer'], registry),
    bytesReceived: new FastCounter('raftkv_network_peer_received_bytes_total', 'Bytes of accepted frames read from a peer, frame headers included.', ['peer'], registry),
    roundTrip: new FastHistogram('raftkv_network_peer_round_trip_time_seconds', 'Heartbeat round trip to a peer, as the bus delivers it.', ['peer'], RTT_SECONDS, registry),
    followerMatchIndex: new FastGauge('raftkv_network_follower_match_index', 'Leader only: highest index known replicated on each follower.', ['follower'], registry),
    followerLag: new FastGauge('raftkv_network_follower_lag_entries', "Leader only: entries of the leader's log a follower does not hold yet.", ['follower'], registry),
  };
}

function clientMetrics(registry: Registry) {
  return {
    connections: new FastGauge('raftkv_client_connections', 'Open client connections.', [], registry),
    pendingRequests: new FastGauge('raftkv_client_pending_requests', 'Client requests accepted and not answered yet.', [], registry),
    requests: new FastCounter('raftkv_client_requests_total', 'Client requests answered, by command and outcome (ok, moved, tryagain, busy, timeout, error, ...).', ['command', 'outcome'], registry),
    requestDuration: new FastHistogram('raftkv_client_request_duration_seconds', 'Time from a parsed request to its reply, by command.', ['command'], REQUEST_SECONDS, registry),
    // Counted by the client edge and its ClientAuth, copied at scrape time (client-security.ts).
    authSuccesses: new FastCounter('raftkv_client_auth_successes_total', 'Successful AUTH and HELLO AUTH, by user ("(unknown)": names no user has).', ['user'], registry),
    authFailures: new FastCounter('raftkv_client_auth_failures_total', 'Refused AUTH and HELLO AUTH, by user and reason (wrong_password, locked_out).', ['user', 'reason'], registry),
    connectionsRefused: new FastCounter('raftkv_client_connections_refused_total', 'Client connections refused or closed by a limit, by reason.', ['reason'], registry),
  };
}
