/**
 * Real node processes started with --trace: client load, kill -9 of the
 * leader, restart, clean stop; then every node trace (the killed run's
 * cut-off one included) replays identically. Also the flight recorder of a
 * real process: bounded, dumped on SIGUSR2 and on DEBUG FLIGHTDUMP.
 * Needs `npm run build` (bin/raftkv.js runs dist/).
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RaftkvClient } from '../../src/client/client.js';
import { RespConnection } from '../../src/client/connection.js';
import { readTraceFile, readTraceRun } from '../../src/trace/reader.js';
import { checkContiguous, replayRun } from '../../src/trace/replay.js';
import { ProcessCluster } from '../support/process-cluster.js';
import { waitFor } from '../support/wait.js';

const FLIGHT_EVENTS = 64;

async function writeMany(addresses: string[], prefix: string, count: number, clients: number): Promise<number> {
  let next = 0;
  let acknowledged = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      const client = new RaftkvClient({ nodes: addresses, deadlineMs: 20_000 });
      try {
        for (let i = next++; i < count; i = next++) {
          await client.set(`${prefix}:${i}`, `v${i}`);
          acknowledged++;
        }
      } finally {
        await client.close();
      }
    }),
  );
  return acknowledged;
}

describe('traces of a 3-process cluster', { timeout: 120_000 }, () => {
  let cluster: ProcessCluster;

  beforeAll(async () => {
    cluster = await ProcessCluster.create(3);
    cluster.traceAll();
    for (const node of cluster.nodes) node.serverArgs.push('--flight-events', String(FLIGHT_EVENTS));
    cluster.startAll();
  });
  afterAll(async () => {
    await cluster?.destroy();
  });

  it('keeps a bounded flight recorder and dumps it on SIGUSR2 and on DEBUG FLIGHTDUMP', async () => {
    const leader = cluster.node(await cluster.waitForLeader());
    expect(await writeMany(cluster.addresses(), 'f', 50, 4)).toBe(50);
    const flightDir = join(leader.dataDir, 'flight');
    cluster.send(leader.id, 'SIGUSR2');
    const dumped = await waitFor(() => (existsSync(flightDir) ? readdirSync(flightDir).find((f) => f.endsWith('.ndjson')) : undefined), {
      what: 'a SIGUSR2 flight dump',
    });
    const bySignal = await readTraceFile(join(flightDir, dumped));
    expect(bySignal.cut).toBeNull();
    expect(bySignal.header.reason).toBe('SIGUSR2');
    expect(bySignal.records).toHaveLength(FLIGHT_EVENTS); // 50 writes deliver far more than 64 events
    expect(bySignal.header.kind).toBe('segment');
    expect(bySignal.header.firstSeq).toBe(bySignal.records[0]!.seq);

    const connection = await RespConnection.connect(leader.client);
    try {
      const reply = await connection.send(['DEBUG', 'FLIGHTDUMP']);
      expect(reply.type).toBe('bulk');
      const file = reply.type === 'bulk' ? reply.value!.toString() : '';
      const byRequest = await readTraceFile(file);
      expect(byRequest.header.reason).toBe('DEBUG FLIGHTDUMP request');
      expect(byRequest.records).toHaveLength(FLIGHT_EVENTS);
      expect(byRequest.records[0]!.seq).toBeGreaterThan(bySignal.records.at(-1)!.seq - FLIGHT_EVENTS);
    } finally {
      await connection.close();
    }
  });

  it('replays every node trace identically after load, kill -9 of the leader and a restart', async () => {
    const oldLeader = cluster.node(await cluster.waitForLeader()).id;
    const load = writeMany(cluster.addresses(), 'a', 600, 6);
    await waitFor(async () => Number((await cluster.info(oldLeader))['commit_index']) > 150, { what: 'some writes to commit' });
    await cluster.kill(oldLeader);
    await cluster.waitForLeader({ excluding: cluster.node(oldLeader).client });
    cluster.start(oldLeader);
    expect(await load).toBe(600);
    await cluster.waitForConvergence();
    await cluster.stopAll();

    const files = readdirSync(cluster.dir).filter((f) => f.endsWith('.ndjson')).map((f) => join(cluster.dir, f));
    expect(files).toHaveLength(4); // three nodes, one of them twice
    let cutOff = 0;
    for (const file of files) {
      const run = await readTraceRun(file);
      if (run.cut !== null) cutOff++;
      checkContiguous(run.header, run.records);
      const result = replayRun(run.header, run.records);
      expect(result.ok ? 'identical' : `${file} #${result.seq}: ${result.reason}`).toBe('identical');
      expect(result.events).toBe(run.records.length);
      // Not a trivially short trace (the restarted node's run is brief: start, catch up, a graceful stop).
      expect(run.records.length).toBeGreaterThan(20);
    }
    // Only the killed run can end mid-record; the others were closed cleanly.
    expect(cutOff).toBeLessThanOrEqual(1);
  });
});
