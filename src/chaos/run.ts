/**
 * A whole chaos run: set up, run clients against the nemesis, heal, verify, report,
 * tear down (always, whatever failed).
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { resolveOptions, type ChaosOptions } from './options.js';
import { HistoryRecorder } from './recorder.js';
import { summarize, writeRunFiles, type ChaosSummary } from './report.js';
import { Rng } from './rng.js';
import { setUpWorld } from './setup.js';
import { pollUntil } from './wait.js';
import { checkMembership, finalReads, healAndConverge, verify } from './verify.js';
import { keyNames, runWorkload } from './workload.js';

const FIRST_LEADER_TIMEOUT_MS = 30_000;

export async function runChaos(partial: Partial<ChaosOptions> & Pick<ChaosOptions, 'outDir'>): Promise<ChaosSummary> {
  const asked = resolveOptions(partial);
  const runId = `${new Date().toISOString().replace(/[-:]/g, '').slice(0, 15)}-${randomBytes(2).toString('hex')}`;
  const dir = join(asked.outDir, runId);
  const rng = new Rng(asked.seed);
  const world = await setUpWorld(asked, runId, dir, rng);
  const { cluster, net, choice } = world;
  const options: ChaosOptions = { ...asked, faults: world.faults };
  options.log(`run ${runId} in ${dir}: seed ${options.seed}, mechanism ${choice.mechanism} (${choice.reason})`);
  try {
    cluster.startAll();
    const first = await pollUntil(() => cluster.leader(), { timeoutMs: FIRST_LEADER_TIMEOUT_MS, what: 'a first leader' });
    options.log(`leader ${first}; ${options.clients} clients for ${options.durationMs / 1000} s`);
    const recorder = new HistoryRecorder();
    const initialMembers = cluster.ids;
    const nemesis = await runWorkload(options, cluster, net, recorder, rng, world.members);
    options.log('healing; waiting for the cluster to converge');
    const index = await healAndConverge(cluster, net);
    const keys = keyNames(options.keys);
    await finalReads(cluster, recorder, keys, options.clients, options.requestTimeoutMs);
    const memberProblems = await checkMembership(cluster, options.requestTimeoutMs);
    options.log(`converged at index ${index} (members ${cluster.ids.join(' ')}); stopping nodes, checking ${recorder.history().length} operations`);
    const verification = await verify(cluster, recorder, keys, index, options.checkTimeoutMs, memberProblems);
    const summary = summarize({
      ...options,
      runId,
      dir,
      mechanism: choice,
      recorder,
      schedule: nemesis.planned,
      initialMembers,
      faultLog: nemesis.log,
      verification,
      unexpectedExits: [...cluster.unexpectedExits],
    });
    const written = writeRunFiles(summary, verification);
    if (written.ok && !options.keepData) for (const node of cluster.nodes.values()) rmSync(node.plan.dataDir, { recursive: true, force: true });
    return written;
  } finally {
    await world.teardown();
  }
}
