/** The faulty phase of a run: clients and the nemesis side by side for the run's duration. */
import { ChaosClient, type Sightings } from './client.js';
import type { ChaosCluster } from './cluster.js';
import type { Reconfigurer } from './membership.js';
import { Nemesis } from './nemesis.js';
import type { NetFaults } from './net-faults.js';
import type { ChaosOptions } from './options.js';
import type { HistoryRecorder } from './recorder.js';
import type { Rng } from './rng.js';
import { planSchedule } from './schedule.js';
import { sleep } from './wait.js';

const PROGRESS_EVERY_MS = 10_000;
/** A client that just got a refusal waits this long before its next request. */
const CLIENT_BACKOFF_MS = 20;

export function keyNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `k${i}`);
}

export async function runWorkload(
  options: ChaosOptions,
  cluster: ChaosCluster,
  net: NetFaults,
  recorder: HistoryRecorder,
  rng: Rng,
  members: Reconfigurer,
): Promise<Nemesis> {
  const nemesisRng = rng.fork();
  const schedule = planSchedule({ durationMs: options.durationMs, kinds: options.faults, faultMs: options.faultMs, healMs: options.healMs }, nemesisRng.fork());
  const nemesis = new Nemesis(cluster, net, nemesisRng, () => recorder.now(), (line) => options.log(`fault ${line}`), members);
  const stop = new AbortController();
  const seen: Sightings = new Map();
  const clients = Array.from({ length: options.clients }, (_, id) => {
    const client = new ChaosClient(
      // The members of the moment: a client moving on after a refusal never picks a removed node.
      { id, addresses: () => cluster.addresses(), keys: keyNames(options.keys), timeoutMs: options.requestTimeoutMs, backoffMs: CLIENT_BACKOFF_MS, intervalMs: intervalMs(options) },
      recorder,
      rng.fork(),
      seen,
    );
    return client.run(stop.signal);
  });
  const progress = reportProgress(options, recorder, stop.signal);
  const faults = nemesis.run(schedule, stop.signal);
  await sleep(options.durationMs - recorder.now());
  stop.abort();
  // Clients finish their last request (bounded by its timeout); the nemesis heals its last fault.
  await Promise.all([...clients, faults, progress]);
  return nemesis;
}

/** Each client's share of the total rate; 0 (unpaced) when the rate is 0. */
function intervalMs(options: ChaosOptions): number {
  return options.rate > 0 ? (1000 * options.clients) / options.rate : 0;
}

async function reportProgress(options: ChaosOptions, recorder: HistoryRecorder, signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    await sleep(PROGRESS_EVERY_MS, signal);
    const { byStatus } = recorder.counts();
    options.log(`${(recorder.now() / 1000).toFixed(0)} s: ${byStatus['ok']} ok, ${byStatus['fail']} fail, ${byStatus['unknown']} unknown`);
  }
}
