/** Options of a chaos run, their defaults and bounds. */
import { ChaosError } from './errors.js';
import type { MechanismRequest } from './net-faults.js';
import { FAULT_KINDS, type FaultKind } from './schedule.js';

export interface ChaosOptions {
  /** Workload time; faults happen inside it, then the cluster is healed and checked. */
  readonly durationMs: number;
  readonly nodes: 3 | 5;
  readonly clients: number;
  readonly keys: number;
  /**
   * Target operations per second over all clients (0: as fast as they go). The
   * checker's time and memory grow faster than linearly with a key's history, so
   * long runs need a bounded rate: about 25,000 operations per key still check in
   * seconds, 50,000 take gigabytes.
   */
  readonly rate: number;
  readonly seed: number;
  readonly mechanism: MechanismRequest;
  readonly faults: readonly FaultKind[];
  /** How long one fault lasts, [min, max] ms. */
  readonly faultMs: readonly [number, number];
  /** Healthy time between faults, [min, max] ms. */
  readonly healMs: readonly [number, number];
  /** Per client request; past it the outcome is unknown. */
  readonly requestTimeoutMs: number;
  /** Limit on the linearizability check's wall-clock time; past it the verdict is "unknown". */
  readonly checkTimeoutMs: number;
  /** Where the run's files go; a fresh directory is made inside it. */
  readonly outDir: string;
  /** Keep node data directories after a passing run (they are always kept on failure). */
  readonly keepData: boolean;
  /** Progress lines; silent by default. */
  readonly log: (line: string) => void;
}

export const DEFAULT_OPTIONS: Omit<ChaosOptions, 'outDir' | 'seed'> = {
  durationMs: 60_000,
  nodes: 3,
  clients: 8,
  // The checker's search grows with the operations that overlap on one key:
  // 20 keys keep a 10-minute run (about 4,000 operations a key) decidable in seconds.
  keys: 20,
  rate: 150,
  mechanism: 'auto',
  faults: FAULT_KINDS,
  faultMs: [2_000, 6_000],
  healMs: [1_500, 4_000],
  requestTimeoutMs: 2_500,
  checkTimeoutMs: 300_000,
  keepData: false,
  log: () => {},
};

export function resolveOptions(partial: Partial<ChaosOptions> & Pick<ChaosOptions, 'outDir'>): ChaosOptions {
  const options: ChaosOptions = { ...DEFAULT_OPTIONS, seed: Math.floor(Math.random() * 2 ** 31), ...partial };
  const problems: string[] = [];
  if (!(options.durationMs >= 1_000)) problems.push(`durationMs must be >= 1000, got ${options.durationMs}`);
  if (options.nodes !== 3 && options.nodes !== 5) problems.push(`nodes must be 3 or 5, got ${String(options.nodes)}`);
  if (!(Number.isInteger(options.clients) && options.clients >= 1 && options.clients <= 100)) problems.push(`clients must be 1-100, got ${options.clients}`);
  if (!(Number.isInteger(options.keys) && options.keys >= 1 && options.keys <= 1000)) problems.push(`keys must be 1-1000, got ${options.keys}`);
  const unknown = options.faults.filter((f) => !(FAULT_KINDS as readonly string[]).includes(f));
  if (unknown.length > 0) problems.push(`unknown fault kinds ${unknown.join(', ')} (known: ${FAULT_KINDS.join(', ')})`);
  if (!(options.rate >= 0)) problems.push(`rate must be >= 0, got ${options.rate}`);
  if (!(options.requestTimeoutMs >= 100)) problems.push(`requestTimeoutMs must be >= 100, got ${options.requestTimeoutMs}`);
  if (problems.length > 0) throw new ChaosError('BAD_OPTIONS', problems.join('; '));
  return options;
}
