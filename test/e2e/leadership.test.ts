/**
 * Leadership on real processes: a transfer on request (CLUSTER
 * TRANSFER-LEADER, dissertation 3.10), a rolling restart where each stopping
 * leader hands over, and pre-vote (dissertation 9.6) keeping a node that was
 * cut off from raising the term when it comes back.
 */
import { randomInt } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { IptablesNet, probeIptables } from '../../src/chaos/iptables.js';
import { RaftkvClient } from '../../src/client/client.js';
import { describeReply } from '../../src/client/reply.js';
import { ProcessCluster } from '../support/process-cluster.js';
import { waitFor } from '../support/wait.js';

/** Writes unique keys from `clients` loops until stopped; what was acknowledged, and what failed. */
function writeUntilStopped(addresses: string[], clients: number): { stop: () => Promise<{ acknowledged: Map<string, string>; failures: string[] }> } {
  const acknowledged = new Map<string, string>();
  const failures: string[] = [];
  let stopped = false;
  let next = 0;
  const loops = Array.from({ length: clients }, async () => {
    const client = new RaftkvClient({ nodes: addresses, deadlineMs: 20_000 });
    try {
      while (!stopped) {
        const key = `roll:${next++}`;
        try {
          await client.set(key, `v-${key}`);
          acknowledged.set(key, `v-${key}`);
        } catch (error) {
          failures.push(error instanceof Error ? error.message : String(error));
        }
      }
    } finally {
      await client.close();
    }
  });
  return {
    stop: async () => {
      stopped = true;
      await Promise.all(loops);
      return { acknowledged, failures };
    },
  };
}

/**
 * Election timeouts of 300-600 ms (heartbeats every 50 ms): long enough that a
 * loaded machine does not delay heartbeats past them, which would start
 * elections these tests do not mean to test, or cut a transfer short.
 */
const LENIENT_TIMING = { electionTimeoutMinMs: 300, electionTimeoutMaxMs: 600 };

async function leaderTerm(cluster: ProcessCluster, leader: string): Promise<number> {
  return Number((await cluster.info(leader))['term']);
}

