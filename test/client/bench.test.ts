import { afterEach, describe, expect, it } from 'vitest';
import { runBench, type BenchProgress } from '../../src/client/bench/load.js';
import { requestMaker } from '../../src/client/bench/workload.js';
import { followerHandler, kvHandler, startFakeServer, type FakeServer } from './fake-server.js';

const servers: FakeServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe('runBench', () => {
  it('prefills, finds the leader, and measures every successful request', async () => {
    const store = new Map<string, string>();
    const leader = await startFakeServer(kvHandler(store, { nodeId: 'n2' }));
    const follower = await startFakeServer(followerHandler(() => leader.address, { leader: 'n2' }));
    servers.push(leader, follower);
    const progress: BenchProgress[] = [];
    const result = await runBench({
      nodes: [follower.address, leader.address],
      connections: 3,
      pipeline: 4,
      valueSize: 16,
      keyspace: 50,
      workload: 'mixed',
      readRatio: 0.5,
      durationS: 0.3,
      warmupS: 0.1,
      onProgress: (p) => progress.push(p),
    });
    expect(result.leader).toBe(leader.address);
    expect(store.size).toBe(50);
    expect(result.ops).toBeGreaterThan(0);
    expect(result.latencyUs.count).toBe(result.ops);
    expect(result.errors).toEqual({});
    expect(follower.requests.filter((r) => r[0] !== 'INFO')).toEqual([]);
    expect(progress[0]?.phase).toBe('prefill');
  });

  it('stops early when aborted', async () => {
    const leader = await startFakeServer(kvHandler(new Map()));
    servers.push(leader);
    const abort = new AbortController();
    const run = runBench({ nodes: [leader.address], connections: 1, pipeline: 1, valueSize: 8, keyspace: 10, workload: 'set', readRatio: 0, durationS: 600, warmupS: 0, signal: abort.signal });
    await expect.poll(() => leader.requests.length).toBeGreaterThan(5);
    abort.abort();
    const result = await run;
    expect(result.ops).toBeGreaterThan(0);
  });
});

describe('requestMaker', () => {
  it('mixes reads and writes by the read ratio', () => {
    let i = 0;
    const sequence = [0.1, 0.0, 0.9, 0.0]; // read draw, key draw, read draw, key draw
    const make = requestMaker({ workload: 'mixed', readRatio: 0.5, keyspace: 10, valueSize: 4 }, () => sequence[i++ % sequence.length] ?? 0);
    expect(make()[0]).toBe('GET');
    expect(make()).toEqual(['SET', 'bench:0', Buffer.from('abcd')]);
  });
});
