/**
 * fast-check drives fault schedules: each run draws a seed and a schedule of
 * timed fault actions; a failing run is shrunk (fewer actions, earlier times,
 * smaller numbers) to a small schedule that still fails, and printed as a
 * replay spec. Imported lazily: fast-check is a development dependency.
 */
import fc from 'fast-check';
import { SPARE_NODES, type FaultAction, type FaultSet } from './faults.js';
import { replayOf, type ReplaySpec } from './replay.js';
import { runSimulation, type SimOptions, type SimResult } from './run.js';

export function actionArbitrary(nodes: number, faults: FaultSet, horizonMs: number): fc.Arbitrary<FaultAction> {
  const at = fc.integer({ min: 0, max: horizonMs - 1 });
  const node = fc.integer({ min: 0, max: nodes - 1 });
  const target = fc.oneof(node, fc.constant('leader' as const));
  const choices: Array<fc.Arbitrary<FaultAction>> = [];
  if (faults.net) {
    choices.push(
      fc.record({ at, type: fc.constant('isolate' as const), node: target }),
      fc.record({ at, type: fc.constant('heal' as const) }),
      fc.record({ at, type: fc.constant('pause' as const), node: target, ms: fc.integer({ min: 1, max: 2_000 }) }),
      fc.record({ at, type: fc.constant('oneway' as const), from: node, to: node }),
      fc.record({ at, type: fc.constant('partition' as const), groups: fc.shuffledSubarray(range(nodes), { minLength: 1, maxLength: nodes - 1 }).map((a) => [a, range(nodes).filter((i) => !a.includes(i))]) }),
      fc.record({ at, type: fc.constant('network' as const), loss: fc.double({ min: 0, max: 0.3, noNaN: true }), duplicate: fc.double({ min: 0, max: 0.2, noNaN: true }), reorder: fc.double({ min: 0, max: 0.3, noNaN: true }) }),
    );
  }
  if (faults.crash) {
    choices.push(
      fc.record({ at, type: fc.constant('crash' as const), node: target }),
      fc.record({ at, type: fc.constant('restart' as const), node: fc.oneof(node, fc.constant('all' as const)) }),
      fc.record({ at, type: fc.constant('trapLeader' as const), then: fc.constantFrom('crash' as const, 'isolate' as const), delayMs: fc.integer({ min: 0, max: 50 }) }),
    );
  }
  if (faults.disk) choices.push(fc.record({ at, type: fc.constant('diskFail' as const), node, probability: fc.double({ min: 0, max: 1, noNaN: true }) }));
  // Membership changes go with every fault class, as in the seeded schedules.
  const spare = fc.integer({ min: nodes, max: nodes + SPARE_NODES - 1 });
  const anyNode = fc.integer({ min: 0, max: nodes + SPARE_NODES - 1 });
  choices.push(
    fc.record({ at, type: fc.constant('addLearner' as const), node: spare }),
    fc.record({ at, type: fc.constant('promote' as const), node: anyNode }),
    fc.record({ at, type: fc.constant('removeMember' as const), node: fc.oneof(anyNode, fc.constant('leader' as const)) }),
  );
  return fc.oneof(...choices);
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

export function scheduleArbitrary(nodes: number, faults: FaultSet, horizonMs: number, maxActions = 24): fc.Arbitrary<FaultAction[]> {
  return fc.array(actionArbitrary(nodes, faults, horizonMs), { maxLength: maxActions }).map((list) => [...list].sort((a, b) => a.at - b.at));
}

export interface ExploreOptions {
  readonly nodes: 3 | 5;
  readonly faults: FaultSet;
  readonly faultsSpec: string;
  readonly runs: number;
  /** fast-check's own seed: the same value explores the same cases. */
  readonly fcSeed?: number;
  /** Passed to every run (tests use `inject`). */
  readonly extra?: Partial<SimOptions>;
}

export interface ExploreResult {
  readonly runs: number;
  /** The shrunk failing run, if any. */
  readonly failure: SimResult | null;
  readonly replay: ReplaySpec | null;
  readonly shrinks: number;
}

export async function exploreSchedules(options: ExploreOptions): Promise<ExploreResult> {
  const horizonMs = options.extra?.faultPhaseMs ?? 5_000;
  let last: SimResult | null = null;
  const property = fc.asyncProperty(
    fc.integer({ min: 1, max: 0x7fffffff }),
    scheduleArbitrary(options.nodes, options.faults, horizonMs),
    async (seed, schedule) => {
      const result = await runSimulation({ seed, nodes: options.nodes, faults: options.faults, schedule, ...options.extra });
      if (result.failure) last = result;
      return result.failure === null;
    },
  );
  const details = await fc.check(property, { numRuns: options.runs, ...(options.fcSeed !== undefined ? { seed: options.fcSeed } : {}) });
  if (!details.failed || !details.counterexample) return { runs: details.numRuns, failure: null, replay: null, shrinks: 0 };
  // Run the shrunk counterexample once more so the reported result is exactly the replayable one.
  const [seed, schedule] = details.counterexample;
  const final = await runSimulation({ seed, nodes: options.nodes, faults: options.faults, schedule, ...options.extra });
  const failure = final.failure ? final : last;
  return { runs: details.numRuns, failure, replay: failure ? replayOf(failure, options.faultsSpec) : null, shrinks: details.numShrinks };
}
