/** Runs a range of seeds and returns the formatted failures (empty when all pass). */
import { parseFaults } from '../../src/sim/faults.js';
import { formatFailure } from '../../src/sim/report.js';
import { runSimulation } from '../../src/sim/run.js';

export async function failuresIn(firstSeed: number, count: number, nodes: 3 | 5, faults: string): Promise<string[]> {
  const failures: string[] = [];
  for (let seed = firstSeed; seed < firstSeed + count; seed++) {
    const result = await runSimulation({ seed, nodes, faults: parseFaults(faults) });
    if (result.failure) failures.push(formatFailure(result, faults));
  }
  return failures;
}
