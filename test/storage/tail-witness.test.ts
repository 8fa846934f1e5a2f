/**
 * The tail witness (src/storage/tail-witness.ts): a lost tail of the log or
 * an older hard state is refused at load, naming the witness file and the
 * index; every claim the witness is asked to make holds whether or not the
 * write in flight lands (so a crash is never mistaken for damage); a torn
 * slot falls back to the other; and the storage format's upgrade and the
 * scan of LevelDB's info log for skipped write-ahead log records.
 */
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { ClassicLevel } from 'classic-level';
import { MemoryLevel } from 'memory-level';
import { Packr } from 'msgpackr';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { META_FORMAT, META_HARD_STATE, META_LOG_START, META_SNAPSHOT, encodeFormat, encodeLogKey } from '../../src/storage/codec.js';
import type { NodeStorage, RaftState } from '../../src/storage/interfaces.js';
import { createLevelStorage } from '../../src/storage/level-storage.js';
import { openDiskStorage } from '../../src/storage/open.js';
import { TAIL_WITNESS_FILE, TailWitness, type TailClaim } from '../../src/storage/tail-witness.js';
import { entries, showEntries, storageFailure, utf8 } from './harness.js';
import { RaftModel, toWrite, writeStep } from './raft-model.js';

const BYTES = { keyEncoding: 'view', valueEncoding: 'view' } as const;
const packr = new Packr({ useRecords: false });

const dirs: string[] = [];
const opened: NodeStorage[] = [];
async function newDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'raftkv-witness-'));
  dirs.push(dir);
  return dir;
}
async function openDisk(dir: string): Promise<NodeStorage> {
  const storage = await openDiskStorage(dir);
  opened.push(storage);
  return storage;
}
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close().catch(() => undefined)));
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/** Changes the raw database under a closed store, bypassing the storage layer and the witness. */
async function tamper(dir: string, change: (db: ClassicLevel<Uint8Array, Uint8Array>) => Promise<void>): Promise<void> {
  const raw = new ClassicLevel<Uint8Array, Uint8Array>(path.join(dir, 'db'), BYTES);
  await raw.open();
  await change(raw);
  await raw.close();
}
const sub = (db: ClassicLevel<Uint8Array, Uint8Array>, name: string) => db.sublevel<Uint8Array, Uint8Array>(name, BYTES);

async function recordedClaim(dir: string): Promise<TailClaim> {
  const witness = await TailWitness.open(dir, { create: false });
  await witness.close();
  return witness.claim();
}

