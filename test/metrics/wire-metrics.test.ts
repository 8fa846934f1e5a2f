/** The per-peer wire counters: owned by the transport, copied into the exposition when scraped. */
import { describe, expect, test } from 'vitest';
import { createNodeMetrics } from '../../src/metrics/definitions.js';
import { renderMetrics } from '../../src/metrics/scrape.js';
import { nodeStatus } from '../../src/metrics/status.js';
import { PeerTrafficCounters } from '../../src/transport/traffic.js';
import { parseSamples } from '../support/http-cluster.js';

function followerStatus() {
  return nodeStatus({
    nodeId: 'n1',
    members: [{ id: 'n1', peer: '127.0.0.1:1', client: '127.0.0.1:2' }],
    view: () => ({ id: 'n1', role: 'follower', term: 1, vote: null, leader: null, commitIndex: 0, firstIndex: 0, lastIndex: 0, stableIndex: 0, config: null }),
    matchIndexes: () => ({}),
    appliedIndex: () => 0,
    pendingRequests: () => 0,
    clientConnections: () => 0,
    sessions: () => null,
    elections: () => [],
    snapshotIndex: () => 0,
    startedMs: 0,
  });
}

describe('wire metrics', () => {
  test('every known peer is exported from the start at 0, and each scrape shows the counters as they are then', async () => {
    const metrics = createNodeMetrics('n1');
    const traffic = new PeerTrafficCounters(['n2', 'n3']);
    const first = parseSamples(await renderMetrics(metrics, followerStatus(), traffic));
    for (const peer of ['n2', 'n3']) {
      for (const kind of ['sent_bytes', 'received_bytes', 'sent_frames', 'received_frames']) {
        expect(first.get(`raftkv_network_peer_${kind}_total{peer="${peer}"}`), `${kind} ${peer}`).toBe(0);
      }
    }
    const n2 = traffic.of('n2');
    n2.framesSent += 3;
    n2.bytesSent += 120;
    n2.framesReceived += 2;
    n2.bytesReceived += 64;
    const second = parseSamples(await renderMetrics(metrics, followerStatus(), traffic));
    expect(second.get('raftkv_network_peer_sent_frames_total{peer="n2"}')).toBe(3);
    expect(second.get('raftkv_network_peer_sent_bytes_total{peer="n2"}')).toBe(120);
    expect(second.get('raftkv_network_peer_received_frames_total{peer="n2"}')).toBe(2);
    expect(second.get('raftkv_network_peer_received_bytes_total{peer="n2"}')).toBe(64);
    expect(second.get('raftkv_network_peer_sent_bytes_total{peer="n3"}')).toBe(0);
  });

  test('a peer read from the source is a copy: changing it does not touch the owner', () => {
    const traffic = new PeerTrafficCounters(['n2']);
    traffic.of('n2').bytesSent = 10;
    const copy = traffic.peerTraffic().get('n2') as { bytesSent: number };
    copy.bytesSent = 999;
    expect(traffic.peerTraffic().get('n2')?.bytesSent).toBe(10);
  });
});
