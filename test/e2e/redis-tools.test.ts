/**
 * Tools Redis users already have talk to raftkv: redis-cli (following the
 * -MOVED redirect in cluster mode) and redis-benchmark. Both come from
 * Debian's redis-tools, which .ci/run installs.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProcessCluster } from '../support/process-cluster.js';
import { waitFor } from '../support/wait.js';

const run = promisify(execFile);
const port = (address: string) => address.split(':')[1]!;

describe('Redis tools against a 3-process cluster', { timeout: 120_000 }, () => {
  let cluster: ProcessCluster;
  let leader: string;
  let follower: string;

  beforeAll(async () => {
    cluster = await ProcessCluster.create(3);
    cluster.startAll();
    leader = await cluster.waitForLeader();
    follower = cluster.addresses().find((a) => a !== leader)!;
    // A follower answers MOVED only once it has heard from the leader (TRYAGAIN before that).
    await waitFor(async () => ((await cluster.info(follower))['leader'] ?? '') !== '', { what: `${follower} to know the leader` });
  });
  afterAll(async () => cluster?.destroy());

  it('redis-cli sets through a follower (following MOVED) and gets the value back from the leader', async () => {
    const moved = await run('redis-cli', ['-p', port(follower), 'SET', 'greeting', 'hello']);
    expect(moved.stdout.trim()).toBe(`MOVED 12714 ${leader}`); // CLUSTER KEYSLOT greeting, as Redis computes it
    const set = await run('redis-cli', ['-c', '-p', port(follower), 'SET', 'greeting', 'hello']);
    expect(set.stdout.trim()).toBe('OK');
    const get = await run('redis-cli', ['-p', port(leader), 'GET', 'greeting']);
    expect(get.stdout.trim()).toBe('hello');
    const cas = await run('redis-cli', ['-p', port(leader), 'CAS', 'greeting', 'hello', 'bye']);
    expect(cas.stdout.trim()).toBe('1'); // redis-cli prints bare integers when not on a TTY
  });

  it('a short redis-benchmark -t set,get,incr,mset run completes with no errors', async () => {
    const { stdout, stderr } = await run(
      'redis-benchmark',
      ['-p', port(leader), '-t', 'set,get,incr,mset', '-n', '2000', '-c', '20', '-d', '256', '-r', '1000', '-q'],
      { timeout: 90_000 },
    );
    const output = stdout + stderr;
    expect(output).not.toMatch(/error|warning/i);
    expect(output).toMatch(/SET: [\d.]+ requests per second/);
    expect(output).toMatch(/GET: [\d.]+ requests per second/);
    expect(output).toMatch(/INCR: [\d.]+ requests per second/);
    expect(output).toMatch(/MSET \(10 keys\): [\d.]+ requests per second/);
    const keys = await run('redis-cli', ['-p', port(leader), 'KEYS', 'key:*']);
    expect(keys.stdout.trim().split('\n').length).toBeGreaterThan(100);
  });
});
