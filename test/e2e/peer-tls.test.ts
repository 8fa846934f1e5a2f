/**
 * Peer mutual TLS on a real 3-process cluster, with certificates made by
 * `raftkv certs`: the cluster works; a plaintext peer, a peer with another
 * CA's certificate, a node's own certificate presented back to it, and a
 * certificate (a member's, or a CA-signed one for a node that is not a member
 * yet) whose frames claim another member (the injected write attack) are all
 * refused while the cluster keeps serving, unchanged. A certificate for a
 * node that is not a member is accepted: it may be a member this node does
 * not know of yet (docs/security.md).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RaftkvClient } from '../../src/client/client.js';
import { encodeCommand } from '../../src/kv/codec.js';
import { ENTRY_COMMAND, type Message } from '../../src/raft/types.js';
import { sendFrames } from '../support/peer-attacker.js';
import { ProcessCluster, type ProcessNode } from '../support/process-cluster.js';
import { waitFor } from '../support/wait.js';

const BIN = resolve(import.meta.dirname, '../../bin/raftkv.js');

function certs(out: string, members: string): void {
  const result = spawnSync(process.execPath, [BIN, 'certs', '--out', out, '--members', members], { encoding: 'utf8' });
  expect(result.status, result.stderr).toBe(0);
}

describe('peer mutual TLS on a 3-process cluster', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'raftkv-tls-'));
  const good = join(dir, 'cluster-ca');
  const evil = join(dir, 'other-ca');
  let cluster: ProcessCluster;
  let client: RaftkvClient;
  const tlsOf = (out: string, id: string) => ({
    ca: readFileSync(join(out, 'ca.crt')),
    cert: readFileSync(join(out, `${id}.crt`)),
    key: readFileSync(join(out, `${id}.key`)),
    rejectUnauthorized: false,
  });

  beforeAll(async () => {
    certs(good, 'n1,n2,n3,n4');
    certs(evil, 'n1');
    cluster = await ProcessCluster.create(3, {}, { perNode: (id) => ({
      peerTls: { caFile: join(good, 'ca.crt'), certFile: join(good, `${id}.crt`), keyFile: join(good, `${id}.key`) },
    }) });
    cluster.startAll();
    await cluster.waitForLeader();
    client = new RaftkvClient({ nodes: cluster.addresses(), deadlineMs: 20_000 });
    await client.set('before', 'v');
  });
  afterAll(async () => {
    await client?.close();
    await cluster?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  const logOf = (node: ProcessNode) => readFileSync(node.logPath, 'utf8');

  async function leaderAndFollower(): Promise<{ leader: ProcessNode; follower: ProcessNode; term: number }> {
    const leader = cluster.node(await cluster.waitForLeader());
    const follower = cluster.nodes.find((n) => n !== leader)!;
    return { leader, follower, term: Number((await cluster.info(leader.id))['term']) };
  }

  async function expectServingUnchanged(): Promise<void> {
    for (const node of cluster.nodes) expect(node.process, `${node.id} is running`).not.toBeNull();
    expect((await client.keys('*')).map(String).sort()).toEqual(['before']);
    expect((await client.get('before'))?.toString()).toBe('v');
  }

  it('elects a leader and replicates over TLS', async () => {
    await cluster.waitForConvergence();
    for (const node of cluster.nodes) expect(logOf(node)).not.toContain('peers in plaintext');
    await expectServingUnchanged();
  });

  it('refuses a plaintext peer before reading a frame', async () => {
    const { leader, follower, term } = await leaderAndFollower();
    const heartbeat: Message = { type: 'Heartbeat', from: follower.id, to: leader.id, term: term + 1, commit: 0, readRound: 0 };
    const { closedByNode } = await sendFrames({ peer: leader.peer, clusterId: cluster.clusterId }, [heartbeat]);
    expect(closedByNode).toBe(true);
    await waitFor(() => logOf(leader).includes('refused unauthenticated peer connection'), { what: 'the refusal in the log' });
    expect(Number((await cluster.info(leader.id))['term'])).toBe(term);
    await expectServingUnchanged();
  });

  it("refuses a certificate from another CA, even one naming a member", async () => {
    const { leader, follower, term } = await leaderAndFollower();
    const heartbeat: Message = { type: 'Heartbeat', from: 'n1', to: follower.id, term: term + 1, commit: 0, readRound: 0 };
    const target = follower.id === 'n1' ? leader : follower;
    // TLS 1.3: the client's side of the handshake completes before the node checks its certificate and hangs up.
    const outcome = await sendFrames({ peer: target.peer, clusterId: cluster.clusterId }, [{ ...heartbeat, to: target.id }], { tls: tlsOf(evil, 'n1') }).catch(() => ({ closedByNode: true }));
    expect(outcome.closedByNode).toBe(true);
    await waitFor(() => logOf(target).includes('refused unauthenticated peer connection'), { what: 'the refusal in the log' });
    await expectServingUnchanged();
  });

  it("refuses a node's own certificate presented back to it", async () => {
    const { leader, follower, term } = await leaderAndFollower();
    const heartbeat: Message = { type: 'Heartbeat', from: follower.id, to: leader.id, term: term + 1, commit: 0, readRound: 0 };
    const { closedByNode } = await sendFrames({ peer: leader.peer, clusterId: cluster.clusterId }, [heartbeat], { tls: tlsOf(good, leader.id) });
    expect(closedByNode).toBe(true);
    await waitFor(() => logOf(leader).includes('its certificate names this node'), { what: 'the refusal in the log' });
    expect(Number((await cluster.info(leader.id))['term'])).toBe(term);
    await expectServingUnchanged();
  });

  it('a CA-signed certificate for a node that is not a member speaks only as that node', async () => {
    const { leader, follower, term } = await leaderAndFollower();
    const heartbeat: Message = { type: 'Heartbeat', from: follower.id, to: leader.id, term: term + 1, commit: 0, readRound: 0 };
    const { closedByNode } = await sendFrames({ peer: leader.peer, clusterId: cluster.clusterId }, [heartbeat], { tls: tlsOf(good, 'n4') });
    expect(closedByNode).toBe(true);
    await waitFor(() => logOf(leader).split('\n').some((line) => line.includes('sender differs from the member its certificate names') && line.includes('"certificate":"n4"')), { what: 'the refusal in the log' });
    expect(Number((await cluster.info(leader.id))['term'])).toBe(term);
    await expectServingUnchanged();
  });

  it("refuses a member's frames that claim to come from another member (injected writes)", async () => {
    const { leader, follower, term } = await leaderAndFollower();
    const impostor = cluster.nodes.find((n) => n !== leader && n !== follower)!;
    const last = Number((await cluster.info(follower.id))['last_log_index']);
    const data = encodeCommand({ op: 'set', key: Buffer.from('injected'), value: Buffer.from('evil') });
    const append: Message = {
      type: 'AppendEntries', from: leader.id, to: follower.id, term: term + 1,
      prevLogIndex: last, prevLogTerm: term, entries: [{ index: last + 1, term: term + 1, type: ENTRY_COMMAND, data }], leaderCommit: last + 1,
    };
    const { closedByNode } = await sendFrames({ peer: follower.peer, clusterId: cluster.clusterId }, [append], { tls: tlsOf(good, impostor.id) });
    expect(closedByNode).toBe(true);
    await waitFor(() => logOf(follower).includes('sender differs from the member its certificate names'), { what: 'the refusal in the log' });
    expect(await client.get('injected')).toBeNull();
    await expectServingUnchanged();
  });

  it('a node whose certificate names another member refuses to start, saying so', () => {
    const n1 = cluster.node('n1');
    const config = JSON.parse(readFileSync(n1.configPath, 'utf8'));
    config.peerTls.certFile = join(good, 'n2.crt');
    config.peerTls.keyFile = join(good, 'n2.key');
    config.dataDir = join(dir, 'wrong-cert-data');
    const configPath = join(dir, 'wrong-cert.json');
    writeFileSync(configPath, JSON.stringify(config));
    const result = spawnSync(process.execPath, [BIN, 'server', '--config', configPath], { encoding: 'utf8', timeout: 20_000 });
    expect(result.status).not.toBe(0);
    expect(result.stderr + result.stdout).toMatch(/PEER_TLS_INVALID.*names "n2" \(CN\), but this node is "n1"/);
  });
});
