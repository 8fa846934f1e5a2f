/**
 * One simulated run: build a cluster from a seed, run clients against it
 * while the nemesis carries out a fault schedule, then heal everything and
 * demand liveness (a leader, every final request answered, replicas
 * converged) and the final checks. Safety is checked after every event.
 */
import type { Operation } from '../check/history.js';
import { SimCluster, type MembershipStats } from './cluster.js';
import { DEFAULT_DISK_TIMING } from './disk.js';
import { checkAckedWrites, checkLinearizable, checkReplicasAgree, converged, type HistoryVerdict } from './final-checks.js';
import { randomSchedule, type FaultAction, type FaultSet } from './faults.js';
import { Workload } from './clients.js';
import { CALM_NETWORK } from './network.js';
import { Rng } from './rng.js';
import { join } from 'node:path';
import { dumpFlightRecorders } from '../trace/flight-recorder.js';
import { SimViolation, violation, type ViolationKind } from './violation.js';

export interface SimOptions {
  readonly seed: number;
  readonly nodes: 3 | 5;
  readonly faults: FaultSet;
  /** Replaces the nemesis's random schedule (replay, shrinking). */
  readonly schedule?: readonly FaultAction[];
  /** Virtual time with faults and clients running (default 5 s). */
  readonly faultPhaseMs?: number;
  /** Virtual time allowed after healing to elect, answer and converge (default 10 s). */
  readonly livenessMs?: number;
  readonly clients?: number;
  readonly keys?: number;
  /** Hash every delivered event (the determinism test compares hashes). */
  readonly hashEvents?: boolean;
  /** Tests only: tampers with the cluster at a virtual time, to show a violation is caught and reported. */
  readonly inject?: { readonly at: number; readonly act: (cluster: SimCluster) => void };
  /** On a violation, every node's flight recorder is dumped under this directory (seed-N/). */
  readonly failureTraceDir?: string;
}

export interface SimFailure {
  readonly kind: ViolationKind;
  readonly message: string;
  readonly node: string | null;
  /** Delivered events before the violation. */
  readonly step: number;
  readonly timeMs: number;
  readonly lastEvents: string[];
  /** Trace files of the nodes' last events (when failureTraceDir was given). */
  readonly traceFiles?: string[];
}

export interface SimResult {
  readonly seed: number;
  readonly nodes: 3 | 5;
  readonly schedule: readonly FaultAction[];
  readonly failure: SimFailure | null;
  /** Delivered bus events over all nodes. */
  readonly events: number;
  readonly simulatedMs: number;
  readonly operations: number;
  readonly history: readonly Operation[];
  readonly linearizability: HistoryVerdict | 'not checked';
  readonly hash: string;
  /** Terms that had a leader, node crashes (storage failures included), messages dropped, the nemesis's membership changes. */
  readonly stats: { readonly leaders: number; readonly crashes: number; readonly dropped: number; readonly membership: MembershipStats };
}

export const DEFAULT_FAULT_PHASE_MS = 5_000;
export const DEFAULT_LIVENESS_MS = 10_000;

export async function runSimulation(options: SimOptions): Promise<SimResult> {
  const master = new Rng(options.seed);
  const cluster = new SimCluster(master.fork(), options.nodes, DEFAULT_DISK_TIMING, options.hashEvents ?? false);
  const nemesis = master.derive();
  const faultPhaseMs = options.faultPhaseMs ?? DEFAULT_FAULT_PHASE_MS;
  const schedule = options.schedule ?? randomSchedule(nemesis, options.nodes, options.faults, faultPhaseMs);
  const workload = new Workload(cluster.loop, master.derive(), portOf(cluster), {
    clients: options.clients ?? 2 + (options.seed % 4),
    keys: options.keys ?? 3,
    attemptTimeoutMs: 2_000,
    operationTimeoutMs: 3_000,
    thinkMsMax: 30,
  });
  cluster.attach(workload);
  if (options.inject) {
    const { at, act } = options.inject;
    cluster.loop.at(at, () => act(cluster));
  }
  let failure: SimFailure | null = null;
  let verdict: SimResult['linearizability'] = 'not checked';
  try {
    verdict = await drive(cluster, workload, schedule, faultPhaseMs, options.livenessMs ?? DEFAULT_LIVENESS_MS);
  } catch (err) {
    failure = describeFailure(err, cluster);
    if (options.failureTraceDir) failure = { ...failure, traceFiles: dumpTraces(cluster, options, failure) };
  }
  return {
    seed: options.seed,
    nodes: options.nodes,
    schedule,
    failure,
    events: cluster.trace.steps,
    simulatedMs: cluster.loop.now,
    operations: workload.history.length,
    history: workload.historyAtEnd(),
    linearizability: verdict,
    hash: cluster.trace.hash(),
    stats: { leaders: cluster.checker.leaders.size, crashes: cluster.crashes, dropped: cluster.network.stats.dropped, membership: cluster.membership },
  };
}

