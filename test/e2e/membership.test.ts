/**
 * Membership changes on real processes (dissertation chapter 4, one server at
 * a time): a cluster grows from 3 to 5 voters and shrinks back to 3, its
 * leader among the removed, under a client load whose history must be
 * linearizable; and a dead node is replaced by a new one with an empty data
 * directory that catches up by snapshot. Nodes join with `join: true` and
 * only their own address in their config file: everything else they learn
 * from the cluster.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readTraceRun } from '../../src/trace/reader.js';
import { replayRun } from '../../src/trace/replay.js';
import { afterEach, describe, expect, it } from 'vitest';
import { ChaosClient, type Sightings } from '../../src/chaos/client.js';
import { HistoryRecorder } from '../../src/chaos/recorder.js';
import { Rng } from '../../src/chaos/rng.js';
import { checkHistory } from '../../src/check/linearizability.js';
import { RaftkvClient } from '../../src/client/client.js';
import { describeReply } from '../../src/client/reply.js';
import { parseMembers } from '../../src/cli/member.js';
import { ProcessCluster, type ProcessNode } from '../support/process-cluster.js';
import { waitFor } from '../support/wait.js';

/** Small snapshots, so a new member catches up by InstallSnapshot rather than from the log. */
const LIMITS = { snapshotEntries: 100, snapshotTrailingEntries: 20, snapshotChunkBytes: 2048 };
const TIMING = { electionTimeoutMinMs: 300, electionTimeoutMaxMs: 600 };
const KEYS = ['k0', 'k1', 'k2', 'k3', 'k4'];

/** Chaos clients (one request at a time, never retried) recording a history until stopped. */
function recordLoad(addresses: string[], clients: number): { recorder: HistoryRecorder; stop: () => Promise<void> } {
  const recorder = new HistoryRecorder();
  const seen: Sightings = new Map();
  const abort = new AbortController();
  const rng = new Rng(20261202);
  const runs = Array.from({ length: clients }, (_, id) =>
    new ChaosClient({ id, addresses, keys: KEYS, timeoutMs: 3_000, backoffMs: 20, intervalMs: 5 }, recorder, rng.fork(), seen).run(abort.signal),
  );
  return {
    recorder,
    stop: async () => {
      abort.abort();
      await Promise.all(runs);
    },
  };
}

async function members(client: RaftkvClient): Promise<Array<{ id: string; role: string; leader: boolean }>> {
  return parseMembers(await client.command(['CLUSTER', 'MEMBER', 'LIST'], 'read'));
}

async function change(client: RaftkvClient, ...args: string[]): Promise<string> {
  return describeReply(await client.command(['CLUSTER', 'MEMBER', ...args], 'write'));
}

/** Waits until `node` has applied everything the leader had committed when asked. */
async function caughtUp(cluster: ProcessCluster, node: ProcessNode): Promise<void> {
  const leader = await cluster.waitForLeader();
  const commit = Number((await cluster.info(leader))['commit_index']);
  await waitFor(async () => Number((await cluster.info(node.id).catch(() => ({ applied_index: '0' })))['applied_index']) >= commit, {
    timeoutMs: 30_000,
    what: `${node.id} to apply up to ${commit}`,
  });
}

/** Starts a new node in join mode, adds it as a learner, waits for it to catch up, promotes it. */
async function grow(cluster: ProcessCluster, admin: RaftkvClient): Promise<ProcessNode> {
  const node = await cluster.addNode();
  cluster.start(node.id);
  expect(await change(admin, 'ADD-LEARNER', node.id, node.peer, node.client)).toBe('OK');
  await caughtUp(cluster, node);
  // A learner only just caught up may still be refused if the leader's view lags: retry briefly.
  await waitFor(async () => (await change(admin, 'PROMOTE', node.id).catch((e: Error) => e.message)) === 'OK', { timeoutMs: 10_000, what: `${node.id} promoted` });
  return node;
}

