/**
 * A snapshot saved to a file by `raftkv snapshot save`, for backup and
 * restore (docs/snapshots.md). The layout, every integer big-endian:
 *
 *   magic "RAFTKVSN" (8 bytes) | version u32 (1)
 *   frames, each: kind u8 | length u32 | payload
 *     kind 1, once, first: the metadata, JSON {index, term, voters}
 *     kind 2, any number:  a chunk, exactly as InstallSnapshot carries it
 *     kind 3, once, last:  sha256 of every byte before this frame (32 bytes)
 *
 * Writing streams chunk by chunk; reading streams too, hashing as it goes,
 * so a file of any size is checked in bounded memory. A file is untrusted:
 * every way it can be wrong is a SnapshotFileError (SNAPSHOT_FILE_INVALID)
 * naming the file and the byte offset.
 */
import { createHash, type Hash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import type { SnapshotMeta } from '../raft/types.js';
import { CodedError } from '../util/coded-error.js';
import { SnapshotFormatError, decodeChunk, type SnapshotRecord } from './snapshot-format.js';

export const SNAPSHOT_FILE_MAGIC = Buffer.from('RAFTKVSN', 'latin1');
export const SNAPSHOT_FILE_VERSION = 1;
const FRAME_META = 1;
const FRAME_CHUNK = 2;
const FRAME_CHECKSUM = 3;
const FRAME_HEADER_BYTES = 5;
const META_BYTES_MAX = 1 << 20;
/** A chunk holds at least one record, so it may be as large as the largest key plus value; nothing a config allows is near this. */
export const CHUNK_BYTES_MAX = 1 << 30;

export type SnapshotFileCode = 'SNAPSHOT_FILE_INVALID' | 'SNAPSHOT_FILE_UNREADABLE';

export class SnapshotFileError extends CodedError<SnapshotFileCode> {
  override readonly name = 'SnapshotFileError';
}

/** Writes a snapshot file frame by frame; `finish` appends the checksum and syncs. */
export class SnapshotFileWriter {
  private readonly hash = createHash('sha256');
  private bytes = 0;

  private constructor(
    private readonly file: FileHandle,
    readonly path: string,
  ) {}

  /** Creates the file (refusing one that exists) and writes the header and metadata. */
  static async create(path: string, meta: SnapshotMeta): Promise<SnapshotFileWriter> {
    let file: FileHandle;
    try {
      file = await open(path, 'wx');
    } catch (err) {
      throw new SnapshotFileError('SNAPSHOT_FILE_UNREADABLE', `cannot create ${path}: ${(err as Error).message}`, { cause: err });
    }
    const writer = new SnapshotFileWriter(file, path);
    const version = Buffer.alloc(4);
    version.writeUInt32BE(SNAPSHOT_FILE_VERSION);
    await writer.write(Buffer.concat([SNAPSHOT_FILE_MAGIC, version]));
    await writer.frame(FRAME_META, Buffer.from(JSON.stringify({ index: meta.index, term: meta.term, voters: meta.voters })));
    return writer;
  }

  chunk(data: Uint8Array): Promise<void> {
    return this.frame(FRAME_CHUNK, data);
  }

  /** Appends the checksum, syncs and closes; returns the file's size and checksum. */
  async finish(): Promise<{ bytes: number; sha256: string }> {
    const digest = this.hash.copy().digest();
    const header = frameHeader(FRAME_CHECKSUM, digest.length);
    await this.file.write(Buffer.concat([header, digest]));
    this.bytes += header.length + digest.length;
    await this.file.sync();
    await this.file.close();
    return { bytes: this.bytes, sha256: digest.toString('hex') };
  }

  /** Closes without finishing (the caller removes the partial file). */
  async abandon(): Promise<void> {
    await this.file.close().catch(() => undefined);
  }

  private async frame(kind: number, payload: Uint8Array): Promise<void> {
    await this.write(frameHeader(kind, payload.length));
    await this.write(payload);
  }

  private async write(bytes: Uint8Array): Promise<void> {
    this.hash.update(bytes);
    this.bytes += bytes.length;
    await this.file.write(bytes);
  }
}

function frameHeader(kind: number, length: number): Buffer {
  const header = Buffer.alloc(FRAME_HEADER_BYTES);
  header.writeUInt8(kind, 0);
  header.writeUInt32BE(length, 1);
  return header;
}

/** What a file's frames pass to `readSnapshotFile`'s visitor. */
export interface SnapshotFileVisitor {
  /** Each chunk's raw bytes and its decoded records, in order. */
  chunk(data: Uint8Array, records: readonly SnapshotRecord[]): Promise<void> | void;
}

export interface SnapshotFileSummary {
  readonly meta: SnapshotMeta;
  readonly bytes: number;
  readonly chunks: number;
  readonly sha256: string;
}

/**
 * Reads a snapshot file through, handing each chunk to the visitor, and
 * checks its checksum at the end: it resolves only for a whole, unaltered
 * file. The visitor has then seen every chunk, so a caller that must not act
 * on a bad file (restore) stages the chunks and commits after this resolves.
 */
export async function readSnapshotFile(path: string, visitor: SnapshotFileVisitor): Promise<SnapshotFileSummary> {
  let file: FileHandle;
  try {
    file = await open(path, 'r');
  } catch (err) {
    throw new SnapshotFileError('SNAPSHOT_FILE_UNREADABLE', `cannot open ${path}: ${(err as Error).message}`, { cause: err });
  }
  try {
    const { size } = await file.stat();
    return await readFrames(new FileCursor(file, path, size), path, visitor);
  } finally {
    await file.close();
  }
}

async function readFrames(cursor: FileCursor, path: string, visitor: SnapshotFileVisitor): Promise<SnapshotFileSummary> {
  const start = await cursor.read(SNAPSHOT_FILE_MAGIC.length + 4, 'the header');
  if (!start.subarray(0, SNAPSHOT_FILE_MAGIC.length).equals(SNAPSHOT_FILE_MAGIC)) {
    throw invalid(path, 0, 'is not a raftkv snapshot file (wrong magic)');
  }
  const version = start.readUInt32BE(SNAPSHOT_FILE_MAGIC.length);
  if (version !== SNAPSHOT_FILE_VERSION) throw invalid(path, 8, `has version ${version}; this raftkv reads version ${SNAPSHOT_FILE_VERSION}`);
  let meta: SnapshotMeta | null = null;
  let chunks = 0;
  for (;;) {
    const at = cursor.offset;
    const expected = cursor.digest();
    const header = await cursor.read(FRAME_HEADER_BYTES, 'a frame header');
    const kind = header.readUInt8(0);
    const length = header.readUInt32BE(1);
    if (kind === FRAME_CHECKSUM) {
      if (length !== expected.length) throw invalid(path, at, `has a checksum of ${length} bytes, not ${expected.length}`);
      const actual = await cursor.read(length, 'the checksum');
      if (!actual.equals(expected)) throw invalid(path, at, 'fails its sha256 checksum: the file was altered or damaged');
      if (meta === null) throw invalid(path, at, 'has no metadata');
      if (!cursor.atEnd()) throw invalid(path, cursor.offset, 'has bytes after its checksum');
      return { meta, bytes: cursor.offset, chunks, sha256: actual.toString('hex') };
    }
    if (kind === FRAME_META) {
      if (meta !== null || at !== SNAPSHOT_FILE_MAGIC.length + 4) throw invalid(path, at, 'has metadata that is not the first frame');
      if (length > META_BYTES_MAX) throw invalid(path, at, `has ${length} bytes of metadata (at most ${META_BYTES_MAX})`);
      meta = parseMeta(await cursor.read(length, 'the metadata'), path, at);
    } else if (kind === FRAME_CHUNK) {
      if (meta === null) throw invalid(path, at, 'has a chunk before its metadata');
      if (length > CHUNK_BYTES_MAX) throw invalid(path, at, `has a chunk of ${length} bytes (at most ${CHUNK_BYTES_MAX})`);
      const data = await cursor.read(length, 'a chunk');
      let records: SnapshotRecord[];
      try {
        // Named as every other problem with the file is (invalid() below): the path, then the byte.
        records = decodeChunk(data, `${path} (byte ${at}) chunk ${chunks}`);
      } catch (err) {
        if (err instanceof SnapshotFormatError) throw new SnapshotFileError('SNAPSHOT_FILE_INVALID', err.message, { cause: err });
        throw err;
      }
      await visitor.chunk(data, records);
      chunks++;
    } else {
      throw invalid(path, at, `has a frame of unknown kind ${kind}`);
    }
  }
}

function parseMeta(bytes: Buffer, path: string, at: number): SnapshotMeta {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw invalid(path, at, `has metadata that is not JSON: ${(err as Error).message}`);
  }
  const { index, term, voters } = (value ?? {}) as Record<string, unknown>;
  const positive = (n: unknown): boolean => Number.isSafeInteger(n) && (n as number) >= 1;
  if (!positive(index) || !positive(term) || !Array.isArray(voters) || !voters.every((v) => typeof v === 'string')) {
    throw invalid(path, at, 'has metadata without a positive index and term and a list of voters');
  }
  return { index: index as number, term: term as number, voters: voters as string[] };
}

