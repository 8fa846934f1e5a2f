/**
 * A SnapshotReader over records already in memory (the simulator's disk,
 * whose whole state is in memory anyway). Chunks follow the same size rule
 * as the LevelDB reader; `settle` delivers each answer (the simulator passes
 * its disk read, so chunks arrive in virtual time).
 */
import type { SnapshotMeta } from '../raft/types.js';
import type { SnapshotReader } from './interfaces.js';
import { encodeChunk, recordBytes, type SnapshotRecord } from './snapshot-format.js';

export class ArraySnapshotReader implements SnapshotReader {
  private at = 0;

  constructor(
    readonly meta: SnapshotMeta,
    private readonly records: readonly SnapshotRecord[],
    private readonly settle: <T>(value: T) => Promise<T>,
  ) {}

  next(maxBytes: number): Promise<{ data: Uint8Array; last: boolean }> {
    const chunk: SnapshotRecord[] = [];
    let bytes = 0;
    while (this.at < this.records.length) {
      const record = this.records[this.at]!;
      const size = recordBytes(record[1], record[2]);
      if (chunk.length > 0 && bytes + size > maxBytes) break;
      chunk.push(record);
      bytes += size;
      this.at++;
    }
    return this.settle({ data: encodeChunk(chunk), last: this.at === this.records.length });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
