/**
 * Scrape-time metrics: the gauges that describe state rather than events
 * (indexes, follower progress, connections, sessions) are set from the
 * node's status just before the registry is rendered, so they cost nothing
 * between scrapes.
 */
import type { NodeMetrics } from './definitions.js';
import { renderFast } from './fast-metrics.js';
import type { NodeStatusJson } from './status.js';
import type { PeerTrafficSource } from '../transport/traffic.js';
import { copyClientSecurity, type ClientSecuritySource } from './client-security.js';

export function refreshGauges(metrics: NodeMetrics, status: NodeStatusJson, traffic: PeerTrafficSource, security?: ClientSecuritySource): void {
  const { server, network, client } = metrics;
  server.currentTerm.set(status.term);
  server.hasLeader.set(status.leader === null ? 0 : 1);
  server.isLeader.set(status.role === 'leader' ? 1 : 0);
  server.commitIndex.set(status.commitIndex);
  server.appliedIndex.set(status.appliedIndex);
  server.logFirstIndex.set(status.firstLogIndex);
  server.logLastIndex.set(status.lastLogIndex);
  server.snapshotIndex.set(Math.max(status.snapshotIndex, metrics.tapState.snapshotIndex));
  server.snapshotSizeBytes.set(status.snapshotSizeBytes);
  server.snapshotKeys.set(status.snapshotKeys);
  server.snapshotReceivingChunks.set(status.snapshotReceivingChunks);
  server.proposalsPending.set(metrics.tapState.pendingProposals);
  // A follower that was leader must not keep exporting its old followers' progress.
  network.followerMatchIndex.reset();
  network.followerLag.reset();
  for (const peer of status.peers) {
    network.followerMatchIndex.child(peer.id).value = peer.matchIndex;
    network.followerLag.child(peer.id).value = peer.lagEntries;
  }
  client.connections.set(status.clientConnections);
  client.pendingRequests.set(status.pendingRequests);
  if (status.sessions !== null) metrics.sessions.set(status.sessions);
  copyPeerTraffic(metrics, traffic);
  if (security !== undefined) copyClientSecurity(client, security.clientSecurity());
}

/** The transport counts the wire (one owner); its totals are copied into the counters only when scraped. */
function copyPeerTraffic(metrics: NodeMetrics, traffic: PeerTrafficSource): void {
  const { network } = metrics;
  for (const [peer, counts] of traffic.peerTraffic()) {
    network.framesSent.child(peer).value = counts.framesSent;
    network.bytesSent.child(peer).value = counts.bytesSent;
    network.framesReceived.child(peer).value = counts.framesReceived;
    network.bytesReceived.child(peer).value = counts.bytesReceived;
  }
}

/** The Prometheus text exposition of every metric, gauges refreshed first: ours, then prom-client's defaults. */
export async function renderMetrics(metrics: NodeMetrics, status: NodeStatusJson, traffic: PeerTrafficSource, security?: ClientSecuritySource): Promise<string> {
  refreshGauges(metrics, status, traffic, security);
  return renderFast(metrics.own, metrics.ownLabels) + (await metrics.defaults.metrics());
}
