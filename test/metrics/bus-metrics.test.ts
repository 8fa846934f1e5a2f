/** The bus tap's snapshot metrics: a snapshot taken is timed, and the latest snapshot index (taken or installed) is exported. */
import { describe, expect, test } from 'vitest';
import { BusMetrics } from '../../src/metrics/bus-metrics.js';
import { createNodeMetrics } from '../../src/metrics/definitions.js';
import { ElectionHistory } from '../../src/metrics/elections.js';
import { refreshGauges } from '../../src/metrics/scrape.js';
import { PeerTrafficCounters } from '../../src/transport/traffic.js';
import { nodeStatus } from '../../src/metrics/status.js';
import { parseSamples } from '../support/http-cluster.js';

describe('snapshot metrics from the bus tap', () => {
  test('a snapshot taken observes its duration; taken and installed snapshots set the index gauge', async () => {
    const metrics = createNodeMetrics('n1');
    const tap = new BusMetrics(metrics, new ElectionHistory('n1'));
    tap.observe({ type: 'storage.snapshotted', index: 120, term: 2, durationMs: 3 });
    tap.observe({ type: 'storage.snapshotInstalled', leader: 'n2', term: 3, transfer: 1, snapshot: { index: 90, term: 2 } });
    const status = nodeStatus({
      nodeId: 'n1',
      members: [{ id: 'n1', peer: '127.0.0.1:1', client: '127.0.0.1:2' }],
      view: () => ({ id: 'n1', role: 'follower', term: 3, vote: null, leader: null, commitIndex: 130, firstIndex: 71, lastIndex: 130, stableIndex: 130, config: null }),
      matchIndexes: () => ({}),
      appliedIndex: () => 130,
      pendingRequests: () => 0,
      clientConnections: () => 0,
      sessions: () => null,
      elections: () => [],
      snapshotIndex: () => metrics.tapState.snapshotIndex,
      startedMs: 0,
    });
    expect(status.snapshotIndex).toBe(120);
    refreshGauges(metrics, status, new PeerTrafficCounters());
    const samples = parseSamples(await metrics.registry.metrics());
    expect(samples.get('raftkv_server_snapshot_index')).toBe(120);
    expect(samples.get('raftkv_server_snapshot_duration_seconds_count{kind="take"}')).toBe(1);
    expect(samples.get('raftkv_server_snapshot_duration_seconds_sum{kind="take"}')).toBeCloseTo(0.003);
  });
});