describe('tail witness on disk', () => {
  it('catches up with the durable tip; a graceful close waits for it', async () => {
    const dir = await newDir();
    const storage = await openDiskStorage(dir);
    await storage.raft.write({ hardState: { term: 2, vote: 'n1' }, entries: entries(1, 10, 2) });
    await storage.raft.write({ entries: entries(11, 12, 2) });
    await storage.close();
    expect(await recordedClaim(dir)).toEqual({ term: 2, vote: 'n1', lastIndex: 12, lastTerm: 2 });
    // Readable by an operator: two slots of JSON, padding and a CRC.
    const text = await readFile(path.join(dir, TAIL_WITNESS_FILE), 'utf8');
    expect(text).toContain('"lastIndex":12');
    expect(text.length).toBe(1024);
  });

  it('refuses a log that lost its tail, naming the witness file and both indexes', async () => {
    const dir = await newDir();
    const storage = await openDiskStorage(dir);
    await storage.raft.write({ hardState: { term: 3, vote: 'n2' }, entries: entries(1, 840, 3) });
    await storage.close();
    // What a write-ahead log cut at a record boundary leaves: a consistent, shorter log.
    await tamper(dir, async (db) => {
      for (let i = 813; i <= 840; i++) await sub(db, 'log').del(encodeLogKey(i));
    });
    const reopened = await openDisk(dir);
    const err = await storageFailure(reopened.raft.load(), 'STORAGE_CORRUPT');
    expect(err.message).toContain(`data directory ${dir} has lost part of what it had persisted: the log ends at 812 but ${path.join(dir, TAIL_WITNESS_FILE)} records index 840 as persisted`);
    expect(err.message).toContain('wiping its data directory and rejoining');
  });

  it('refuses a hard state older than the witness: an earlier term, or another vote in its term', async () => {
    const dir = await newDir();
    const storage = await openDiskStorage(dir);
    await storage.raft.write({ hardState: { term: 5, vote: 'n1' }, entries: entries(1, 2, 5) });
    await storage.close();
    const { encodeHardState } = await import('../../src/storage/codec.js');
    await tamper(dir, (db) => sub(db, 'meta').put(META_HARD_STATE, encodeHardState({ term: 4, vote: 'n1' })));
    let reopened = await openDisk(dir);
    expect((await storageFailure(reopened.raft.load(), 'STORAGE_CORRUPT')).message).toContain('the hard state has term 4 but');
    await reopened.close();
    await tamper(dir, (db) => sub(db, 'meta').put(META_HARD_STATE, encodeHardState({ term: 5, vote: null })));
    reopened = await openDisk(dir);
    expect((await storageFailure(reopened.raft.load(), 'STORAGE_CORRUPT')).message).toContain(`the hard state's vote in term 5 is none but`);
  });

  it('refuses another term at the claimed index', async () => {
    const dir = await newDir();
    const storage = await openDiskStorage(dir);
    await storage.raft.write({ hardState: { term: 2, vote: null }, entries: entries(1, 4, 2) });
    await storage.close();
    const { encodeEntry } = await import('../../src/storage/codec.js');
    await tamper(dir, (db) => sub(db, 'log').put(encodeLogKey(4), encodeEntry(entries(4, 4, 1)[0]!)));
    const reopened = await openDisk(dir);
    expect((await storageFailure(reopened.raft.load(), 'STORAGE_CORRUPT')).message).toContain('the log holds term 1 at index 4 but');
  });

  it('a truncation is claimed before it lands: the witness then follows the shorter log', async () => {
    const dir = await newDir();
    const storage = await openDiskStorage(dir);
    await storage.raft.write({ hardState: { term: 1, vote: null }, entries: entries(1, 10, 1) });
    await storage.raft.write({ hardState: { term: 2, vote: null }, truncateFrom: 6, entries: entries(6, 7, 2) });
    await storage.close();
    expect(await recordedClaim(dir)).toEqual({ term: 2, vote: null, lastIndex: 7, lastTerm: 2 });
    const reopened = await openDisk(dir);
    expect(showEntries((await reopened.raft.load()).entries)).toEqual(showEntries([...entries(1, 5, 1), ...entries(6, 7, 2)]));
  });

  it('a missing witness on a directory of the current format is STORAGE_CORRUPT naming the file', async () => {
    const dir = await newDir();
    const storage = await openDiskStorage(dir);
    await storage.raft.write({ entries: entries(1, 3, 1) });
    await storage.close();
    await rm(path.join(dir, TAIL_WITNESS_FILE));
    const err = await storageFailure(openDiskStorage(dir), 'STORAGE_CORRUPT');
    expect(err.message).toContain(`${path.join(dir, TAIL_WITNESS_FILE)} is missing`);
  });

  it('a torn slot falls back to the other; both torn is STORAGE_CORRUPT naming the file', async () => {
    const dir = await newDir();
    const storage = await openDiskStorage(dir);
    await storage.raft.write({ hardState: { term: 1, vote: null }, entries: entries(1, 3, 1) });
    await storage.close();
    const file = path.join(dir, TAIL_WITNESS_FILE);
    const bytes = await readFile(file);
    const newest = (await recordedClaim(dir)).lastIndex;
    expect(newest).toBe(3);
    // Tear whichever slot holds the newest claim: the older one is still a safe claim.
    const slotOf = bytes.subarray(0, 512).toString().includes('"lastIndex":3') ? 0 : 1;
    bytes[slotOf * 512 + 5]! ^= 0xff;
    await writeFile(file, bytes);
    expect((await recordedClaim(dir)).lastIndex).toBeLessThan(3);
    const reopened = await openDisk(dir);
    expect((await reopened.raft.load()).entries).toHaveLength(3);
    await reopened.close();
    bytes[(1 - slotOf) * 512 + 5]! ^= 0xff;
    await writeFile(file, bytes);
    expect((await storageFailure(openDiskStorage(dir), 'STORAGE_CORRUPT')).message).toContain(`${file} is damaged: neither of its two records passes its checksum`);
  });
});

describe('catching up on an interval', () => {
  it('writes at most once per interval, keeps only the latest claim waiting, and a close writes it', async () => {
    const dir = await newDir();
    const witness = await TailWitness.open(dir, { create: true, intervalMs: 60_000 });
    const claim = (lastIndex: number): TailClaim => ({ term: 1, vote: 'n1', lastIndex, lastTerm: 1 });
    witness.advance(claim(1)); // the first write starts at once
    witness.advance(claim(2)); // these wait for the interval, each replacing the last
    witness.advance(claim(3));
    const reader = async () => {
      const copy = await newDir();
      await writeFile(path.join(copy, TAIL_WITNESS_FILE), await readFile(path.join(dir, TAIL_WITNESS_FILE)));
      return recordedClaim(copy);
    };
    await waitForClaim(reader, 1);
    expect((await reader()).lastIndex).toBe(1);
    await witness.close();
    expect((await recordedClaim(dir)).lastIndex).toBe(3);
  });

  async function waitForClaim(read: () => Promise<TailClaim>, lastIndex: number): Promise<void> {
    const { pollUntil } = await import('../../src/util/poll.js');
    await pollUntil(async () => (await read()).lastIndex === lastIndex, { timeoutMs: 5_000, intervalMs: 10, what: `the witness to claim ${lastIndex}` });
  }
});

