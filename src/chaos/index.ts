/** The chaos harness: real node processes, concurrent clients, a nemesis, and the checks (docs/chaos.md). */
export { runChaos } from './run.js';
export { DEFAULT_OPTIONS, resolveOptions, type ChaosOptions } from './options.js';
export { formatSummary, type ChaosSummary } from './report.js';
export { FAULT_KINDS, planSchedule, type FaultKind, type ScheduledFault } from './schedule.js';
export { chooseMechanism, type MechanismChoice } from './net-faults.js';
export { ChaosError, type ChaosErrorCode } from './errors.js';
