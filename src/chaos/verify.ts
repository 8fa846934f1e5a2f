/**
 * The checks after the faults: heal everything, wait for the cluster to converge,
 * read every key once more through the leader (recorded in the history, so the
 * checker also judges the final values), stop the nodes, read each one's LevelDB, and
 * check the history for linearizability and the stored values for lost writes.
 */
import type { Operation } from '../check/history.js';
import { checkHistory, type CheckResult } from '../check/linearizability.js';
import { parseMembers } from '../cli/member.js';
import { RespConnection } from '../client/connection.js';
import type { ChaosCluster } from './cluster.js';
import { checkFinalState, type FinalStateReport } from './final-check.js';
import type { NetFaults } from './net-faults.js';
import { classifyError, classifyReply, type Outcome } from './outcome.js';
import { clientAddress } from './plan.js';
import type { HistoryRecorder } from './recorder.js';
import { sleep } from './wait.js';

const CONVERGE_TIMEOUT_MS = 90_000;
const FINAL_READ_ATTEMPTS = 20;

export interface Verification {
  readonly check: CheckResult;
  readonly checkMs: number;
  readonly finalState: FinalStateReport;
  readonly convergedAtIndex: number;
  readonly history: Operation[];
  /** The members checked at the end (the run's final membership). */
  readonly members: readonly string[];
}

export async function healAndConverge(cluster: ChaosCluster, net: NetFaults): Promise<number> {
  await net.apply([]);
  cluster.reviveAll();
  return (await cluster.waitForQuiescence(CONVERGE_TIMEOUT_MS)).index;
}

/** One linearizable GET per key, by a client id no workload client uses; retried (each try recorded) until ok. */
export async function finalReads(cluster: ChaosCluster, recorder: HistoryRecorder, keys: readonly string[], client: number, timeoutMs: number): Promise<void> {
  for (const key of keys) {
    for (let attempt = 0; attempt < FINAL_READ_ATTEMPTS; attempt++) {
      const leader = (await cluster.leader()) ?? cluster.ids[0]!;
      const op = recorder.invoke({ client, key, kind: 'read' });
      const outcome = await readOnce(clientAddress(cluster.node(leader).plan), key, timeoutMs);
      recorder.complete(op, outcome);
      if (outcome.status === 'ok') break;
      await sleep(200);
    }
  }
}

/**
 * Every member's own view of the configuration (CLUSTER MEMBER LIST is answered by
 * the node asked) must be the final membership: the same ids, every one a voter.
 * Asked after quiescence, so a node still applying the last change is a problem.
 */
export async function checkMembership(cluster: ChaosCluster, timeoutMs: number): Promise<string[]> {
  const expected = [...cluster.ids].sort().join(' ');
  const problems: string[] = [];
  for (const id of cluster.ids) {
    let view: string;
    try {
      const connection = await RespConnection.connect(clientAddress(cluster.node(id).plan), { connectTimeoutMs: timeoutMs, requestTimeoutMs: timeoutMs });
      try {
        const rows = parseMembers(await connection.send(['CLUSTER', 'MEMBER', 'LIST']));
        view = rows.map((r) => (r.role === 'voter' ? r.id : `${r.id}(${r.role})`)).sort().join(' ');
      } finally {
        connection.destroy();
      }
    } catch (error) {
      view = `no answer (${error instanceof Error ? error.message : String(error)})`;
    }
    if (view !== expected) problems.push(`${id}'s members are ${view}, expected the voters ${expected}`);
  }
  return problems;
}

async function readOnce(address: string, key: string, timeoutMs: number): Promise<Outcome> {
  let connection: RespConnection;
  try {
    connection = await RespConnection.connect(address, { connectTimeoutMs: timeoutMs, requestTimeoutMs: timeoutMs });
  } catch (error) {
    return classifyError(error, false);
  }
  try {
    return classifyReply('read', await connection.send(['GET', key]));
  } catch (error) {
    return classifyError(error, true);
  } finally {
    connection.destroy();
  }
}

/**
 * Stops every node, reads each member's data directory (removed members are not
 * checked: they left with whatever they had), and checks history, stored values and
 * `memberProblems` (from checkMembership, asked while the nodes ran).
 */
export async function verify(
  cluster: ChaosCluster,
  recorder: HistoryRecorder,
  keys: readonly string[],
  convergedAtIndex: number,
  checkTimeoutMs: number,
  memberProblems: readonly string[] = [],
): Promise<Verification> {
  await cluster.stopAll();
  const dumps = new Map<string, Map<string, string>>();
  for (const id of cluster.ids) dumps.set(id, await cluster.dump(id));
  const history = recorder.history();
  const started = performance.now();
  const check = checkHistory(history, { timeoutMs: checkTimeoutMs });
  const checkMs = Math.round(performance.now() - started);
  const state = checkFinalState(history, keys, dumps);
  const finalState = memberProblems.length === 0 ? state : { ...state, ok: false, problems: [...state.problems, ...memberProblems] };
  return { check, checkMs, finalState, convergedAtIndex, history, members: cluster.ids };
}
