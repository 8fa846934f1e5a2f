/**
 * The RaftStorage contract (src/storage/interfaces.ts). Every implementation
 * runs this one suite, as every abstract-level backend runs abstract-level's.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { COMPACTED, EMPTY_HARD_STATE, type Compacted, type Entry } from '../../src/raft/types.js';
import type { NodeStorage, RaftWrite } from '../../src/storage/interfaces.js';
import { AssertionError } from '../../src/util/assert.js';
import { entries, entry, everyByte, reopenOf, showEntries, useHarnesses } from './harness.js';
import type { ContractOptions, StorageFactory } from './harness.js';
import { RaftModel, toWrite, writeStep } from './raft-model.js';

export function raftStorageContract(name: string, factory: StorageFactory, options: ContractOptions): void {
  describe(`RaftStorage contract: ${name}`, () => {
    const open = useHarnesses(factory);
    const fresh = async (): Promise<NodeStorage> => (await open()).storage;

    it('loads an empty log and the initial hard state from a new store', async () => {
      const { raft } = await fresh();
      expect(await raft.load()).toEqual({ hardState: EMPTY_HARD_STATE, logStart: { index: 0, term: 0 }, entries: [] });
      expect(await raft.entries(1, 100)).toEqual([]);
      expect(await raft.entries(0, 100)).toBe(COMPACTED);
    });

    it('appends entries and loads them back in index order', async () => {
      const { raft } = await fresh();
      await raft.write({ entries: entries(1, 3, 1) });
      await raft.write({ entries: [entry(4, 2, new Uint8Array(0), 0)] });
      const loaded = await raft.load();
      expect(showEntries(loaded.entries)).toEqual(showEntries([...entries(1, 3, 1), entry(4, 2, new Uint8Array(0), 0)]));
    });

    it('returns the entries in [lo, hi) from entries()', async () => {
      const { raft } = await fresh();
      await raft.write({ entries: entries(1, 5, 1) });
      expect(showEntries(held(await raft.entries(2, 4)))).toEqual(showEntries(entries(2, 3, 1)));
      expect(showEntries(held(await raft.entries(4, 99)))).toEqual(showEntries(entries(4, 5, 1)));
      expect(await raft.entries(3, 3)).toEqual([]);
      expect(await raft.entries(4, 2)).toEqual([]);
    });

    it('truncates and appends in one write', async () => {
      const { raft } = await fresh();
      await raft.write({ entries: entries(1, 5, 1) });
      await raft.write({ truncateFrom: 3, entries: entries(3, 4, 2) });
      const { entries: log } = await raft.load();
      expect(showEntries(log)).toEqual(showEntries([...entries(1, 2, 1), ...entries(3, 4, 2)]));
    });

    it('truncates without appending, and ignores a truncation past the end', async () => {
      const { raft } = await fresh();
      await raft.write({ entries: entries(1, 4, 1) });
      await raft.write({ truncateFrom: 9, entries: [] });
      expect((await raft.load()).entries).toHaveLength(4);
      await raft.write({ truncateFrom: 2, entries: [] });
      expect(showEntries((await raft.load()).entries)).toEqual(showEntries(entries(1, 1, 1)));
      await raft.write({ truncateFrom: 1, entries: [] });
      expect((await raft.load()).entries).toEqual([]);
    });

    it('round-trips the hard state, alone and together with entries', async () => {
      const { raft } = await fresh();
      await raft.write({ hardState: { term: 3, vote: 'node-2' }, entries: [] });
      expect((await raft.load()).hardState).toEqual({ term: 3, vote: 'node-2' });
      await raft.write({ hardState: { term: 2 ** 40, vote: null }, entries: entries(1, 1, 2 ** 40) });
      const loaded = await raft.load();
      expect(loaded.hardState).toEqual({ term: 2 ** 40, vote: null });
      expect(showEntries(loaded.entries)).toEqual(showEntries(entries(1, 1, 2 ** 40)));
    });

    it('keeps entry data with every byte value intact', async () => {
      const { raft } = await fresh();
      const data = everyByte();
      await raft.write({ entries: [entry(1, 1, data), entry(2, 1, data.slice().reverse())] });
      const [first, second] = (await raft.load()).entries;
      expect(Array.from(first!.data)).toEqual(Array.from(data));
      expect(Array.from(second!.data)).toEqual(Array.from(data).reverse());
    });

    it('applies writes in call order when they are not awaited in between', async () => {
      const { raft } = await fresh();
      const writes: RaftWrite[] = Array.from({ length: 40 }, (_, i) => ({
        hardState: { term: i + 1, vote: `n${i}` },
        // Every third write replaces the previous entry, which only works on the log as it is after the write before.
        ...(i % 3 === 2 ? { truncateFrom: i } : {}),
        entries: i % 3 === 2 ? [entry(i, i + 1), entry(i + 1, i + 1)] : [entry(i + 1, i + 1)],
      }));
      await Promise.all(writes.map((w) => raft.write(w)));
      const loaded = await raft.load();
      expect(loaded.hardState).toEqual({ term: 40, vote: 'n39' });
      expect(loaded.entries.map((e) => [e.index, e.term])).toEqual(
        Array.from({ length: 40 }, (_, i) => [i + 1, i % 3 === 1 ? i + 2 : i + 1]),
      );
    });

    it('refuses a write that would leave a gap, and stays usable', async () => {
      const { raft } = await fresh();
      await raft.write({ entries: entries(1, 2, 1) });
      await expect(raft.write({ entries: [entry(4, 1)] })).rejects.toThrow(AssertionError);
      await expect(raft.write({ truncateFrom: 2, entries: [entry(3, 1)] })).rejects.toThrow(AssertionError);
      await expect(raft.write({ entries: [entry(3, 1), entry(5, 1)] })).rejects.toThrow(AssertionError);
      await raft.write({ entries: [entry(3, 1)] });
      expect((await raft.load()).entries.map((e) => e.index)).toEqual([1, 2, 3]);
    });

    it('refuses a hard state whose term goes back or whose vote changes within a term', async () => {
      const { raft } = await fresh();
      await raft.write({ hardState: { term: 5, vote: 'a' }, entries: [] });
      await expect(raft.write({ hardState: { term: 4, vote: null }, entries: [] })).rejects.toThrow(AssertionError);
      await expect(raft.write({ hardState: { term: 5, vote: 'b' }, entries: [] })).rejects.toThrow(AssertionError);
      await raft.write({ hardState: { term: 6, vote: 'b' }, entries: [] });
      expect((await raft.load()).hardState).toEqual({ term: 6, vote: 'b' });
    });

    it('compacts a prefix: the start keeps its term, the tail stays, older indexes answer COMPACTED', async () => {
      const { raft } = await fresh();
      await raft.write({ entries: [...entries(1, 4, 1), ...entries(5, 8, 2)] });
      await raft.write({ compact: { index: 5, term: 2 }, entries: [] });
      const loaded = await raft.load();
      expect(loaded.logStart).toEqual({ index: 5, term: 2 });
      expect(showEntries(loaded.entries)).toEqual(showEntries(entries(6, 8, 2)));
      expect(await raft.entries(5, 7)).toBe(COMPACTED);
      expect(await raft.entries(1, 3)).toBe(COMPACTED);
      expect(showEntries(held(await raft.entries(6, 7)))).toEqual(showEntries(entries(6, 6, 2)));
      // Appending and truncating go on after the start.
      await raft.write({ truncateFrom: 8, entries: entries(8, 9, 3) });
      expect((await raft.load()).entries.map((e) => [e.index, e.term])).toEqual([[6, 2], [7, 2], [8, 3], [9, 3]]);
    });

    it('appends, compacts and writes the hard state in one write, compacting what it just wrote', async () => {
      const { raft } = await fresh();
      await raft.write({ entries: entries(1, 2, 1) });
      await raft.write({ entries: entries(3, 6, 1), compact: { index: 4, term: 1 }, hardState: { term: 1, vote: null } });
      const loaded = await raft.load();
      expect(loaded.logStart).toEqual({ index: 4, term: 1 });
      expect(loaded.entries.map((e) => e.index)).toEqual([5, 6]);
      expect(loaded.hardState).toEqual({ term: 1, vote: null });
    });

    it('compacts past the end (a snapshot install): the log is empty and continues after the point', async () => {
      const { raft } = await fresh();
      await raft.write({ entries: entries(1, 3, 1) });
      await raft.write({ truncateFrom: 1, compact: { index: 50, term: 4 }, entries: [] });
      expect(await raft.load()).toMatchObject({ logStart: { index: 50, term: 4 }, entries: [] });
      await expect(raft.write({ entries: [entry(52, 4)] })).rejects.toThrow(AssertionError);
      await raft.write({ entries: [entry(51, 4)] });
      expect((await raft.load()).entries.map((e) => e.index)).toEqual([51]);
    });

    it('refuses to move the start back or to write or truncate at a compacted index, and stays usable', async () => {
      const { raft } = await fresh();
      await raft.write({ entries: entries(1, 6, 1), compact: { index: 3, term: 1 } });
      await expect(raft.write({ compact: { index: 2, term: 1 }, entries: [] })).rejects.toThrow(AssertionError);
      await expect(raft.write({ truncateFrom: 3, entries: [] })).rejects.toThrow(AssertionError);
      await expect(raft.write({ truncateFrom: 4, entries: [entry(3, 1), entry(4, 1)] })).rejects.toThrow(AssertionError);
      await raft.write({ truncateFrom: 4, entries: [entry(4, 2)] });
      expect(await raft.load()).toMatchObject({ logStart: { index: 3, term: 1 } });
      expect((await raft.load()).entries.map((e) => [e.index, e.term])).toEqual([[4, 2]]);
    });

    if (options.persistent) {
      it('keeps the log start and the retained tail across close and reopen', async () => {
        const harness = await open();
        await harness.storage.raft.write({ entries: entries(1, 9, 2), compact: { index: 6, term: 2 } });
        const { raft } = await reopenOf(harness);
        const loaded = await raft.load();
        expect(loaded.logStart).toEqual({ index: 6, term: 2 });
        expect(loaded.entries.map((e) => e.index)).toEqual([7, 8, 9]);
        await expect(raft.write({ truncateFrom: 5, entries: [] })).rejects.toThrow(AssertionError);
      });

      it('keeps the log and hard state across close and reopen', async () => {
        const harness = await open();
        await harness.storage.raft.write({ hardState: { term: 2, vote: 'x' }, entries: entries(1, 3, 2) });
        await harness.storage.raft.write({ truncateFrom: 3, entries: [entry(3, 2, everyByte())] });
        const { raft } = await reopenOf(harness);
        const loaded = await raft.load();
        expect(loaded.hardState).toEqual({ term: 2, vote: 'x' });
        expect(showEntries(loaded.entries)).toEqual(showEntries([...entries(1, 2, 2), entry(3, 2, everyByte())]));
        // The reopened store checks new writes against what it found on disk.
        await expect(raft.write({ entries: [entry(5, 2)] })).rejects.toThrow(AssertionError);
      });
    }

    it('matches a model on random sequences of writes', async () => {
      const property = fc.asyncProperty(
        fc.array(fc.tuple(writeStep, fc.boolean()), { maxLength: 12 }),
        async (steps) => {
          const harness = await factory();
          try {
            const model = new RaftModel();
            await runSteps(harness.storage, model, steps);
            await expectMatches(harness.storage, model);
            if (options.persistent) await expectMatches(await reopenOf(harness), model);
          } finally {
            await harness.cleanup();
          }
        },
      );
      await fc.assert(property, { numRuns: 40 });
    });
  });
}

/** Applies each step to the model and the store; a `true` flag lets the next write start before this one ends. */
async function runSteps(
  storage: NodeStorage,
  model: RaftModel,
  steps: ReadonlyArray<readonly [Parameters<typeof toWrite>[1], boolean]>,
): Promise<void> {
  const pending: Promise<void>[] = [];
  for (const [step, pipelined] of steps) {
    const write = toWrite(model, step);
    model.write(write);
    const done = storage.raft.write(write);
    pending.push(done);
    if (!pipelined) await done;
  }
  await Promise.all(pending);
}

async function expectMatches(storage: NodeStorage, model: RaftModel): Promise<void> {
  const loaded = await storage.raft.load();
  expect(loaded.hardState).toEqual(model.hardState);
  expect(loaded.logStart).toEqual(model.logStart);
  expect(showEntries(loaded.entries)).toEqual(showEntries(model.retained()));
  const lo = model.logStart.index + 1;
  expect(showEntries(held(await storage.raft.entries(lo, lo + 3)))).toEqual(showEntries(model.log.slice(lo - 1, lo + 2)));
  if (model.logStart.index > 0) expect(await storage.raft.entries(model.logStart.index, lo + 3)).toBe(COMPACTED);
}

function held(list: Entry[] | Compacted): Entry[] {
  expect(list).not.toBe(COMPACTED);
  return list as Entry[];
}
