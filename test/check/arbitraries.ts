/** fast-check generators of small histories for the differential tests. */
import fc from 'fast-check';
import type { Operation } from '../../src/check/history.js';
import { generateHistory } from '../../src/check/generate.js';

const values = ['a', 'b', 'c'] as const;

/** Arbitrary histories, mostly not linearizable: random intervals, kinds and outcomes. */
export function randomHistory(opsMax = 7): fc.Arbitrary<Operation[]> {
  const op = fc.record({
    kind: fc.constantFrom('read', 'read', 'write', 'write', 'cas', 'delete' as const),
    key: fc.constantFrom('x', 'x', 'y'),
    call: fc.integer({ min: 0, max: 10 }),
    length: fc.integer({ min: 0, max: 6 }),
    value: fc.constantFrom(...values),
    output: fc.constantFrom<string | null>(...values, null),
    expected: fc.constantFrom(...values),
    swapped: fc.boolean(),
    status: fc.constantFrom('ok', 'ok', 'ok', 'unknown', 'fail' as const),
  });
  return fc.array(op, { minLength: 1, maxLength: opsMax }).map((records) =>
    records.map((r, id): Operation => {
      const base: Operation = { id, client: id, key: r.key, kind: r.kind, status: r.status, call: r.call, return: r.status === 'unknown' ? null : r.call + r.length };
      if (r.kind === 'write') base.value = r.value;
      if (r.kind === 'cas') Object.assign(base, { value: r.value, expected: r.expected });
      if (r.status === 'ok' && r.kind === 'read') base.output = r.output;
      if (r.status === 'ok' && r.kind === 'cas') base.swapped = r.swapped;
      return base;
    }),
  );
}

/** Histories from an actual execution (linearizable by construction). */
export function executedHistory(opsMax = 7): fc.Arbitrary<Operation[]> {
  return fc
    .record({
      seed: fc.integer(),
      operations: fc.integer({ min: 1, max: opsMax }),
      keys: fc.integer({ min: 1, max: 2 }),
      clients: fc.integer({ min: 1, max: 4 }),
      unknownRate: fc.constantFrom(0, 0.2, 0.4),
    })
    .map((o) => generateHistory({ ...o, failRate: 0.1 }));
}

/** An executed history with one outcome altered: sometimes still linearizable, often not. */
export function corruptedHistory(opsMax = 7): fc.Arbitrary<Operation[]> {
  return fc.tuple(executedHistory(opsMax), fc.nat(), fc.constantFrom<string | null>('a', null, 'v0', 'v1', 'v2')).map(([history, at, output]) =>
    history.map((op, i) => {
      if (i !== at % history.length || op.status !== 'ok') return op;
      if (op.kind === 'read') return { ...op, output: op.output === output ? 'other' : output };
      if (op.kind === 'cas') return { ...op, swapped: op.swapped !== true };
      return { ...op, status: 'fail' as const };
    }),
  );
}
