/** The deterministic simulator's public API. */
export { runSimulation, type SimOptions, type SimResult, type SimFailure } from './run.js';
export { runBatch, addResult, emptySummary, mergeSummaries, type BatchOptions, type BatchSummary } from './batch.js';
export { runSimCommand, type SimCommandOptions } from './cli.js';
export { parseFaults, randomSchedule, ALL_FAULTS, type FaultAction, type FaultSet } from './faults.js';
export { loadReplay, replayOptions, type ReplaySpec } from './replay.js';
export { formatFailure, formatSummary } from './report.js';
export { SimViolation, VIOLATION_KINDS, type ViolationKind } from './violation.js';
