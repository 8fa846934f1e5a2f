/**
 * The checks after the faults: heal everything, wait for the cluster to converge,
 * read every key once more through the leader (recorded in the history, so the
 * checker also judges the final values), stop the nodes, read each one's LevelDB, and
 * check the history for linearizability and the stored values for lost writes.
 */
import type { Operation } from '../check/history.js';
import { checkHistory, type CheckResult } from '../check/linearizability.js';
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

/** Stops every node, reads its data directory, and checks history and stored values. */
export async function verify(cluster: ChaosCluster, recorder: HistoryRecorder, keys: readonly string[], convergedAtIndex: number, checkTimeoutMs: number): Promise<Verification> {
  await cluster.stopAll();
  const dumps = new Map<string, Map<string, string>>();
  for (const id of cluster.ids) dumps.set(id, await cluster.dump(id));
  const history = recorder.history();
  const started = performance.now();
  const check = checkHistory(history, { timeoutMs: checkTimeoutMs });
  const checkMs = Math.round(performance.now() - started);
  return { check, checkMs, finalState: checkFinalState(history, keys, dumps), convergedAtIndex, history };
}
