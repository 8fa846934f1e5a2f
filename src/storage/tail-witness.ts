/**
 * The tail witness: a small file in the data directory, outside LevelDB,
 * that records how far the Raft log and hard state are known to be durable.
 * Everything else lives in one LevelDB whose write-ahead log, cut at a record
 * boundary, loses a consistent suffix that nothing inside LevelDB can notice
 * (the node would come back without acknowledged entries, or with an older
 * vote, and could even win an election with the hole). At start the log and
 * hard state must reach what the witness claims, or the node refuses to
 * start (STORAGE_CORRUPT naming the file and the index).
 *
 * A claim is only ever a state that is durable in LevelDB whether or not the
 * write in flight lands, so a crash at any moment leaves the witness at or
 * behind LevelDB and an ordinary crash is never mistaken for damage:
 *
 * - after a write lands, the witness may catch up to it (advance()); a write
 *   that only appends never makes an older claim wrong, so it does not wait
 *   for the witness at all;
 * - a write that cuts the log back (a follower's truncation, a snapshot
 *   install) first waits for the witness to claim only the part both states
 *   share (record()), then writes LevelDB.
 *
 * Catching up is one pwrite, started at most every WITNESS_INTERVAL_MS and
 * never two at once (later claims replace a waiting one), and an fdatasync
 * at most every SYNC_INTERVAL_MS. A process crash keeps what was written
 * (the page cache survives it), so after kill -9 the witness covers all but
 * the last interval; after a power loss, all but what the kernel had not yet
 * written back (at most the last sync interval once the kernel flushes,
 * which Linux does within 30 s by default). A graceful close writes and
 * syncs the last claim.
 *
 * The file holds two fixed-size slots written alternately, each a line of
 * JSON, padding and its CRC32; a torn write damages one slot, and the other
 * still holds the previous claim. Slots are rewritten in place (no rename),
 * so each update is one pwrite and one fdatasync.
 */