function invalid(path: string, offset: number, problem: string): SnapshotFileError {
  return new SnapshotFileError('SNAPSHOT_FILE_INVALID', `${path} (byte ${offset}) ${problem}`);
}

/** Sequential reads of exact lengths, hashing what it hands out. */
class FileCursor {
  offset = 0;
  private readonly hash: Hash = createHash('sha256');

  constructor(
    private readonly file: FileHandle,
    private readonly path: string,
    private readonly size: number,
  ) {}

  async read(length: number, what: string): Promise<Buffer> {
    // Checked before allocating: a damaged length must not claim a gigabyte.
    if (this.offset + length > this.size) throw invalid(this.path, this.offset, `ends in ${what}: the file is truncated`);
    const buffer = Buffer.alloc(length);
    let filled = 0;
    while (filled < length) {
      const { bytesRead } = await this.file.read(buffer, filled, length - filled, this.offset + filled);
      if (bytesRead === 0) throw invalid(this.path, this.offset, `ends in ${what}: the file is truncated`);
      filled += bytesRead;
    }
    this.offset += length;
    this.hash.update(buffer);
    return buffer;
  }

  /** The sha256 of every byte read so far. */
  digest(): Buffer {
    return this.hash.copy().digest();
  }

  atEnd(): boolean {
    return this.offset === this.size;
  }
}
