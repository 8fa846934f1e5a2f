/** The bus tap: snapshot metrics (a snapshot taken is timed, the latest snapshot index exported), request timing and outcomes, message counts. */
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

describe('client requests and messages from the bus tap', () => {
  const set = { kind: 'write', command: { op: 'set', key: new Uint8Array(1), value: new Uint8Array(1) } } as const;
  const get = { kind: 'read', query: { op: 'get', key: new Uint8Array(1) } } as const;

  test('requests are paired with their replies by connection and seq, in any order, and counted by command and outcome', async () => {
    let now = 0;
    const metrics = createNodeMetrics('n1');
    const tap = new BusMetrics(metrics, new ElectionHistory('n1'), () => now);
    tap.observe({ type: 'client.request', conn: 1, seq: 1, request: set as never });
    tap.observe({ type: 'client.request', conn: 2, seq: 1, request: get as never });
    tap.observe({ type: 'client.request', conn: 1, seq: 2, request: set as never });
    tap.observe({ type: 'client.request', conn: 3, seq: 1, request: set as never });
    now = 2; // 2 ms
    tap.observe({ type: 'client.reply', conn: 1, seq: 2, reply: { type: 'error', message: 'MOVED 3 127.0.0.1:7001' } });
    tap.observe({ type: 'client.reply', conn: 2, seq: 1, reply: { type: 'bulk', value: null } as never });
    tap.observe({ type: 'client.reply', conn: 1, seq: 1, reply: { type: 'error', message: 'ERR write lost to a leader change' } });
    tap.observe({ type: 'client.reply', conn: 1, seq: 1, reply: { type: 'simple', value: 'OK' } }); // answered already
    tap.observe({ type: 'client.closed', conn: 3 });
    tap.observe({ type: 'client.reply', conn: 3, seq: 1, reply: { type: 'simple', value: 'OK' } }); // its connection closed first
    const samples = parseSamples(await metrics.registry.metrics());
    expect(samples.get('raftkv_client_requests_total{command="set",outcome="moved"}')).toBe(1);
    expect(samples.get('raftkv_client_requests_total{command="set",outcome="error"}')).toBe(1);
    expect(samples.get('raftkv_client_requests_total{command="set",outcome="ok"}')).toBe(0);
    expect(samples.get('raftkv_client_requests_total{command="get",outcome="ok"}')).toBe(1);
    expect(samples.get('raftkv_server_proposals_failed_total{reason="lost"}')).toBe(1);
    expect(samples.get('raftkv_client_request_duration_seconds_count{command="set"}')).toBe(2);
    expect(samples.get('raftkv_client_request_duration_seconds_sum{command="set"}')).toBeCloseTo(0.004);
    expect(samples.get('raftkv_client_request_duration_seconds_bucket{command="get",le="0.0025"}')).toBe(1);
    expect(samples.get('raftkv_client_request_duration_seconds_bucket{command="get",le="0.001"}')).toBe(0);
  });

  test('messages are counted by peer and type, sent and received', async () => {
    const metrics = createNodeMetrics('n1');
    const tap = new BusMetrics(metrics, new ElectionHistory('n1'));
    const heartbeat = (to: string) => ({ type: 'Heartbeat', from: 'n1', to, term: 2, commitIndex: 0, readRound: 1 });
    tap.observe({ type: 'net.send', messages: [heartbeat('n2'), heartbeat('n3'), heartbeat('n2')] as never });
    tap.observe({ type: 'net.recv', message: { type: 'HeartbeatResponse', from: 'n2', to: 'n1', term: 2, readRound: 1 } as never });
    const samples = parseSamples(await metrics.registry.metrics());
    expect(samples.get('raftkv_network_peer_sent_messages_total{peer="n2",type="Heartbeat"}')).toBe(2);
    expect(samples.get('raftkv_network_peer_sent_messages_total{peer="n3",type="Heartbeat"}')).toBe(1);
    expect(samples.get('raftkv_network_peer_received_messages_total{peer="n2",type="HeartbeatResponse"}')).toBe(1);
    expect(samples.get('raftkv_network_peer_round_trip_time_seconds_count{peer="n2"}')).toBe(1);
  });
});
