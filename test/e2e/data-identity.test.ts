/**
 * A data directory remembers its cluster and node: a real node process
 * started on another cluster's data, or on another member's, refuses to start
 * and says whose data it is; on its own data it starts as before.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RaftkvClient } from '../../src/client/client.js';
import { IDENTITY_FILE } from '../../src/node/data-identity.js';
import { ProcessCluster } from '../support/process-cluster.js';

const BIN = resolve(import.meta.dirname, '../../bin/raftkv.js');

describe('data directory identity', { timeout: 60_000 }, () => {
  let cluster: ProcessCluster;

  beforeAll(async () => {
    cluster = await ProcessCluster.create(3);
    cluster.startAll();
    await cluster.waitForLeader();
    const client = new RaftkvClient({ nodes: cluster.addresses() });
    await client.set('k', 'v');
    await client.close();
    await cluster.waitForConvergence();
    await cluster.stopAll();
  });
  afterAll(async () => {
    await cluster?.destroy();
  });

  /** Starts `raftkv server` on n1's config with `change` applied; returns its exit status and output (it must not stay up). */
  function startWith(change: (config: Record<string, unknown>) => void): { status: number | null; output: string } {
    const config = JSON.parse(readFileSync(cluster.node('n1').configPath, 'utf8')) as Record<string, unknown>;
    change(config);
    const path = join(cluster.dir, 'changed.json');
    writeFileSync(path, JSON.stringify(config));
    const run = spawnSync(process.execPath, [BIN, 'server', '--config', path], { encoding: 'utf8', timeout: 20_000 });
    return { status: run.status, output: run.stdout + run.stderr };
  }

  it('records the cluster and node in the data directory', () => {
    const recorded = JSON.parse(readFileSync(join(cluster.node('n2').dataDir, IDENTITY_FILE), 'utf8'));
    expect(recorded).toEqual({ clusterId: cluster.clusterId, nodeId: 'n2' });
  });

  it("refuses another cluster's data directory", () => {
    const run = startWith((config) => (config['clusterId'] = 'another-cluster'));
    expect(run.status).not.toBe(0);
    expect(run.output).toContain('DATA_DIR_FOREIGN');
    expect(run.output).toContain(`belongs to node "n1" of cluster "${cluster.clusterId}", but this is node "n1" of cluster "another-cluster"`);
  });

  it("refuses another member's data directory", () => {
    const run = startWith((config) => (config['dataDir'] = cluster.node('n2').dataDir));
    expect(run.status).not.toBe(0);
    expect(run.output).toMatch(/DATA_DIR_FOREIGN.*belongs to node "n2"/);
  });

  it('starts on its own data directory and keeps its data', async () => {
    cluster.startAll();
    await cluster.waitForLeader();
    const client = new RaftkvClient({ nodes: cluster.addresses() });
    try {
      expect((await client.get('k'))?.toString()).toBe('v');
    } finally {
      await client.close();
    }
  });
});
