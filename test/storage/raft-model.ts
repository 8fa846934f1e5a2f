/**
 * The reference semantics of RaftStorage.write, as plain arrays, and a
 * fast-check arbitrary for sequences of writes that keep the storage
 * invariants (no gaps, terms and votes only move forward).
 */
import fc from 'fast-check';
import { EMPTY_HARD_STATE } from '../../src/raft/types.js';
import type { Entry, EntryType, HardState, LogPoint } from '../../src/raft/types.js';
import type { RaftWrite } from '../../src/storage/interfaces.js';

export class RaftModel {
  /** Index i + 1 at i; compacted indexes are holes. */
  log: Entry[] = [];
  logStart: LogPoint = { index: 0, term: 0 };
  hardState: HardState = EMPTY_HARD_STATE;

  write(write: RaftWrite): void {
    if (write.truncateFrom !== undefined) this.log = this.log.slice(0, write.truncateFrom - 1);
    for (const e of write.entries) this.log[e.index - 1] = e;
    if (write.compact && write.compact.index > this.logStart.index) this.logStart = write.compact;
    if (write.hardState) this.hardState = write.hardState;
  }

  /** The entries after the start. */
  retained(): Entry[] {
    return this.log.slice(this.logStart.index);
  }

  lastIndex(): number {
    return Math.max(this.log.length, this.logStart.index);
  }

  termAt(index: number): number {
    return index === this.logStart.index ? this.logStart.term : (this.log[index - 1]?.term ?? 0);
  }
}

/** One step, in terms relative to the model's state when it is applied. */
export interface WriteStep {
  /** Truncate from lastIndex + 1 - back (so -1 truncates past the end); null: no truncation. */
  readonly back: number | null;
  /** How many surviving entries the new entries overwrite without truncation. */
  readonly overlap: number;
  readonly entries: ReadonlyArray<{ termStep: number; type: EntryType; data: Uint8Array }>;
  readonly hardState: { termStep: number; vote: string | null } | null;
  /** Compact to lastIndex - back (after the step's entries), or past the end by -back (a snapshot install); null: no compaction. */
  readonly compactBack: number | null;
}

export const writeStep: fc.Arbitrary<WriteStep> = fc.record({
  back: fc.option(fc.integer({ min: -1, max: 6 })),
  overlap: fc.nat({ max: 3 }),
  entries: fc.array(
    fc.record({
      termStep: fc.nat({ max: 2 }),
      type: fc.constantFrom<EntryType>(0, 1),
      data: fc.uint8Array({ maxLength: 12 }),
    }),
    { maxLength: 5 },
  ),
  hardState: fc.option(fc.record({ termStep: fc.nat({ max: 2 }), vote: fc.option(fc.constantFrom('a', 'b', 'ü')) })),
  compactBack: fc.option(fc.integer({ min: -2, max: 4 }), { freq: 3 }),
});

/** Turns a step into a valid write against the model's current state. */
export function toWrite(model: RaftModel, step: WriteStep): RaftWrite {
  const last = model.lastIndex();
  const start = model.logStart.index;
  const truncateFrom = step.back === null ? undefined : Math.max(start + 1, last + 1 - step.back);
  const base = truncateFrom === undefined ? last : Math.min(last, truncateFrom - 1);
  const first = base + 1 - Math.min(step.overlap, base - start);
  let term = Math.max(model.hardState.term, model.termAt(first - 1));
  const entries = step.entries.map((e, i): Entry => {
    term += e.termStep;
    return { index: first + i, term, type: e.type, data: e.data };
  });
  const write = { entries, ...(truncateFrom === undefined ? {} : { truncateFrom }), ...hardStateOf(model, step) };
  return { ...write, ...compactOf(model, write, step) };
}

/** A compaction point within the log as it is after the write's entries, or past its end. */
function compactOf(model: RaftModel, write: RaftWrite, step: WriteStep): { compact?: LogPoint } {
  if (step.compactBack === null) return {};
  const after = new RaftModel();
  Object.assign(after, { log: [...model.log], logStart: model.logStart, hardState: model.hardState });
  after.write(write);
  const last = after.lastIndex();
  const index = Math.max(model.logStart.index, last - step.compactBack);
  const term = index > last ? Math.max(after.termAt(last), after.hardState.term) : after.termAt(index);
  return { compact: { index, term } };
}

function hardStateOf(model: RaftModel, step: WriteStep): { hardState?: HardState } {
  if (!step.hardState) return {};
  const prev = model.hardState;
  const term = prev.term + step.hardState.termStep;
  // Within a term a vote, once cast, stays.
  const vote = term === prev.term && prev.vote !== null ? prev.vote : step.hardState.vote;
  return { hardState: { term, vote } };
}