describe('what the witness is asked to claim', () => {
  const stateOf = (model: RaftModel): RaftState => ({ hardState: model.hardState, logStart: model.logStart, entries: model.retained() });

  it('holds whether or not the write in flight lands: each claim fits the state before and after its write', async () => {
    const property = fc.asyncProperty(fc.array(writeStep, { maxLength: 14 }), async (steps) => {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'raftkv-claims-'));
      const witness = await TailWitness.open(dir, { create: true, intervalMs: 0 });
      const claims: Array<{ kind: 'record' | 'advance'; claim: TailClaim }> = [];
      const record = witness.record.bind(witness);
      const advance = witness.advance.bind(witness);
      vi.spyOn(witness, 'record').mockImplementation((claim) => {
        claims.push({ kind: 'record', claim });
        return record(claim);
      });
      vi.spyOn(witness, 'advance').mockImplementation((claim) => {
        claims.push({ kind: 'advance', claim });
        advance(claim);
      });
      const storage = await createLevelStorage(new MemoryLevel(BYTES), { openWitness: async () => witness });
      try {
        const model = new RaftModel();
        for (const step of steps) {
          const before = stateOf(model);
          const write = toWrite(model, step);
          model.write(write);
          const after = stateOf(model);
          claims.length = 0;
          await storage.raft.write(write);
          // A claim made before the batch must hold with or without it; a catch-up after it, with it
          // (and with every later append, which only extends it; a later cut records first).
          for (const { kind, claim } of claims) {
            if (kind === 'record') checkAgainst(claim, before, 'before');
            checkAgainst(claim, after, 'after');
          }
          expect(claims.filter((c) => c.kind === 'advance')).toHaveLength(1);
        }
        expect(showEntries((await storage.raft.load()).entries)).toEqual(showEntries(model.retained()));
      } finally {
        await storage.close();
        await rm(dir, { recursive: true, force: true });
      }
    });
    await fc.assert(property, { numRuns: 60 });

    function checkAgainst(claim: TailClaim, state: RaftState, when: string): void {
      const probe = Object.create(TailWitness.prototype) as TailWitness;
      Object.assign(probe, { file: 'witness', target: claim });
      expect(() => probe.check(state, when), JSON.stringify({ claim, when })).not.toThrow();
    }
  });
});

describe('storage format', () => {
  it('upgrades a format 1 directory (no checksums, no witness) in place, once', async () => {
    const dir = await newDir();
    const raw = new ClassicLevel<Uint8Array, Uint8Array>(path.join(dir, 'db'), BYTES);
    await raw.open();
    for (const e of entries(3, 6, 2)) await sub(raw, 'log').put(encodeLogKey(e.index), packr.pack([e.term, e.type, e.data]));
    await sub(raw, 'meta').put(META_HARD_STATE, packr.pack([2, 'n3']));
    await sub(raw, 'meta').put(META_LOG_START, packr.pack([2, 1]));
    await sub(raw, 'meta').put(META_SNAPSHOT, packr.pack([2, 1, ['n1', 'n2', 'n3']]));
    await sub(raw, 'kv').put(utf8('k'), utf8('v'));
    await raw.close();

    const storage = await openDisk(dir);
    const state = await storage.raft.load();
    expect(state.hardState).toEqual({ term: 2, vote: 'n3' });
    expect(state.logStart).toEqual({ index: 2, term: 1 });
    expect(showEntries(state.entries)).toEqual(showEntries(entries(3, 6, 2)));
    expect(await storage.kv.loadSnapshot()).toEqual({ index: 2, term: 1, voters: ['n1', 'n2', 'n3'] });
    expect(await readdir(dir)).toContain(TAIL_WITNESS_FILE);
    await storage.raft.write({ entries: entries(7, 7, 2) });
    await storage.close();
    expect(await recordedClaim(dir)).toEqual({ term: 2, vote: 'n3', lastIndex: 7, lastTerm: 2 });
    const again = await openDisk(dir);
    expect((await again.raft.load()).entries).toHaveLength(5);
  });

  it('refuses a format it does not know', async () => {
    const dir = await newDir();
    const storage = await openDiskStorage(dir);
    await storage.close();
    await tamper(dir, (db) => sub(db, 'meta').put(META_FORMAT, encodeFormat(3)));
    const err = await storageFailure(openDiskStorage(dir), 'STORAGE_OPEN_FAILED');
    expect(err.message).toContain('holds storage format 3, which this raftkv does not read (it reads format 2)');
  });
});

describe("LevelDB's skipped write-ahead log records", () => {
  it('refuse to start, naming the log file LevelDB dropped bytes of', async () => {
    const dir = await newDir();
    const storage = await openDiskStorage(dir);
    for (let i = 0; i < 20; i++) await storage.raft.write({ entries: entries(i + 1, i + 1, 1) });
    await storage.close();
    const wal = (await readdir(path.join(dir, 'db'))).find((f) => f.endsWith('.log'))!;
    const file = path.join(dir, 'db', wal);
    const bytes = await readFile(file);
    bytes[Math.floor(bytes.length / 2)]! ^= 0xff;
    await writeFile(file, bytes);
    const err = await storageFailure(openDiskStorage(dir), 'STORAGE_CORRUPT');
    expect(err.message).toContain('LevelDB skipped damaged write-ahead log records');
    expect(err.message).toContain(`${wal}: dropping`);
  });
});