async function drive(
  cluster: SimCluster,
  workload: Workload,
  schedule: readonly FaultAction[],
  faultPhaseMs: number,
  livenessMs: number,
): Promise<HistoryVerdict> {
  for (const action of schedule) {
    if (action.at < faultPhaseMs) cluster.loop.at(action.at, () => cluster.apply(action));
  }
  cluster.startAll();
  workload.start();
  await cluster.loop.runUntil(faultPhaseMs);
  cluster.healEverything(CALM_NETWORK);
  workload.startFinal();
  const deadline = faultPhaseMs + livenessMs;
  await cluster.loop.runUntil(deadline, () => workload.finalDone() && converged(cluster));
  if (!workload.finalDone()) {
    violation('LIVENESS', `${livenessMs} ms after faults stopped: ${workload.finalProblems().join('; ') || 'final requests unfinished'}${leaderNote(cluster)}`);
  }
  if (!converged(cluster)) violation('LIVENESS', `replicas did not converge within ${livenessMs} ms after faults stopped${leaderNote(cluster)}`);
  const problems = workload.finalProblems();
  if (problems.length > 0) violation('LIVENESS', problems.join('; '));
  const state = checkReplicasAgree(cluster);
  const history = workload.historyAtEnd();
  checkAckedWrites(history, state);
  return checkLinearizable(history);
}

function leaderNote(cluster: SimCluster): string {
  const views = cluster.known().map((n) => {
    const v = n.parts?.core.view();
    const voters = v?.config ? `/v${v.config.members.filter((m) => m.role === 'voter').map((m) => m.id.slice(1)).join('')}` : '/v-';
    return v ? `${n.id}:${v.role}/t${v.term}/c${v.commitIndex}/a${n.disk.appliedIndex}/l${v.lastIndex}${voters}` : `${n.id}:down`;
  });
  return ` [${views.join(' ')}]`;
}

function portOf(cluster: SimCluster): ConstructorParameters<typeof Workload>[2] {
  return {
    send: (node, conn, seq, request) => cluster.sendRequest(node, conn, seq, request),
    nodeAt: (address) => cluster.nodeAt(address),
    get nodeIds() {
      return cluster.clientNodeIds();
    },
  };
}

function dumpTraces(cluster: SimCluster, options: SimOptions, failure: SimFailure): string[] {
  const dir = join(options.failureTraceDir!, `seed-${options.seed}`);
  const recorders = cluster.nodes.flatMap((node) => node.recorders);
  return dumpFlightRecorders(recorders, dir, `${failure.kind} at step ${failure.step}, seed ${options.seed}`);
}

function describeFailure(err: unknown, cluster: SimCluster): SimFailure {
  const base = { step: cluster.trace.steps, timeMs: cluster.loop.now, lastEvents: cluster.trace.lastEvents() };
  if (err instanceof SimViolation) return { ...base, kind: err.kind, message: err.message, node: err.node };
  const error = err instanceof Error ? err : new Error(String(err));
  return { ...base, kind: 'NODE_CRASHED', message: `${error.name}: ${error.message}`, node: null };
}
