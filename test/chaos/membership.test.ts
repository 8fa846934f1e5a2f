/**
 * The membership nemesis's steps against a small real cluster, under a light client
 * load: the leader is removed (it hands over, the retry reaches the new leader), a
 * fresh node with an empty data directory joins as a learner, catches up and is
 * promoted, and a member is restarted with SIGTERM; the final checks then run on the
 * final membership (the removed node excluded, the new one included).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ChaosClient, type Sightings } from '../../src/chaos/client.js';
import { resolveOptions } from '../../src/chaos/options.js';
import { HistoryRecorder } from '../../src/chaos/recorder.js';
import { Rng } from '../../src/chaos/rng.js';
import { FAULT_KINDS } from '../../src/chaos/schedule.js';
import { setUpWorld, type World } from '../../src/chaos/setup.js';
import { pollUntil } from '../../src/chaos/wait.js';
import { checkMembership, finalReads, healAndConverge, verify } from '../../src/chaos/verify.js';
import { keyNames } from '../../src/chaos/workload.js';

const outDir = mkdtempSync(join(tmpdir(), 'raftkv-chaos-membership-'));
let passed = false;

afterAll(() => {
  if (passed) rmSync(outDir, { recursive: true, force: true });
});

describe('membership steps on real processes', () => {
  it('refuses the membership fault with network cuts on the proxy mechanism', async () => {
    const options = resolveOptions({ outDir, mechanism: 'proxy', faults: ['membership', 'halves'] });
    await expect(setUpWorld(options, 'refused', join(outDir, 'refused'), new Rng(1))).rejects.toThrow(/BAD_OPTIONS: the membership fault cannot be combined with halves on the proxy mechanism/);
  });

  it('leaves the membership fault out of every kind (the default) on the proxy mechanism, saying why', async () => {
    const lines: string[] = [];
    const options = resolveOptions({ outDir, mechanism: 'proxy', log: (line) => lines.push(line) });
    const world = await setUpWorld(options, 'default', join(outDir, 'default'), new Rng(1));
    try {
      expect(world.faults).toEqual(FAULT_KINDS.filter((kind) => kind !== 'membership'));
      expect(lines.join('\n')).toMatch(/membership fault is left out: the proxy mechanism cannot cut/);
    } finally {
      await world.teardown();
    }
  });

  it('removes the leader, adds and promotes a fresh node, restarts a member; the final membership checks out', { timeout: 120_000 }, async () => {
    // Proxies: no cuts here, and no root needed.
    const options = resolveOptions({ outDir, mechanism: 'proxy', nodes: 3, faults: ['membership', 'rolling'], seed: 11 });
    const world: World = await setUpWorld(options, 'steps', join(outDir, 'steps'), new Rng(options.seed));
    const { cluster, members, net } = world;
    const keys = keyNames(3);
    const recorder = new HistoryRecorder();
    const stop = new AbortController();
    try {
      cluster.startAll();
      const leader = await pollUntil(() => cluster.leader(), { timeoutMs: 30_000, what: 'a first leader' });
      const seen: Sightings = new Map();
      const rng = new Rng(5);
      const load = Array.from({ length: 2 }, (_, id) =>
        new ChaosClient({ id, addresses: () => cluster.addresses(), keys, timeoutMs: 2_500, backoffMs: 20, intervalMs: 20 }, recorder, rng.fork(), seen).run(stop.signal),
      );

      const removal = await members.remove(leader);
      expect(removal.join('\n')).toMatch(new RegExp(`${leader} led: it handed over`));
      expect(cluster.ids).not.toContain(leader);
      expect(cluster.node(leader).running).toBe(false);

      const added = await members.addFresh();
      expect(added.id).toBe('n4');
      expect(cluster.ids).toContain('n4');
      const config = JSON.parse(readFileSync(cluster.node('n4').plan.configPath, 'utf8')) as { join?: boolean; members: unknown[]; clusterId: string };
      expect(config.join).toBe(true);
      expect(config.members).toHaveLength(1);
      expect(config.clusterId).toBe(`chaos-steps`);
      const list = await members.members();
      expect(list.map((m) => [m.id, m.role]).sort()).toEqual([...cluster.ids].sort().map((id) => [id, 'voter']));

      const current = await pollUntil(() => cluster.leader(), { timeoutMs: 30_000, what: 'a leader' });
      expect((await members.restart(current)).join('\n')).toMatch(new RegExp(`^${current} \\(leader\\) restarted, caught up`));

      stop.abort();
      await Promise.all(load);
      const index = await healAndConverge(cluster, net);
      await finalReads(cluster, recorder, keys, 2, 2_500);
      expect(await checkMembership(cluster, 2_500)).toEqual([]);
      const verification = await verify(cluster, recorder, keys, index, 60_000);
      expect(verification.members).toEqual(cluster.ids);
      expect(verification.check.ok, JSON.stringify(verification.check).slice(0, 1_000)).toBe(true);
      expect(verification.finalState.problems).toEqual([]);
      expect(recorder.counts().byStatus['ok']).toBeGreaterThan(20);
      expect(cluster.unexpectedExits).toEqual([]);
      passed = true;
    } finally {
      stop.abort();
      await world.teardown();
    }
  });
});