describe('leadership on real processes', { timeout: 120_000 }, () => {
  let cluster: ProcessCluster | undefined;
  let net: IptablesNet | undefined;
  afterEach(async () => {
    await net?.close();
    net = undefined;
    await cluster?.destroy();
    cluster = undefined;
  });

  it('CLUSTER TRANSFER-LEADER hands leadership to the named node one term later; an unknown node is refused by name', async () => {
    cluster = await ProcessCluster.create(3, { timing: LENIENT_TIMING });
    cluster.startAll();
    // The target must be up and caught up: a transfer waits at most an election timeout for it.
    await cluster.waitForConvergence();
    const leader = await cluster.waitForLeader();
    const term = await leaderTerm(cluster, leader);
    const target = cluster.nodes.find((n) => n.client !== leader)!;
    const client = new RaftkvClient({ nodes: [leader] });
    try {
      await client.set('before', '1');
      const reply = await client.command(['CLUSTER', 'TRANSFER-LEADER', target.id]);
      expect(describeReply(reply)).toBe('OK');
      expect(await cluster.waitForLeader({ excluding: leader })).toBe(target.client);
      expect(await leaderTerm(cluster, target.client)).toBe(term + 1);
      await client.set('after', '2');
      expect((await client.get('before'))?.toString()).toBe('1');
      const unknown = await client.command(['CLUSTER', 'TRANSFER-LEADER', 'nobody']).catch((e: Error) => e.message);
      expect(unknown).toContain('UNKNOWN_MEMBER nobody is not a voting member');
      const again = await client.command(['CLUSTER', 'TRANSFER-LEADER'], 'read').then(describeReply, (e: Error) => e.message);
      expect(again, 'a second transfer, to whichever node is most up to date').toBe('OK');
    } finally {
      await client.close();
    }
  });

  it('a rolling restart (SIGTERM, restart, catch up, next) hands leadership over and loses no acknowledged write', async () => {
    cluster = await ProcessCluster.create(3);
    cluster.startAll();
    await cluster.waitForLeader();
    const load = writeUntilStopped(cluster.addresses(), 8);
    for (const node of cluster.nodes) {
      await waitFor(async () => (await cluster!.info(node.id).catch(() => null)) !== null, { what: `${node.id} up before its restart` });
      expect(await cluster.stop(node.id)).toBe(0);
      cluster.start(node.id);
      await cluster.waitForConvergence();
    }
    const { acknowledged, failures } = await load.stop();
    expect(acknowledged.size).toBeGreaterThan(100);
    expect(failures).toEqual([]);
    const logs = await Promise.all(cluster.nodes.map((n) => import('node:fs/promises').then((fs) => fs.readFile(n.logPath, 'utf8'))));
    expect(logs.join('\n')).toContain('handed leadership over before stopping');
    await cluster.waitForConvergence();
    await cluster.stopAll();
    for (const node of cluster.nodes) {
      const stored = await cluster.dump(node.id);
      const missing = [...acknowledged].filter(([k, v]) => stored.get(k) !== v);
      expect(missing, `${node.id} misses acknowledged writes`).toEqual([]);
    }
  });

  it('kill -9 of the leader: its followers see its connections close and elect a new leader without waiting out the election timeout', async () => {
    // Election timeouts of 10-11 s: the first election takes that long (a split vote there
    // costs one more timeout); after it, only the closed connections of the killed leader
    // can start an election within the 5 s wait below.
    cluster = await ProcessCluster.create(3, { timing: { electionTimeoutMinMs: 10_000, electionTimeoutMaxMs: 11_000, requestTimeoutMs: 5_000 } });
    cluster.startAll();
    const leader = await cluster.waitForLeader({ timeoutMs: 60_000 });
    await cluster.waitForConvergence();
    const term = await leaderTerm(cluster, leader);
    const client = new RaftkvClient({ nodes: cluster.addresses() });
    try {
      await client.set('before', '1');
      await cluster.kill(cluster.nodes.find((n) => n.client === leader)!.id);
      const next = await cluster.waitForLeader({ excluding: leader, timeoutMs: 5_000 });
      expect(await leaderTerm(cluster, next)).toBe(term + 1);
      await client.set('after', '2');
      expect((await client.get('before'))?.toString()).toBe('1');
    } finally {
      await client.close();
    }
  });

  it('pre-vote: a follower cut off for 10 election timeouts rejoins without raising the term or changing the leader', async () => {
    const probe = probeIptables();
    expect(probe, 'this test cuts links with iptables: run it as root with iptables installed').toEqual({ ok: true });
    const [a, b] = [randomInt(1, 250), randomInt(1, 250)];
    const hosts = [11, 12, 13].map((z) => `127.${a}.${b}.${z}`);
    cluster = await ProcessCluster.create(3, { timing: LENIENT_TIMING }, { hosts });
    cluster.startAll();
    await cluster.waitForConvergence();
    const leader = await cluster.waitForLeader();
    const term = await leaderTerm(cluster, leader);
    const cut = cluster.nodes.find((n) => n.client !== leader)!;
    net = IptablesNet.create(new Map(cluster.nodes.map((n, i) => [n.id, hosts[i]!])));
    const others = cluster.nodes.filter((n) => n !== cut).map((n) => n.id);
    await net.apply(others.flatMap((other) => [{ from: cut.id, to: other }, { from: other, to: cut.id }]));
    const client = new RaftkvClient({ nodes: [leader] });
    try {
      // The partition lasts 10 election timeouts at the longest (600 ms); writes go on meanwhile.
      const partitionEnds = Date.now() + 10 * 600;
      for (let i = 0; Date.now() < partitionEnds; i++) await client.set(`during:${i}`, 'x');
      expect((await cluster.info(cut.id))['term']).toBe(String(term));
      await net.apply([]);
      const commit = Number((await cluster.info(leader))['commit_index']);
      await waitFor(async () => Number((await cluster!.info(cut.id))['applied_index']) >= commit, { what: `${cut.id} to catch up` });
      for (const node of cluster.nodes) expect((await cluster.info(node.id))['term']).toBe(String(term));
      expect(await cluster.waitForLeader()).toBe(leader);
    } finally {
      await client.close();
    }
  });
});