describe('membership changes on real processes', { timeout: 180_000 }, () => {
  let cluster: ProcessCluster | undefined;
  afterEach(async () => {
    await cluster?.destroy();
    cluster = undefined;
  });

  it('grows 3 -> 5 and shrinks 5 -> 3 (removing the leader too) under load, with a linearizable history; every node trace replays identically', async () => {
    cluster = await ProcessCluster.create(3, { timing: TIMING, limits: LIMITS });
    cluster.traceAll();
    cluster.startAll();
    await cluster.waitForConvergence();
    const admin = new RaftkvClient({ nodes: cluster.addresses(), deadlineMs: 20_000 });
    const load = recordLoad(cluster.addresses(), 4);
    try {
      const n4 = await grow(cluster, admin);
      const n5 = await grow(cluster, admin);
      const five = await members(admin);
      expect(five.map((m) => [m.id, m.role])).toEqual([['n1', 'voter'], ['n2', 'voter'], ['n3', 'voter'], ['n4', 'voter'], ['n5', 'voter']]);
      // The new members learnt the whole configuration from the cluster, not from their config files.
      const fromN4 = parseMembers(await new RaftkvClient({ nodes: [n4.client] }).command(['CLUSTER', 'MEMBER', 'LIST'], 'read'));
      expect(fromN4.map((m) => m.id)).toEqual(['n1', 'n2', 'n3', 'n4', 'n5']);

      // Shrink: the leader removes itself first (it hands over), then a follower goes.
      const leaderAddress = await cluster.waitForLeader();
      const leader = cluster.node(leaderAddress);
      expect(await change(admin, 'REMOVE', leader.id)).toBe('OK');
      const next = await cluster.waitForLeader({ excluding: leaderAddress });
      expect(next).not.toBe(leaderAddress);
      await cluster.stop(leader.id);
      const follower = cluster.nodes.find((n) => n.process !== null && n.client !== next && n !== n4 && n !== n5)!;
      expect(await change(admin, 'REMOVE', follower.id)).toBe('OK');
      await cluster.stop(follower.id);
      const three = await members(admin);
      expect(three.map((m) => m.id).sort()).toEqual(cluster.nodes.filter((n) => n.process !== null).map((n) => n.id).sort());
      expect(three.every((m) => m.role === 'voter')).toBe(true);
      // A removed id is never reused.
      expect(await change(admin, 'ADD-LEARNER', leader.id, leader.peer, leader.client).catch((e: Error) => e.message)).toContain('REMOVED_MEMBER');
      expect(n5.process).not.toBeNull();
    } finally {
      await load.stop();
      await admin.close();
    }
    const history = load.recorder.history();
    const ok = history.filter((op) => op.status === 'ok');
    expect(ok.filter((op) => op.kind === 'write').length).toBeGreaterThan(50);
    const verdict = checkHistory(history, { timeoutMs: 60_000 });
    expect(verdict.ok, JSON.stringify(verdict).slice(0, 2_000)).toBe(true);

    // Replay: each node's run, across every configuration change it saw, from its recorded inputs.
    await cluster.stopAll();
    const files = readdirSync(cluster.dir).filter((f) => f.endsWith('.ndjson')).map((f) => join(cluster!.dir, f));
    expect(files).toHaveLength(5);
    for (const file of files) {
      const run = await readTraceRun(file);
      const result = replayRun(run.header, run.records);
      expect(result.ok ? 'identical' : `${file} #${result.seq}: ${result.reason}`).toBe('identical');
      expect(run.records.some((r) => r.event.type === 'raft.membership')).toBe(true);
    }
  });

  it('replaces a dead node with a new one (empty data directory) that catches up by snapshot', async () => {
    cluster = await ProcessCluster.create(3, { timing: TIMING, limits: LIMITS });
    cluster.startAll();
    await cluster.waitForConvergence();
    const admin = new RaftkvClient({ nodes: cluster.addresses(), deadlineMs: 20_000 });
    try {
      for (let i = 0; i < 400; i++) await admin.set(`before:${i}`, `v${i}`);
      const leaderAddress = await cluster.waitForLeader();
      const dead = cluster.nodes.find((n) => n.client !== leaderAddress)!;
      await cluster.kill(dead.id);
      const fresh = await grow(cluster, admin);
      const log = await readFile(fresh.logPath, 'utf8');
      expect(log, 'the new node caught up from a snapshot: the log before it was compacted').toContain('snapshot installed from the leader');
      expect(await change(admin, 'REMOVE', dead.id)).toBe('OK');
      const after = await members(admin);
      expect(after.map((m) => m.id).sort()).toEqual(cluster.nodes.filter((n) => n !== dead).map((n) => n.id).sort());
      await admin.set('after', 'replaced');
      // The same from redis-cli, on any node: the configuration in force.
      const listed = execFileSync('redis-cli', ['-p', fresh.client.split(':')[1]!, 'CLUSTER', 'MEMBER', 'LIST'], { encoding: 'utf8' });
      for (const node of cluster.nodes.filter((n) => n !== dead)) expect(listed).toContain(node.client);
      expect(listed).not.toContain(dead.client);
      // Reads served by the new node once it leads: every earlier write is there.
      expect(await change(admin, 'REMOVE', 'nobody').catch((e: Error) => e.message)).toContain('UNKNOWN_MEMBER');
      const reader = new RaftkvClient({ nodes: [fresh.client] });
      try {
        await reader.command(['CLUSTER', 'TRANSFER-LEADER', fresh.id]);
        expect(await cluster.waitForLeader()).toBe(fresh.client);
        for (const i of [0, 199, 399]) expect((await reader.get(`before:${i}`))?.toString()).toBe(`v${i}`);
        expect((await reader.get('after'))?.toString()).toBe('replaced');
      } finally {
        await reader.close();
      }
    } finally {
      await admin.close();
    }
  });
});
