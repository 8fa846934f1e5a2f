/**
 * Backup and restore, the way an operator runs them: `raftkv snapshot save`
 * from a running 3-process cluster taking writes, `raftkv snapshot status`,
 * then `raftkv snapshot restore` into three fresh data directories with new
 * configs, and a new cluster started on them holding every key acknowledged
 * before the save. Damaged files get a coded error naming the file.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RaftkvClient } from '../../src/client/client.js';
import { RespConnection } from '../../src/client/connection.js';
import { ProcessCluster } from '../support/process-cluster.js';

const BIN = resolve(import.meta.dirname, '../../bin/raftkv.js');
const LIMITS = { snapshotEntries: 100, snapshotTrailingEntries: 20, snapshotChunkBytes: 2048 };

function raftkv(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** `raftkv ...` as a child process that runs while the test goes on writing. */
function raftkvAsync(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (status) => done({ status, stdout, stderr }));
  });
}

async function write(client: RaftkvClient, prefix: string, count: number, into: Map<string, string>): Promise<void> {
  for (let i = 0; i < count; i++) {
    const key = `${prefix}:${i}`;
    const value = `${prefix}-${i}-${'v'.repeat(i % 50)}`;
    await client.set(key, value);
    into.set(key, value);
  }
}

describe('raftkv snapshot save, status and restore', { timeout: 180_000 }, () => {
  let old: ProcessCluster;
  let fresh: ProcessCluster;
  let file: string;

  beforeAll(async () => {
    old = await ProcessCluster.create(3, { limits: LIMITS });
    fresh = await ProcessCluster.create(3, { limits: LIMITS });
    file = join(old.dir, 'backup.snap');
    old.startAll();
  });
  afterAll(async () => {
    await old?.destroy();
    await fresh?.destroy();
  });

  it('saves under writes; a new cluster restored from the file holds every key acknowledged before the save', async () => {
    await old.waitForLeader();
    const acknowledged = new Map<string, string>();
    const client = new RaftkvClient({ nodes: old.addresses(), deadlineMs: 20_000 });
    const during = new Map<string, string>();
    try {
      await write(client, 'before', 400, acknowledged);
      const saving = raftkvAsync(['snapshot', 'save', file, '--cluster', old.addresses().join(',')]);
      let saved: Awaited<typeof saving> | null = null;
      void saving.then((result) => (saved = result));
      // Writes go on while the save streams the view.
      for (let i = 0; saved === null; i++) await write(client, `during${i}`, 5, during);
      const result = await saving;
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      expect(result.stdout).toMatch(new RegExp(`^saved ${file}: index \\d+, term \\d+, voters n1,n2,n3, \\d+ chunks, \\d+ bytes, sha256 [0-9a-f]{64}`));
    } finally {
      await client.close();
    }

    const status = raftkv(['snapshot', 'status', file, '--json']);
    expect(status.stderr).toBe('');
    expect(status.status).toBe(0);
    const summary = JSON.parse(status.stdout) as Record<string, unknown>;
    expect(summary).toMatchObject({ file, voters: ['n1', 'n2', 'n3'], checksum: 'ok' });
    expect(summary['index']).toBeGreaterThan(400);
    expect(summary['keys']).toBeGreaterThanOrEqual(acknowledged.size);
    expect(summary['keys']).toBeLessThanOrEqual(acknowledged.size + during.size);
    expect(summary['chunks']).toBeGreaterThan(1);
    expect(summary['bytes']).toBe(readFileSync(file).length);

    for (const node of fresh.nodes) {
      const restored = raftkv(['snapshot', 'restore', file, '--config', node.configPath]);
      expect(restored.stderr).toBe('');
      expect(restored.status).toBe(0);
      expect(restored.stdout).toContain(`into ${node.dataDir} for node ${node.id} of cluster ${fresh.clusterId}`);
    }
    fresh.startAll();
    await fresh.waitForLeader();
    const reader = new RaftkvClient({ nodes: fresh.addresses(), deadlineMs: 20_000 });
    try {
      for (const [key, value] of acknowledged) expect((await reader.get(key))?.toString(), key).toBe(value);
      // The new cluster goes on from the snapshot: it takes writes and replicates them.
      await reader.set('after-restore', 'yes');
      expect((await reader.get('after-restore'))?.toString()).toBe('yes');
    } finally {
      await reader.close();
    }
    await fresh.waitForConvergence();
    const follower = fresh.nodes[0]!;
    await fresh.stop(follower.id);
    const held = await fresh.dump(follower.id);
    for (const [key, value] of acknowledged) expect(held.get(key), key).toBe(value);
    expect(held.get('after-restore')).toBe('yes');
  });

  it('refuses to restore over a data directory that is not empty', () => {
    const node = fresh.nodes[1]!;
    const result = raftkv(['snapshot', 'restore', file, '--config', node.configPath]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`error (DATA_DIR_NOT_EMPTY): data directory ${node.dataDir} is not empty`);
  });

  it('names the file and the damage for a corrupted, truncated or foreign file; restore leaves nothing behind', () => {
    const good = readFileSync(file);
    const flipped = Buffer.from(good);
    flipped[Math.floor(good.length / 2)]! ^= 0xff;
    const cases: Array<[string, Buffer, RegExp]> = [
      ['flipped.snap', flipped, /fails its sha256 checksum|chunk \d+: record \d+|has a (frame|chunk)/],
      ['truncated.snap', good.subarray(0, good.length - 40), /is truncated/],
      ['foreign.snap', Buffer.from('REDIS0011 this is an RDB file, not ours'), /wrong magic/],
      ['empty.snap', Buffer.alloc(0), /is truncated/],
    ];
    for (const [name, bytes, problem] of cases) {
      const path = join(old.dir, name);
      writeFileSync(path, bytes);
      const status = raftkv(['snapshot', 'status', path]);
      expect(status.status, name).toBe(1);
      expect(status.stderr, name).toContain(`error (SNAPSHOT_FILE_INVALID): ${path} (byte `);
      expect(status.stderr, name).toMatch(problem);

      const dataDir = join(old.dir, `restore-${name}`);
      mkdirSync(dataDir);
      const restore = raftkv(['snapshot', 'restore', path, '--config', fresh.nodes[2]!.configPath, '--data-dir', dataDir]);
      expect(restore.status, name).toBe(1);
      expect(restore.stderr, name).toContain('error (SNAPSHOT_FILE_INVALID)');
      expect(spawnSync('ls', ['-A', dataDir], { encoding: 'utf8' }).stdout, name).toBe('');
    }
    const missing = raftkv(['snapshot', 'status', join(old.dir, 'nope.snap')]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain(`error (SNAPSHOT_FILE_UNREADABLE): cannot open ${join(old.dir, 'nope.snap')}`);
  });

  it('answers misuse of SNAPSHOT with errors, and streams a view to the end on any node', async () => {
    const connection = await RespConnection.connect(old.nodes[1]!.client);
    try {
      expect(await connection.send(['SNAPSHOT', 'NEXT'])).toEqual({ type: 'error', message: 'ERR SNAPSHOT NEXT without SNAPSHOT OPEN on this connection' });
      expect(await connection.send(['SNAPSHOT', 'BOGUS'])).toMatchObject({ type: 'error', message: expect.stringContaining("unknown subcommand 'BOGUS'") });
      expect(await connection.send(['SNAPSHOT'])).toMatchObject({ type: 'error', message: expect.stringContaining('wrong number of arguments') });
      const open = await connection.send(['SNAPSHOT', 'OPEN']);
      expect(open).toMatchObject({ type: 'array' });
      let chunks = 0;
      for (let last = false; !last; chunks++) {
        const next = await connection.send(['SNAPSHOT', 'NEXT']);
        if (next.type !== 'array' || next.value?.[0]?.type !== 'integer') throw new Error(`unexpected reply ${JSON.stringify(next)}`);
        last = next.value[0].value === 1;
      }
      expect(chunks).toBeGreaterThan(1);
      expect(await connection.send(['SNAPSHOT', 'NEXT'])).toMatchObject({ type: 'error', message: expect.stringContaining('after the last chunk') });
      expect(await connection.send(['SNAPSHOT', 'CLOSE'])).toEqual({ type: 'simple', value: 'OK' });
      expect(await connection.send(['PING'])).toEqual({ type: 'simple', value: 'PONG' });
    } finally {
      connection.destroy();
    }
  });
});
