/**
 * Observability for a real node: when `httpAddress` is configured, metrics
 * are collected by handlers on the node's bus (BusMetrics) from its first event on, and the HTTP
 * endpoint serves them with the node's status. Without it, nothing is
 * attached and nothing costs anything.
 */
import { MemberDirectory } from '../node/member-directory.js';
import type { Logger } from 'pino';
import type { NodeConfig } from '../config/types.js';
import { parseHostPort } from '../config/address.js';
import { collectStatus } from '../client/status.js';
import { BusMetrics } from '../metrics/bus-metrics.js';
import { clusterView } from '../metrics/cluster.js';
import { createNodeMetrics, type NodeMetrics } from '../metrics/definitions.js';
import { ElectionHistory } from '../metrics/elections.js';
import { nodeStatus, type NodeStatusJson } from '../metrics/status.js';
import type { NodeParts } from '../node/assemble.js';
import type { PeerTrafficSource } from '../transport/traffic.js';
import type { ClientSecuritySource } from '../metrics/client-security.js';
import { HttpEndpoint } from './server.js';

/** How long /cluster waits for each member's INFO. */
const CLUSTER_INFO_TIMEOUT_MS = 500;

export interface NodeObserver {
  readonly metrics: NodeMetrics;
  readonly elections: ElectionHistory;
  /** The transport's per-peer wire counters, read at scrape time. */
  readonly traffic: PeerTrafficSource;
}

/** Attaches the metrics tap to a node's bus, before its first delivery; null when HTTP is off. */
export function attachObserver(config: NodeConfig, parts: NodeParts, traffic: PeerTrafficSource): NodeObserver | null {
  if (config.httpAddress === undefined) return null;
  const metrics = createNodeMetrics(config.nodeId);
  const elections = new ElectionHistory(config.nodeId);
  new BusMetrics(metrics, elections).attach(parts.bus);
  return { metrics, elections, traffic };
}

export interface NodeHttpOptions {
  readonly config: NodeConfig;
  readonly parts: NodeParts;
  readonly observer: NodeObserver;
  readonly logger: Logger;
  readonly clientConnections: () => number;
  readonly clientSecurity?: ClientSecuritySource;
  readonly flightText: () => string;
  readonly stopping: () => boolean;
}

export async function startNodeHttp(options: NodeHttpOptions): Promise<HttpEndpoint> {
  const { config, parts, observer } = options;
  const startedMs = Date.now();
  // The configuration in force, not the config files: members come and go.
  const directory = new MemberDirectory(config.members, parts.core.view().config);
  parts.bus.on('raft.membership', (e) => directory.update(e.config));
  const status = (): NodeStatusJson =>
    nodeStatus({
      nodeId: config.nodeId,
      members: directory.members(),
      view: () => parts.core.view(),
      matchIndexes: () => parts.core.matchIndexes(),
      appliedIndex: () => parts.client.appliedIndex(),
      pendingRequests: () => parts.client.pendingCount(),
      clientConnections: options.clientConnections,
      sessions: () => parts.stateMachine.sessionCount(),
      elections: () => observer.elections.list(),
      snapshotIndex: () => observer.metrics.tapState.snapshotIndex,
      snapshotFacts: () => parts.stateMachine.snapshotFacts(),
      startedMs,
    });
  const endpoint = new HttpEndpoint({
    ...parseHostPort(config.httpAddress!),
    logger: options.logger,
    metrics: observer.metrics,
    traffic: observer.traffic,
    ...(options.clientSecurity && { clientSecurity: options.clientSecurity }),
    status,
    cluster: async () =>
      clusterView(
        await collectStatus(directory.members().map((m) => m.client), CLUSTER_INFO_TIMEOUT_MS),
        directory.members().map((m) => m.id),
      ),
    flightText: options.flightText,
    stopping: options.stopping,
    applyLagEntriesMax: config.limits.healthApplyLagEntriesMax,
    connectionsMax: config.limits.httpConnectionsMax,
  });
  await endpoint.start();
  return endpoint;
}
