/**
 * The replay format: everything that decides a run, as JSON. A failing run
 * prints one; `raftkv sim --replay <file-or-json>` runs it again, event for
 * event.
 *
 *   { "seed": 42, "nodes": 3, "faults": "all", "schedule": [ { "at": 310, "type": "crash", "node": "leader" }, ... ] }
 *
 * Without "schedule" the seed's own random schedule is used.
 */
import { readFileSync } from 'node:fs';
import { parseFaults, validateSchedule, type FaultAction } from './faults.js';
import type { SimOptions, SimResult } from './run.js';

export interface ReplaySpec {
  readonly seed: number;
  readonly nodes: 3 | 5;
  readonly faults: string;
  readonly schedule?: readonly FaultAction[];
}

export class ReplayError extends Error {
  override readonly name = 'ReplayError';
  readonly code = 'SIM_BAD_REPLAY';
}

export function replayOf(result: SimResult, faults: string): ReplaySpec {
  return { seed: result.seed, nodes: result.nodes, faults, schedule: result.schedule };
}

/** Reads a replay spec from inline JSON (starts with "{") or from a file. */
export function loadReplay(source: string): ReplaySpec {
  let text = source.trim();
  if (!text.startsWith('{')) {
    try {
      text = readFileSync(source, 'utf8');
    } catch (err) {
      throw new ReplayError(`cannot read replay file ${source}: ${(err as Error).message}`);
    }
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new ReplayError(`replay is not valid JSON: ${(err as Error).message}`);
  }
  return validateReplay(data);
}

function validateReplay(data: unknown): ReplaySpec {
  if (typeof data !== 'object' || data === null) throw new ReplayError('replay must be a JSON object');
  const d = data as Record<string, unknown>;
  if (!Number.isSafeInteger(d.seed)) throw new ReplayError('replay "seed" must be an integer');
  const nodes = d.nodes ?? 3;
  if (nodes !== 3 && nodes !== 5) throw new ReplayError('replay "nodes" must be 3 or 5');
  const faults = typeof d.faults === 'string' ? d.faults : 'all';
  parseFaults(faults);
  if (d.schedule !== undefined) {
    if (!Array.isArray(d.schedule)) throw new ReplayError('replay "schedule" must be an array');
    const problems = validateSchedule(d.schedule as FaultAction[], nodes);
    if (problems.length > 0) throw new ReplayError(`bad schedule: ${problems.join('; ')}`);
  }
  return { seed: d.seed as number, nodes, faults, ...(d.schedule ? { schedule: d.schedule as FaultAction[] } : {}) };
}

export function replayOptions(spec: ReplaySpec, hashEvents = false): SimOptions {
  return {
    seed: spec.seed,
    nodes: spec.nodes,
    faults: parseFaults(spec.faults),
    ...(spec.schedule ? { schedule: spec.schedule } : {}),
    hashEvents,
  };
}
