/**
 * The attacks of issue 10 on the peer port of a real 3-process cluster, sent
 * in plaintext mode by someone who knows the cluster id and the member ids:
 * each frame is refused (or answered as Raft answers a stale or foreign
 * message), every node stays up, and the cluster's data is unchanged. Frames
 * from ids that are not members pass the edge (a member added by a
 * configuration entry a node has not seen yet must be heard; removed ids are
 * refused: test/transport) and trip nothing.
 */
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RaftkvClient } from '../../src/client/client.js';
import type { Entry, Message } from '../../src/raft/types.js';
import { ENTRY_COMMAND } from '../../src/raft/types.js';
import { encodeCommand } from '../../src/kv/codec.js';
import { hostileBody } from '../support/hostile-messages.js';
import { sendFrames } from '../support/peer-attacker.js';
import { ProcessCluster, type ProcessNode } from '../support/process-cluster.js';
import { waitFor } from '../support/wait.js';

describe('hostile peer frames on a 3-process cluster', { timeout: 120_000 }, () => {
  let cluster: ProcessCluster;
  let client: RaftkvClient;
  const written = new Map<string, string>();

  beforeAll(async () => {
    cluster = await ProcessCluster.create(3);
    cluster.startAll();
    await cluster.waitForLeader();
    client = new RaftkvClient({ nodes: cluster.addresses(), deadlineMs: 20_000 });
    for (let i = 0; i < 20; i++) {
      await client.set(`k${i}`, `v${i}`);
      written.set(`k${i}`, `v${i}`);
    }
    await cluster.waitForConvergence();
  });
  afterAll(async () => {
    await client?.close();
    await cluster?.destroy();
  });

  async function roles(): Promise<{ leader: ProcessNode; follower: ProcessNode; other: ProcessNode; term: number }> {
    const leaderAddress = await cluster.waitForLeader();
    const leader = cluster.node(leaderAddress);
    const [follower, other] = cluster.nodes.filter((n) => n !== leader) as [ProcessNode, ProcessNode];
    const term = Number((await cluster.info(leader.id))['term']);
    return { leader, follower, other, term };
  }

  async function expectAllAliveAndDataUnchanged(): Promise<void> {
    for (const node of cluster.nodes) expect(node.process, `${node.id} is running`).not.toBeNull();
    await cluster.waitForLeader();
    for (const [key, value] of written) expect((await client.get(key))?.toString()).toBe(value);
    expect((await client.keys('*')).map(String).sort()).toEqual([...written.keys()].sort());
    await client.set('after-attack', 'ok');
    written.set('after-attack', 'ok');
  }

  function logOf(node: ProcessNode): string {
    return readFileSync(node.logPath, 'utf8');
  }

  it('a heartbeat claiming leadership in the leader\'s own term is refused; the leader keeps leading', async () => {
    const { leader, follower, term } = await roles();
    const heartbeat: Message = { type: 'Heartbeat', from: follower.id, to: leader.id, term, commit: 0, readRound: 0 };
    await sendFrames({ peer: leader.peer, clusterId: cluster.clusterId }, [heartbeat]);
    await waitFor(() => logOf(leader).includes('second leader'), { what: 'the refusal in the leader\'s log' });
    expect(leader.process).not.toBeNull();
    await expectAllAliveAndDataUnchanged();
  });

  it('an AppendEntries whose entry indexes skip is refused at the edge; the follower stays up', async () => {
    const { leader, follower, term } = await roles();
    const last = Number((await cluster.info(follower.id))['last_log_index']);
    const entry = (index: number): Entry => ({ index, term, type: ENTRY_COMMAND, data: encodeCommand({ op: 'set', key: Buffer.from('evil'), value: Buffer.from('x') }) });
    const append: Message = {
      type: 'AppendEntries', from: leader.id, to: follower.id, term,
      prevLogIndex: last, prevLogTerm: term, entries: [entry(last + 1), entry(last + 3)], leaderCommit: 0,
    };
    const { closedByNode } = await sendFrames({ peer: follower.peer, clusterId: cluster.clusterId }, [append]);
    expect(closedByNode).toBe(true);
    await waitFor(() => logOf(follower).includes('not contiguous'), { what: 'the refusal in the follower\'s log' });
    await expectAllAliveAndDataUnchanged();
  });

  it('a term of 2^53-1 is refused and never persisted; the node restarts from its own hard state', async () => {
    const { leader, follower } = await roles();
    const huge = Number.MAX_SAFE_INTEGER;
    const vote: Message = { type: 'RequestVote', from: leader.id, to: follower.id, term: huge, lastLogIndex: 1e9, lastLogTerm: huge, leaderTransfer: false };
    const heartbeat: Message = { type: 'Heartbeat', from: leader.id, to: follower.id, term: huge, commit: 0, readRound: 0 };
    await sendFrames({ peer: follower.peer, clusterId: cluster.clusterId }, [vote]);
    await sendFrames({ peer: follower.peer, clusterId: cluster.clusterId }, [heartbeat]);
    await waitFor(() => logOf(follower).includes('term above'), { what: 'the refusal in the follower\'s log' });
    expect(Number((await cluster.info(follower.id))['term'])).toBeLessThan(1e6);
    // A node's SIGTERM shutdown waits for its client connections (client-server.ts), so close ours first.
    await client.close();
    await cluster.stop(follower.id);
    cluster.start(follower.id);
    client = new RaftkvClient({ nodes: cluster.addresses(), deadlineMs: 20_000 });
    await waitFor(async () => (await cluster.info(follower.id).catch(() => null))?.['leader'] || null, { what: `${follower.id} to rejoin` });
    expect(Number((await cluster.info(follower.id))['term'])).toBeLessThan(1e6);
    await expectAllAliveAndDataUnchanged();
  });

  it('replies that name log positions the leader never sent are refused, not trusted', async () => {
    const { leader, follower, term } = await roles();
    const ack: Message = {
      type: 'AppendEntriesResponse', from: follower.id, to: leader.id, term,
      success: true, matchIndex: 1e12, conflictIndex: 0, conflictTerm: 0, rejectedIndex: 0,
    };
    const reject: Message = { ...ack, success: false, matchIndex: 0, conflictIndex: 1e12, rejectedIndex: 1e12 };
    const readAck: Message = { type: 'HeartbeatResponse', from: follower.id, to: leader.id, term, readRound: 1e12 };
    await sendFrames({ peer: leader.peer, clusterId: cluster.clusterId }, [ack, reject, readAck]);
    await waitFor(() => logOf(leader).includes('beyond the leader'), { what: 'the refusal in the leader\'s log' });
    await expectAllAliveAndDataUnchanged();
  });

  it('frames from ids that are not members are accepted at the edge but trip nothing; at most 16 such senders are answered', async () => {
    const { leader, term } = await roles();
    for (let i = 0; i < 20; i++) {
      const stranger = `stranger${i}`;
      const reply: Message = { type: 'HeartbeatResponse', from: stranger, to: leader.id, term, readRound: 0 };
      // One connection each: a connection carries one sender.
      const { closedByNode } = await sendFrames({ peer: leader.peer, clusterId: cluster.clusterId }, [reply], { lingerMs: 20 });
      expect(closedByNode, `the edge accepts ${stranger}'s frame`).toBe(false);
    }
    await waitFor(() => logOf(leader).includes('learned links are full'), { what: 'the bound on learned links in the log' });
    await expectAllAliveAndDataUnchanged();
  });

  it('survives 600 generated hostile frames on its peer ports (fast-check): every node up, the cluster serving', async () => {
    const { term } = await roles();
    const lastIndex = Number((await cluster.info((await roles()).leader.id))['last_log_index']);
    const frames = fc.sample(
      fc.record({ to: fc.constantFrom(...cluster.nodes), from: fc.constantFrom(...cluster.nodes), body: hostileBody(Math.max(term, lastIndex) + 3) }),
      { numRuns: 600, seed: 10 },
    );
    for (let i = 0; i < frames.length; i += 20) {
      const batch = frames.slice(i, i + 20).filter((f) => f.from !== f.to);
      for (const node of cluster.nodes) {
        const mine = batch.filter((f) => f.to === node).map((f) => ({ ...f.body, from: f.from.id, to: node.id }) as Message);
        if (mine.length > 0) await sendFrames({ peer: node.peer, clusterId: cluster.clusterId }, mine, { lingerMs: 20 });
      }
    }
    for (const node of cluster.nodes) expect(node.process, `${node.id} is running`).not.toBeNull();
    await cluster.waitForLeader();
    await client.set('after-fuzz', 'ok');
    expect((await client.get('after-fuzz'))?.toString()).toBe('ok');
    for (const [key, value] of written) expect((await client.get(key))?.toString()).toBe(value);
  });
});
