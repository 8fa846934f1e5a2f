/**
 * Fair service under a write flood, on real processes (issue 10): clients
 * pipelining thousands of writes fill the node, and another client's write
 * still goes into the log after at most about writesInFlightMax of theirs,
 * not behind their whole backlog. INCR makes it countable: the probe's INCR
 * answers how many of the flood's were applied before it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseHostPort } from '../../src/config/address.js';
import { ProcessCluster } from '../support/process-cluster.js';
import { RawClient } from '../support/raw-client.js';
import { waitFor } from '../support/wait.js';

const WRITES_IN_FLIGHT = 64;
const FLOOD_CONNECTIONS = 4;
const FLOOD_WRITES = 2_000;

describe('a write flood on a 3-process cluster', { timeout: 120_000 }, () => {
  let cluster: ProcessCluster;
  let port: number;

  beforeAll(async () => {
    // Elections slow enough that a loaded machine (CI runs test files side by side) does not move
    // leadership mid-flood: the count below needs one leader throughout.
    cluster = await ProcessCluster.create(3, {
      limits: { writesInFlightMax: WRITES_IN_FLIGHT },
      timing: { tickMs: 10, heartbeatMs: 100, electionTimeoutMinMs: 3_000, electionTimeoutMaxMs: 4_000, requestTimeoutMs: 30_000 },
    });
    cluster.startAll();
    const leader = await cluster.waitForLeader();
    port = parseHostPort(cluster.node(leader).client).port;
  });
  afterAll(async () => cluster?.destroy());

  it("another client's write waits for the writes in flight and one turn, not for the flood's backlog", async () => {
    const floods = await Promise.all(Array.from({ length: FLOOD_CONNECTIONS }, () => RawClient.connect(port)));
    const probe = await RawClient.connect(port);
    const watcher = await RawClient.connect(port);
    try {
      for (const flood of floods) flood.send('INCR counter\r\n'.repeat(FLOOD_WRITES));
      // Most of the flood is on the node and not yet applied (each connection is read up to pipelinePerConnectionMax).
      await waitFor(async () => Number(/pending_requests:(\d+)/.exec(await watcher.call('INFO raftkv'))?.[1]) >= 3_000, {
        what: 'the flood pending on the leader',
      });
      // GET then INCR on one connection: the INCR is offered the moment the GET is answered.
      probe.send('GET counter\r\nINCR counter\r\n');
      const [seen, after] = await probe.read(2);
      const before = seen === '(nil)' ? 0 : Number(/^"(\d+)"$/.exec(seen!)?.[1]);
      const ahead = Number(/^\(integer\) (\d+)$/.exec(after!)?.[1]) - before - 1;
      expect(Number.isInteger(ahead), `the probe's replies: ${seen} then ${after}`).toBe(true);
      // In flight, one turn of each flood connection, and what was applied while the GET read the store;
      // in one FIFO it would be every pending write before it, 3,000 or more.
      expect(ahead).toBeGreaterThanOrEqual(0);
      expect(ahead).toBeLessThan(6 * WRITES_IN_FLIGHT);
      // Nothing was lost and each connection's writes took effect in the order it sent them.
      const floodReplies = await Promise.all(floods.map((flood) => flood.read(FLOOD_WRITES)));
      for (const replies of floodReplies) {
        const values = replies.map((r) => Number(/\(integer\) (\d+)/.exec(r)?.[1]));
        expect(values.every((v, i) => i === 0 || v > values[i - 1]!)).toBe(true);
      }
      expect(await watcher.call('GET counter')).toBe(`"${FLOOD_CONNECTIONS * FLOOD_WRITES + 1}"`);
    } finally {
      for (const client of [...floods, probe, watcher]) client.destroy();
    }
  });
});
