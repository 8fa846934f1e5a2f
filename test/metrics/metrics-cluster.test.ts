/**
 * /metrics and /health of a real 3-process cluster under load: the values
 * move as they must when writes commit, when the leader is killed with -9,
 * and when a node is cut off from the other two (they are paused with
 * SIGSTOP, which to the remaining node is a partition).
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enableHttp, getJson, scrape, sample } from '../support/http-cluster.js';
import { startLoad } from '../support/load.js';
import { ProcessCluster } from '../support/process-cluster.js';
import { waitFor } from '../support/wait.js';
import type { NodeStatusJson } from '../../src/metrics/status.js';

const BIN = fileURLToPath(new URL('../../bin/raftkv.js', import.meta.url));

/** Runs the built `raftkv` command; resolves with its exit code and output. */
function runCli(args: string[]): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 20_000 }, (error, stdout) => {
      if (error && typeof error.code !== 'number') reject(error);
      else resolve({ code: error ? (error.code as number) : 0, stdout });
    });
  });
}

describe('metrics of a 3-process cluster', { timeout: 120_000 }, () => {
  let cluster: ProcessCluster;
  let http: Map<string, string>;
  const url = (id: string): string => http.get(id)!;

  /**
   * Scrapes of every running node taken while they agree: one says it leads,
   * the others know it, all in one term. On a busy machine leadership can move
   * at any moment, so a test reads the cluster only at such a moment.
   */
  async function settledScrapes(): Promise<{ leader: string; scrapes: Map<string, Map<string, number>> }> {
    return waitFor(
      async () => {
        const running = cluster.nodes.filter((n) => n.process).map((n) => n.id);
        const scrapes = new Map(await Promise.all(running.map(async (id) => [id, await scrape(url(id))] as const)));
        const leaders = running.filter((id) => scrapes.get(id)!.get('raftkv_server_is_leader') === 1);
        const terms = new Set(running.map((id) => scrapes.get(id)!.get('raftkv_server_current_term')));
        const allKnow = running.every((id) => scrapes.get(id)!.get('raftkv_server_has_leader') === 1);
        return leaders.length === 1 && terms.size === 1 && allKnow ? { leader: leaders[0]!, scrapes } : null;
      },
      { timeoutMs: 20_000, what: 'scrapes that agree on one leader' },
    );
  }

  /** Every running node's /status, taken while they agree on the leader and the term. */
  async function settledStatuses(): Promise<Map<string, NodeStatusJson>> {
    return waitFor(
      async () => {
        const running = cluster.nodes.filter((n) => n.process).map((n) => n.id);
        const bodies = new Map(await Promise.all(running.map(async (id) => [id, (await getJson<NodeStatusJson>(`${url(id)}/status`)).body] as const)));
        const views = new Set([...bodies.values()].map((b) => `${b.term}/${b.leader}`));
        const leaders = [...bodies.values()].filter((b) => b.role === 'leader');
        return views.size === 1 && leaders.length === 1 ? bodies : null;
      },
      { timeoutMs: 20_000, what: '/status answers that agree on one leader' },
    );
  }

  beforeAll(async () => {
    cluster = await ProcessCluster.create(3);
    http = await enableHttp(cluster);
    cluster.startAll();
    await cluster.waitForLeader();
  });
  afterAll(async () => {
    for (const node of cluster?.nodes ?? []) if (node.process) node.process.kill('SIGCONT');
    await cluster?.destroy();
  });

  it('exports the server, disk, network, client and process families', async () => {
    const { leader, scrapes } = await settledScrapes();
    const samples = scrapes.get(leader)!;
    for (const key of [
      'raftkv_server_has_leader',
      'raftkv_server_is_leader',
      'raftkv_server_leader_changes_seen_total',
      'raftkv_server_current_term',
      'raftkv_server_commit_index',
      'raftkv_server_applied_index',
      'raftkv_server_log_first_index',
      'raftkv_server_log_last_index',
      'raftkv_server_snapshot_index',
      'raftkv_server_proposals_pending',
      'raftkv_server_proposals_failed_total{reason="not_leader"}',
      'raftkv_disk_log_sync_duration_seconds_count',
      'raftkv_client_connections',
      'raftkv_sessions',
      'process_cpu_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_eventloop_lag_seconds',
    ]) {
      expect(samples.has(key), key).toBe(true);
    }
    expect(sample(samples, 'raftkv_server_is_leader')).toBe(1);
    const followers = cluster.nodes.map((n) => n.id).filter((id) => id !== leader);
    for (const follower of followers) expect(samples.has(`raftkv_network_follower_lag_entries{follower="${follower}"}`)).toBe(true);
    const followerSamples = scrapes.get(followers[0]!)!;
    expect(sample(followerSamples, 'raftkv_server_is_leader')).toBe(0);
    expect(sample(followerSamples, 'raftkv_server_has_leader')).toBe(1);
    expect([...followerSamples.keys()].some((k) => k.startsWith('raftkv_network_follower_lag_entries'))).toBe(false);
  });

  it('/status is typed JSON, with every follower\'s progress on the leader; /health and /ready answer 200', async () => {
    await cluster.waitForConvergence();
    // A leader that has heard from both followers since it took office.
    const statuses = await waitFor(async () => {
      const bodies = await settledStatuses();
      const leader = [...bodies.values()].find((b) => b.role === 'leader')!;
      return leader.peers.length === 2 && leader.peers.every((p) => p.matchIndex > 0) ? bodies : null;
    }, { what: 'a leader with progress from both followers' });
    const body = [...statuses.values()].find((b) => b.role === 'leader')!;
    const leader = body.node;
    expect(body).toMatchObject({ role: 'leader', leader, leaderAddress: cluster.node(leader).client, snapshotIndex: 0 });
    for (const field of ['term', 'commitIndex', 'appliedIndex', 'firstLogIndex', 'lastLogIndex', 'pendingRequests', 'clientConnections', 'uptimeSeconds'] as const) {
      expect(typeof body[field], field).toBe('number');
    }
    expect(body.peers.map((p) => p.id)).toEqual(cluster.nodes.map((n) => n.id).filter((id) => id !== leader));
    for (const peer of body.peers) expect(peer.lagEntries).toBe(body.lastLogIndex - peer.matchIndex);
    expect(body.elections.at(-1)).toMatchObject({ term: body.term, leader });
    const follower = cluster.nodes.find((n) => n.id !== leader)!.id;
    expect(statuses.get(follower)).toMatchObject({ node: follower, role: 'follower', leader, peers: [] });
    for (const id of [leader, follower]) {
      await waitFor(async () => (await getJson(`${url(id)}/health`)).status === 200, { what: `/health 200 on ${id}` });
      const health = await getJson<{ ok: boolean; reason: string }>(`${url(id)}/health`);
      expect(health.body.ok).toBe(true);
      expect(health.body.reason).toMatch(/^leader n\d in term \d+/);
      expect((await getJson(`${url(id)}/ready`)).status).toBe(200);
    }
  });

  it('answers unknown routes with 404 and anything but GET with 405, as JSON', async () => {
    const base = url('n1');
    const missing = await getJson<{ error: string }>(`${base}/nope`);
    expect(missing).toMatchObject({ status: 404, body: { error: 'NOT_FOUND' } });
    const post = await fetch(`${base}/metrics`, { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
    expect(((await post.json()) as { error: string }).error).toBe('METHOD_NOT_ALLOWED');
  });

  it('under load: commit index, committed proposals, requests and sync timings rise on the leader', async () => {
    const { leader, scrapes } = await settledScrapes();
    const before = scrapes.get(leader)!;
    const load = startLoad(cluster.addresses(), 8);
    try {
      await waitFor(() => load.acknowledged() >= 500, { timeoutMs: 30_000, what: '500 acknowledged writes' });
      const during = await scrape(url(leader));
      const rose = (key: string): number => sample(during, key) - sample(before, key);
      expect(rose('raftkv_server_commit_index')).toBeGreaterThanOrEqual(500);
      expect(rose('raftkv_server_proposals_committed_total')).toBeGreaterThanOrEqual(500);
      expect(rose('raftkv_disk_log_sync_duration_seconds_count')).toBeGreaterThan(0);
      expect(rose('raftkv_disk_apply_batch_entries_sum')).toBeGreaterThanOrEqual(500);
      // Writes are answered by whichever node leads; summed over the nodes, every acknowledged write is counted.
      const all = await Promise.all(cluster.nodes.map((n) => scrape(url(n.id))));
      const total = (key: string): number => all.reduce((sum, samples) => sum + (samples.get(key) ?? 0), 0);
      expect(total('raftkv_client_requests_total{command="set",outcome="ok"}')).toBeGreaterThanOrEqual(500);
      expect(total('raftkv_client_request_duration_seconds_count{command="set"}')).toBeGreaterThanOrEqual(500);
      const follower = cluster.nodes.find((n) => n.id !== leader)!.id;
      expect(sample(during, `raftkv_network_peer_sent_messages_total{peer="${follower}",type="AppendEntries"}`)).toBeGreaterThan(0);
      expect(sample(during, `raftkv_network_peer_sent_entry_payload_bytes_total{peer="${follower}"}`)).toBeGreaterThan(0);
      expect(sample(during, `raftkv_network_peer_round_trip_time_seconds_count{peer="${follower}"}`)).toBeGreaterThan(0);
      // A follower applies what the leader commits.
      const committed = sample(during, 'raftkv_server_commit_index');
      await waitFor(async () => sample(await scrape(url(follower)), 'raftkv_server_applied_index') >= committed, { what: `${follower} to apply up to ${committed}` });
    } finally {
      await load.stop();
    }
  });

  it('under load: the leader and each follower count the frames and bytes on the wire between them, both ways, and no peer receives more than was sent to it', async () => {
    const ids = cluster.nodes.map((n) => n.id);
    const { scrapes: before } = await settledScrapes();
    const load = startLoad(cluster.addresses(), 8);
    try {
      await waitFor(() => load.acknowledged() >= 300, { timeoutMs: 30_000, what: '300 acknowledged writes' });
    } finally {
      await load.stop();
    }
    // Raft traffic runs between the leader and each follower (followers talk to each other only in elections).
    const { leader, scrapes: after } = await settledScrapes();
    const rose = (id: string, key: string): number => sample(after.get(id)!, key) - sample(before.get(id)!, key);
    for (const follower of ids.filter((id) => id !== leader)) {
      for (const [id, peer] of [[leader, follower], [follower, leader]] as const) {
        for (const kind of ['sent_bytes', 'received_bytes', 'sent_frames', 'received_frames']) {
          expect(rose(id, `raftkv_network_peer_${kind}_total{peer="${peer}"}`), `${id}'s ${kind} with ${peer}`).toBeGreaterThan(0);
        }
        const samples = after.get(id)!;
        const frames = sample(samples, `raftkv_network_peer_sent_frames_total{peer="${peer}"}`);
        // Each frame is a 4-byte length prefix and a non-empty envelope.
        expect(sample(samples, `raftkv_network_peer_sent_bytes_total{peer="${peer}"}`)).toBeGreaterThan(4 * frames);
        // A frame carries one message the bus handed over; a dropped message never becomes one.
        let handedOver = 0;
        for (const [key, value] of samples) if (key.startsWith(`raftkv_network_peer_sent_messages_total{peer="${peer}",`)) handedOver += value;
        expect(handedOver, `${id}'s messages to ${peer}`).toBeGreaterThanOrEqual(frames);
      }
      // The wire carries more than the entries' payload: the leader's bytes to a follower rose past the payload it replicated.
      expect(rose(leader, `raftkv_network_peer_sent_bytes_total{peer="${follower}"}`)).toBeGreaterThan(rose(leader, `raftkv_network_peer_sent_entry_payload_bytes_total{peer="${follower}"}`));
    }
    // Every receiver read before its sender: what a peer accepted was written first (no process has restarted yet).
    const receivers = new Map(await Promise.all(ids.map(async (id) => [id, await scrape(url(id))] as const)));
    const senders = new Map(await Promise.all(ids.map(async (id) => [id, await scrape(url(id))] as const)));
    for (const from of ids) {
      for (const to of ids.filter((other) => other !== from)) {
        const sent = sample(senders.get(from)!, `raftkv_network_peer_sent_bytes_total{peer="${to}"}`);
        const received = sample(receivers.get(to)!, `raftkv_network_peer_received_bytes_total{peer="${from}"}`);
        expect(received, `bytes ${from} -> ${to}`).toBeLessThanOrEqual(sent);
      }
    }
  });

  it('counts a leader change on the survivors after kill -9 of the leader', async () => {
    // The counters and the leader from one agreeing moment; if leadership moves before the kill, the survivors count that change too.
    const { leader: oldLeader, scrapes } = await settledScrapes();
    const survivors = cluster.nodes.map((n) => n.id).filter((id) => id !== oldLeader);
    const before = survivors.map((id) => sample(scrapes.get(id)!, 'raftkv_server_leader_changes_seen_total'));
    await cluster.kill(oldLeader);
    const { leader: newLeader, scrapes: after } = await settledScrapes();
    expect(survivors).toContain(newLeader);
    for (const [i, id] of survivors.entries()) {
      expect(sample(after.get(id)!, 'raftkv_server_leader_changes_seen_total')).toBeGreaterThan(before[i]!);
    }
    expect(sample(after.get(newLeader)!, 'raftkv_server_elections_started_total')).toBeGreaterThanOrEqual(1);
    cluster.start(oldLeader);
    await cluster.waitForConvergence();
  });

  it('a node cut off from the other two: has_leader drops to 0 and /health turns 503, then recovers', async () => {
    await cluster.waitForLeader();
    for (const node of cluster.nodes) if (!node.process) cluster.start(node.id); // whatever an earlier test left stopped
    const [isolated, ...others] = cluster.nodes.map((n) => n.id);
    await waitFor(async () => (await getJson(`${url(isolated!)}/health`)).status === 200, { what: `/health 200 on ${isolated}` });
    for (const id of others) cluster.send(id, 'SIGSTOP');
    try {
      await waitFor(async () => sample(await scrape(url(isolated!)), 'raftkv_server_has_leader') === 0, { timeoutMs: 10_000, what: 'has_leader 0 on the isolated node' });
      const health = await getJson<{ ok: boolean; reason: string }>(`${url(isolated!)}/health`);
      expect(health.status).toBe(503);
      expect(health.body.ok).toBe(false);
      expect(health.body.reason).toMatch(/no leader known/);
      expect((await getJson(`${url(isolated!)}/ready`)).status).toBe(503);
      const cli = await runCli(['status', '--cluster', cluster.addresses().join(','), '--json']);
      expect(cli.code).toBe(1);
      expect(JSON.parse(cli.stdout)).toMatchObject({ ok: false, leader: null });
    } finally {
      for (const id of others) cluster.send(id, 'SIGCONT');
    }
    await waitFor(async () => (await getJson(`${url(isolated!)}/health`)).status === 200, { timeoutMs: 15_000, what: '/health 200 again' });
    expect(sample(await scrape(url(isolated!)), 'raftkv_server_has_leader')).toBe(1);
  });
});
