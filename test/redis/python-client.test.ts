/**
 * A Python client: Debian's python3-redis (redis-py), which .ci/run installs,
 * in cluster mode and plain, against a 3-process cluster.
 */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProcessCluster } from '../support/process-cluster.js';

const run = promisify(execFile);
const SCRIPT = resolve(import.meta.dirname, 'python_workload.py');

describe('redis-py against a 3-process cluster', { timeout: 120_000 }, () => {
  let cluster: ProcessCluster;
  beforeAll(async () => {
    cluster = await ProcessCluster.create(3);
    cluster.startAll();
    await cluster.waitForLeader();
  });
  afterAll(async () => cluster?.destroy());

  it('RedisCluster routes to the leader; a pipeline and a transaction answer as on Redis', async () => {
    const { stdout: version } = await run('/usr/bin/python3', ['-c', 'import redis; print(redis.__version__)']);
    expect(version.trim()).toMatch(/^\d+\.\d+/);
    const { stdout } = await run('/usr/bin/python3', [SCRIPT, ...cluster.addresses()], { timeout: 60_000 });
    expect(stdout.trim()).toBe('OK');
  });
});