import { open, readFile, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { crc32 } from 'node:zlib';
import type { HardState, LogIndex, Term } from '../raft/types.js';
import { assert } from '../util/assert.js';
import { writeFileDurably } from '../util/durable-file.js';
import { StorageError, messageOf } from './errors.js';
import type { RaftState } from './interfaces.js';

export const TAIL_WITNESS_FILE = 'raftkv-tail';

/** What the witness says is durable: the hard state, and the log up to (lastIndex, lastTerm). */
export interface TailClaim {
  readonly term: Term;
  readonly vote: string | null;
  readonly lastIndex: LogIndex;
  readonly lastTerm: Term;
}

export const ORIGIN_CLAIM: TailClaim = { term: 0, vote: null, lastIndex: 0, lastTerm: 0 };

/**
 * How often, at most, the witness catches up (one pwrite), and how often a
 * catch-up also syncs (fdatasync). Syncing after every persistence cycle cost
 * about half again the CPU of the cycle; ten syncs a second, or a pwrite
 * every 10 ms, still cut one client's write rate by about a third on a shared
 * virtual disk; at these intervals the difference was within noise
 * (docs/security.md).
 */
export const WITNESS_INTERVAL_MS = 100;
export const SYNC_INTERVAL_MS = 1_000;

const SLOT_BYTES = 512;
const CRC_HEX = 8;

export class TailWitness {
  /** The claim on disk once every write started so far is synced. */
  private written: TailClaim;
  /** The claim the file should reach (advance() moves it; record() too). */
  private target: TailClaim;
  private writing: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private lastStartMs = -Infinity;
  private lastSyncMs = -Infinity;
  private failure: unknown = undefined;
  private seq: number;
  private closed = false;

  private constructor(
    readonly file: string,
    private readonly handle: FileHandle,
    recorded: { claim: TailClaim; seq: number },
    /** At most one catch-up write starts per interval (0: one right after another). */
    private readonly intervalMs: number,
  ) {
    this.written = recorded.claim;
    this.target = recorded.claim;
    this.seq = recorded.seq;
  }

  /**
   * Opens the witness of `dataDir`. `create`: a directory without one may get
   * one (a new database, or one from format 1 being upgraded), claiming
   * nothing; otherwise a missing witness is STORAGE_CORRUPT.
   */
  static async open(dataDir: string, { create, intervalMs = WITNESS_INTERVAL_MS }: { create: boolean; intervalMs?: number }): Promise<TailWitness> {
    const file = path.join(dataDir, TAIL_WITNESS_FILE);
    let recorded = await readWitness(file);
    if (recorded === null) {
      if (!create) {
        throw new StorageError('STORAGE_CORRUPT',
          `${file} is missing: this data directory was written with a tail witness, and without it a lost tail of the log cannot be detected; ` +
          'recover the node by wiping its data directory and rejoining (docs/security.md, "Storage integrity")');
      }
      await createWitness(file);
      recorded = { claim: ORIGIN_CLAIM, seq: 1 };
    }
    const handle = await open(file, 'r+').catch((err: unknown) => {
      throw new StorageError('STORAGE_OPEN_FAILED', `cannot open ${file}: ${messageOf(err)}`, { cause: err });
    });
    return new TailWitness(file, handle, recorded, intervalMs);
  }

  /** The claim the file holds, or will once the writes started are synced. */
  claim(): TailClaim {
    return this.target;
  }

  /**
   * Lets the witness catch up to a state LevelDB now holds durably, without
   * waiting: the write starts when the one in flight ends and the interval
   * since the last start has passed; intermediate claims are skipped. A
   * failure surfaces at the next record() or close().
   */
  advance(claim: TailClaim): void {
    if (this.failure !== undefined || this.closed) return;
    this.target = claim;
    this.pump();
  }

  /**
   * Makes the file claim `claim` now, after the write in flight: resolves
   * once it is synced. For a claim below the current one (a truncation
   * about to land), which must be on disk before LevelDB changes.
   */
  async record(claim: TailClaim): Promise<void> {
    this.throwIfFailed();
    this.target = claim;
    this.cancelTimer();
    while (this.writing) await this.writing;
    this.throwIfFailed();
    if (!sameClaim(this.written, this.target)) await this.startWrite('exact');
    this.throwIfFailed();
  }

  /** Writes the latest claim (a graceful stop leaves the witness exact), then closes the file. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.cancelTimer();
    try {
      while (this.writing) await this.writing;
      if (this.failure === undefined && !sameClaim(this.written, this.target)) await this.startWrite('exact');
    } finally {
      this.closed = true;
      await this.handle.close();
    }
  }

  private pump(): void {
    if (this.writing || this.timer || this.closed || sameClaim(this.written, this.target)) return;
    const wait = this.lastStartMs + this.intervalMs - performance.now();
    if (wait > 0) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.pump();
      }, wait);
      this.timer.unref();
      return;
    }
    this.startWrite('catch-up').then(() => this.pump(), () => undefined);
  }

  /** One write of the current target; the only place that writes the file. */
  private startWrite(mode: 'catch-up' | 'exact'): Promise<void> {
    const claim = this.target;
    this.lastStartMs = performance.now();
    const done = this.write(claim, mode).then(
      () => {
        this.written = claim;
      },
      (err: unknown) => {
        this.failure ??= err;
        throw err;
      },
    );
    this.writing = done.finally(() => {
      this.writing = null;
    }).catch(() => undefined);
    return done;
  }

  private cancelTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Throws STORAGE_IO once a witness write has failed (the storage then stops: fail-stop). */
  throwIfFailed(): void {
    if (this.failure !== undefined) {
      throw new StorageError('STORAGE_IO', `${this.file} refuses writes after an earlier failure: ${messageOf(this.failure)}`, { cause: this.failure });
    }
  }

  /**
   * STORAGE_CORRUPT when `state` (what LevelDB holds) falls short of the
   * claim: a hard state from an older term or with another vote in the same
   * term, a log ending before the claimed index, or another term there.
   */
  check(state: RaftState, where: string): void {
    const claim = this.target;
    const claimed = `${this.file} records`;
    const { hardState, logStart, entries } = state;
    const last = entries.at(-1)?.index ?? logStart.index;
    const problem =
      hardState.term < claim.term ? `the hard state has term ${hardState.term} but ${claimed} term ${claim.term} as persisted`
      : hardState.term === claim.term && claim.vote !== null && hardState.vote !== claim.vote
        ? `the hard state's vote in term ${claim.term} is ${describeVote(hardState.vote)} but ${claimed} a vote for "${claim.vote}" as persisted`
      : last < claim.lastIndex ? `the log ends at ${last} but ${claimed} index ${claim.lastIndex} as persisted`
      : termMismatch(state, claim, claimed);
    if (problem !== null) {
      throw new StorageError('STORAGE_CORRUPT',
        `${where} has lost part of what it had persisted: ${problem} (the LevelDB write-ahead log was probably truncated or damaged; ` +
        'recover the node by wiping its data directory and rejoining, docs/security.md, "Storage integrity")');
    }
  }

  /**
   * A catch-up writes one slot, and syncs only when the last sync is
   * SYNC_INTERVAL_MS old: the claim is already durable in LevelDB, so an
   * unsynced claim reaching the disk late (or never) is safe, only less
   * coverage. An exact write (a cut-back, a close) puts the claim in both
   * slots and syncs, so no claim from before a cut-back survives it.
   */
  private async write(claim: TailClaim, mode: 'catch-up' | 'exact'): Promise<void> {
    assert(!this.closed, `${this.file} written after close`);
    try {
      if (mode === 'exact') {
        const first = (this.seq += 1);
        const second = (this.seq += 1);
        const slots = [encodeSlot(claim, first), encodeSlot(claim, second)];
        if (first % 2 === 1) slots.reverse();
        await this.handle.write(Buffer.concat(slots), 0, 2 * SLOT_BYTES, 0);
      } else {
        this.seq += 1;
        await this.handle.write(encodeSlot(claim, this.seq), 0, SLOT_BYTES, (this.seq % 2) * SLOT_BYTES);
      }
      const now = performance.now();
      if (mode === 'exact' || now - this.lastSyncMs >= SYNC_INTERVAL_MS) {
        this.lastSyncMs = now;
        await this.handle.datasync();
      }
    } catch (err) {
      throw new StorageError('STORAGE_IO', `writing ${this.file} failed: ${messageOf(err)}`, { cause: err });
    }
  }
}

/** The term of the entry at the claimed index, where the log still holds it. */
function termMismatch(state: RaftState, claim: TailClaim, claimed: string): string | null {
  const { logStart, entries } = state;
  if (claim.lastIndex < logStart.index) return null;
  const term = claim.lastIndex === logStart.index ? logStart.term : entries[claim.lastIndex - logStart.index - 1]?.term;
  if (term === undefined || term === claim.lastTerm) return null;
  return `the log holds term ${term} at index ${claim.lastIndex} but ${claimed} term ${claim.lastTerm} there as persisted`;
}

function describeVote(vote: string | null): string {
  return vote === null ? 'none' : `"${vote}"`;
}

export function sameClaim(a: TailClaim, b: TailClaim): boolean {
  return a.term === b.term && a.vote === b.vote && a.lastIndex === b.lastIndex && a.lastTerm === b.lastTerm;
}

/** The claim for a durable hard state and log tip. */
export function claimOf(hardState: HardState, lastIndex: LogIndex, lastTerm: Term): TailClaim {
  return { term: hardState.term, vote: hardState.vote, lastIndex, lastTerm };
}

function encodeSlot(claim: TailClaim, seq: number): Buffer {
  const body = Buffer.from(`${JSON.stringify({ seq, ...claim })}\n`, 'utf8');
  const bodyEnd = SLOT_BYTES - CRC_HEX - 1;
  assert(body.length <= bodyEnd, `tail witness record too long: ${body.length} bytes`);
  // Padded in bytes, not characters: a vote may hold any UTF-8.
  const slot = Buffer.alloc(SLOT_BYTES, ' ');
  body.copy(slot);
  slot.write(crc32(slot.subarray(0, bodyEnd)).toString(16).padStart(CRC_HEX, '0'), bodyEnd, 'latin1');
  slot[SLOT_BYTES - 1] = 0x0a;
  return slot;
}

/** A slot's claim and seq, or null when it fails its checksum or shape. */
function decodeSlot(slot: Buffer): { claim: TailClaim; seq: number } | null {
  const padded = slot.subarray(0, SLOT_BYTES - CRC_HEX - 1);
  const stored = slot.subarray(SLOT_BYTES - CRC_HEX - 1, SLOT_BYTES - 1).toString('latin1');
  if (crc32(padded).toString(16).padStart(CRC_HEX, '0') !== stored) return null;
  let value: unknown;
  try {
    value = JSON.parse(padded.toString('utf8'));
  } catch {
    return null;
  }
  const { seq, term, vote, lastIndex, lastTerm } = (value ?? {}) as Record<string, unknown>;
  const count = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
  if (!count(seq) || !count(term) || !count(lastIndex) || !count(lastTerm) || (vote !== null && typeof vote !== 'string')) return null;
  return { seq, claim: { term, vote, lastIndex, lastTerm } };
}

/** The newest valid slot of the file; null when there is no file; STORAGE_CORRUPT when neither slot is valid. */
async function readWitness(file: string): Promise<{ claim: TailClaim; seq: number } | null> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new StorageError('STORAGE_OPEN_FAILED', `cannot read ${file}: ${messageOf(err)}`, { cause: err });
  }
  if (bytes.length !== 2 * SLOT_BYTES) {
    throw new StorageError('STORAGE_CORRUPT', `${file} is damaged: it has ${bytes.length} bytes, expected ${2 * SLOT_BYTES}`);
  }
  const slots = [decodeSlot(bytes.subarray(0, SLOT_BYTES)), decodeSlot(bytes.subarray(SLOT_BYTES))].filter((s) => s !== null);
  if (slots.length === 0) throw new StorageError('STORAGE_CORRUPT', `${file} is damaged: neither of its two records passes its checksum`);
  return slots.reduce((a, b) => (b.seq > a.seq ? b : a));
}

/** A new witness claiming nothing, made durable before anything relies on it: temporary file, sync, rename, sync the directory. */
async function createWitness(file: string): Promise<void> {
  try {
    writeFileDurably(file, Buffer.concat([encodeSlot(ORIGIN_CLAIM, 0), encodeSlot(ORIGIN_CLAIM, 1)]));
  } catch (err) {
    throw new StorageError('STORAGE_OPEN_FAILED', `cannot create ${file}: ${messageOf(err)}`, { cause: err });
  }
}
