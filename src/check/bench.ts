/**
 * Prints how long checking generated histories takes (a benchmark, not a test):
 *   node dist/check/bench.js [operations=10000] [keys=10] [clients=10] [unknownRate=0.05]
 */
import { checkHistory } from './linearizability.js';
import { generateHistory } from './generate.js';

function main(argv: string[]): void {
  const [operations = 10_000, keys = 10, clients = 10, unknownRate = 0.05] = argv.map(Number);
  for (const seed of [1, 2, 3]) {
    const history = generateHistory({ seed, operations, keys, clients, unknownRate, failRate: 0.02 });
    const started = process.hrtime.bigint();
    const result = checkHistory(history);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const steps = result.ok === true ? result.steps : '-';
    console.log(
      `seed ${seed}: ${operations} ops, ${keys} keys, ${clients} clients, unknown ${unknownRate}: ` +
        `ok=${String(result.ok)} steps=${steps} ${ms.toFixed(1)} ms`,
    );
  }
}

main(process.argv.slice(2));
