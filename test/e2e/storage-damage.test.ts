/**
 * A damaged disk on real processes (issue 10): a 3-node cluster takes
 * acknowledged writes; one stopped node's LevelDB is damaged (its write-ahead
 * log cut short, bytes flipped in that log, bytes flipped in a table file);
 * the node refuses to start with STORAGE_CORRUPT naming the file and index,
 * and exits non-zero without hanging. The operator's recovery (remove the
 * member, wipe its directory, add a new member as a learner and promote it)
 * brings the cluster back to three voters holding every acknowledged key,
 * and every node then restarts cleanly on its own data.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RaftkvClient } from '../../src/client/client.js';
import { describeReply } from '../../src/client/reply.js';
import { parseMembers } from '../../src/cli/member.js';
import { TAIL_WITNESS_FILE } from '../../src/storage/tail-witness.js';
import { ProcessCluster, type ProcessNode } from '../support/process-cluster.js';
import { waitFor } from '../support/wait.js';

const BIN = resolve(import.meta.dirname, '../../bin/raftkv.js');
const TIMING = { electionTimeoutMinMs: 300, electionTimeoutMaxMs: 600 };

describe('a node with a damaged disk refuses to start; wipe and rejoin restores it', { timeout: 300_000 }, () => {
  let cluster: ProcessCluster;
  const acknowledged = new Map<string, string>();
  let round = 0;

  beforeAll(async () => {
    cluster = await ProcessCluster.create(3, { timing: TIMING });
    cluster.startAll();
    await cluster.waitForLeader();
  });
  afterAll(async () => {
    await cluster?.destroy();
  });

  /** Acknowledged SETs of random (hardly compressible) values, remembered for the final check. */
  async function write(count: number): Promise<void> {
    const client = new RaftkvClient({ nodes: running().map((n) => n.client), deadlineMs: 20_000 });
    try {
      for (let i = 0; i < count; i++) {
        const key = `r${round}:k${i}`;
        const value = `${key}:${randomBytes(60).toString('hex')}`;
        await client.set(key, value);
        acknowledged.set(key, value);
      }
    } finally {
      await client.close();
    }
    round++;
  }

  function running(): ProcessNode[] {
    return cluster.nodes.filter((n) => n.process !== null);
  }

  /** A follower among the running nodes. */
  async function follower(): Promise<ProcessNode> {
    const leader = await cluster.waitForLeader();
    return running().find((n) => n.client !== leader)!;
  }

  /** `raftkv server` on the node's config: it must exit by itself, non-zero. */
  function startRefused(node: ProcessNode): string {
    const run = spawnSync(process.execPath, [BIN, 'server', '--config', node.configPath], { encoding: 'utf8', timeout: 60_000 });
    const output = run.stdout + run.stderr;
    expect(run.signal, `killed after 60 s: it hung\n${output}`).toBeNull();
    expect(run.status, output).not.toBe(0);
    expect(output).toContain('STORAGE_CORRUPT');
    expect(output).toContain(node.dataDir);
    console.log(`${node.id} refused to start: ${output.split('\n').find((line) => line.includes('STORAGE_CORRUPT'))?.slice(0, 1_500)}`);
    return output;
  }

  function dbFiles(node: ProcessNode, suffix: string): string[] {
    const db = join(node.dataDir, 'db');
    return readdirSync(db).filter((f) => f.endsWith(suffix)).map((f) => join(db, f)).sort((a, b) => statSync(b).size - statSync(a).size);
  }

  async function change(...args: string[]): Promise<string> {
    const admin = new RaftkvClient({ nodes: running().map((n) => n.client), deadlineMs: 20_000 });
    try {
      return describeReply(await admin.command(['CLUSTER', 'MEMBER', ...args], 'write'));
    } finally {
      await admin.close();
    }
  }

  /** docs/security.md's recovery: remove the damaged member, wipe it, add a new one as a learner, promote it. */
  async function wipeAndRejoin(victim: ProcessNode): Promise<ProcessNode> {
    expect(await change('REMOVE', victim.id)).toBe('OK');
    await rm(victim.dataDir, { recursive: true, force: true });
    const fresh = await cluster.addNode();
    cluster.start(fresh.id);
    await waitFor(() => cluster.info(fresh.id).then(() => true, () => { expect(fresh.process, readFileSync(fresh.logPath, 'utf8').slice(-2_000)).not.toBeNull(); return false; }), { timeoutMs: 30_000, what: `${fresh.id} up` });
    expect(await change('ADD-LEARNER', fresh.id, fresh.peer, fresh.client)).toBe('OK');
    const leader = await cluster.waitForLeader();
    const commit = Number((await cluster.info(leader))['commit_index']);
    await waitFor(async () => Number((await cluster.info(fresh.id))['applied_index']) >= commit, { timeoutMs: 30_000, what: `${fresh.id} to apply up to ${commit}` });
    await waitFor(async () => (await change('PROMOTE', fresh.id).catch((e: Error) => e.message)) === 'OK', { timeoutMs: 20_000, what: `${fresh.id} promoted` });
    return fresh;
  }

  /** Every running node holds every acknowledged key (read from its stopped LevelDB), then all restart cleanly. */
  async function expectEveryKeyEverywhere(): Promise<void> {
    await cluster.waitForConvergence();
    const members = running();
    const admin = new RaftkvClient({ nodes: members.map((n) => n.client) });
    const listed = parseMembers(await admin.command(['CLUSTER', 'MEMBER', 'LIST'], 'read'));
    await admin.close();
    expect(listed.map((m) => [m.id, m.role]).sort()).toEqual(members.map((n) => [n.id, 'voter']).sort());
    await cluster.stopAll();
    for (const node of members) {
      const held = await cluster.dump(node.id);
      const missing = [...acknowledged].filter(([key, value]) => held.get(key) !== value).map(([key]) => key);
      expect(missing, `${node.id} lacks acknowledged keys`).toEqual([]);
    }
    for (const node of members) cluster.start(node.id);
    await cluster.waitForLeader();
  }

  it('a write-ahead log cut short: the tail witness names the index the log lost', async () => {
    await write(300);
    await cluster.waitForConvergence();
    const victim = await follower();
    await cluster.stop(victim.id);
    const [wal] = dbFiles(victim, '.log');
    const size = statSync(wal!).size;
    truncateSync(wal!, Math.floor(size * 0.4));

    const output = startRefused(victim);
    const lost = /the log ends at (\d+) but (\S+) records index (\d+) as persisted/.exec(output);
    expect(lost, output).not.toBeNull();
    expect(lost![2]).toBe(join(victim.dataDir, TAIL_WITNESS_FILE));
    expect(Number(lost![1])).toBeLessThan(Number(lost![3]));

    await wipeAndRejoin(victim);
    await write(50);
    await expectEveryKeyEverywhere();
  });

  it('flipped bytes in the write-ahead log: LevelDB skipped records, named with the file and the first index lost', async () => {
    await write(300);
    await cluster.waitForConvergence();
    const victim = await follower();
    await cluster.stop(victim.id);
    const [wal] = dbFiles(victim, '.log');
    const bytes = readFileSync(wal!);
    for (let i = 0; i < 16; i++) bytes[Math.floor(bytes.length / 2) + i]! ^= 0x5a;
    writeFileSync(wal!, bytes);

    const output = startRefused(victim);
    expect(output).toContain('LevelDB skipped damaged write-ahead log records');
    expect(output).toContain(`${wal}: dropping`);
    expect(output).toMatch(/index \d+/);

    await wipeAndRejoin(victim);
    await write(50);
    await expectEveryKeyEverywhere();
  });

  it('flipped bytes in a table file: a log record fails its checksum, or the log shows a hole, or LevelDB cannot read it, named with the index', async () => {
    await write(300);
    await cluster.waitForConvergence();
    const victim = await follower();
    // Reopening turns the write-ahead log into a table file; stop again once it is up.
    await cluster.stop(victim.id);
    cluster.start(victim.id);
    await cluster.waitForConvergence();
    await cluster.stop(victim.id);
    const [table] = dbFiles(victim, '.ldb');
    const bytes = readFileSync(table!);
    expect(bytes.length).toBeGreaterThan(100_000);
    // Keys sort "!kv!..." < "!log!..." < "!meta!...": the log's records lie past the middle of the data blocks.
    for (let at = Math.floor(bytes.length * 0.55); at < bytes.length * 0.9; at += 512) bytes[at]! ^= 0x5a;
    writeFileSync(table!, bytes);

    const output = startRefused(victim);
    // Which check fires depends on what the flips hit: a record's bytes, its key (a hole in the log), or a block LevelDB cannot decode.
    expect(output).toMatch(/log entry \d+ \(sublevel "log", key [0-9a-f]{16}\) fails its checksum|first bad index \d+|reading the log after index \d+ failed/);

    await wipeAndRejoin(victim);
    await write(50);
    await expectEveryKeyEverywhere();
  });
});
