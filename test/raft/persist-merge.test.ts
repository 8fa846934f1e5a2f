import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mergePersists } from '../../src/raft/persist-merge.js';
import type { PersistRequest } from '../../src/raft/ready.js';
import type { Entry } from '../../src/raft/types.js';

type Disk = { term: number; entries: Entry[] };

function write(disk: Disk, request: PersistRequest): Disk {
  const entries = request.truncateFrom !== undefined ? disk.entries.slice(0, request.truncateFrom - 1) : [...disk.entries];
  for (const entry of request.entries) entries[entry.index - 1] = entry;
  return { term: request.hardState?.term ?? disk.term, entries };
}

/** A request as the core makes them: optional truncation, then a contiguous run from there. */
const request = (seq: number, lastIndex: number) =>
  fc.record({ cut: fc.option(fc.integer({ min: 1, max: lastIndex + 1 }), { nil: undefined }), count: fc.nat(4), term: fc.option(fc.nat(9), { nil: undefined }), tag: fc.nat(1000) }).map(
    ({ cut, count, term, tag }): PersistRequest => {
      const from = cut ?? lastIndex + 1;
      const entries = Array.from({ length: count }, (_, i) => ({ index: from + i, term: tag, type: 1 as const, data: new Uint8Array() }));
      return { seq, entries, ...(cut !== undefined ? { truncateFrom: cut } : {}), ...(term !== undefined ? { hardState: { term, vote: null } } : {}) };
    },
  );

const base: Disk = {
  term: 0,
  entries: Array.from({ length: 5 }, (_, i) => ({ index: i + 1, term: 0, type: 1 as const, data: new Uint8Array() })),
};

/** Two consecutive requests, the second made against the log the first left. */
const consecutive = request(1, base.entries.length).chain((first) =>
  request(2, write(base, first).entries.length).map((second) => [first, second] as const),
);

describe('mergePersists (group commit)', () => {
  it('writing the merge equals writing the requests one after another', () => {
    fc.assert(
      fc.property(consecutive, ([first, second]) => {
        expect(write(base, mergePersists(first, second))).toEqual(write(write(base, first), second));
        expect(mergePersists(first, second).seq).toBe(2);
      }),
    );
  });
});
