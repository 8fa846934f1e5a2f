/**
 * Times one-at-a-time batched work as the bus sees it: the Persistence and
 * StateMachine actors each keep one write in flight and merge what arrives
 * meanwhile into the next. started() is called per request (keyed by a
 * number that grows: a persist seq, a last log index), finished() per
 * completion covering everything up to a key; the timer mirrors the actor,
 * so a write's duration runs from when the actor could start it.
 */
import type { HistogramSeries } from './fast-metrics.js';

interface Batch {
  upTo: number;
  entries: number;
  started: number;
}

export class BatchTimer {
  private writing: Batch | null = null;
  private queued: Batch | null = null;

  started(key: number, entries: number, now: number): void {
    if (this.writing === null) {
      this.writing = { upTo: key, entries, started: now };
    } else if (this.queued === null) {
      this.queued = { upTo: key, entries, started: now };
    } else {
      this.queued.upTo = key;
      this.queued.entries += entries;
    }
  }

  finished(upTo: number, now: number, duration: HistogramSeries, batchEntries: HistogramSeries): void {
    const batch = this.writing;
    if (batch === null || upTo < batch.upTo) return;
    duration.observe((now - batch.started) / 1000);
    if (batch.entries > 0) batchEntries.observe(batch.entries);
    this.writing = this.queued;
    this.queued = null;
    // The actor starts the queued write as the last one completes.
    if (this.writing !== null) this.writing.started = now;
  }
}
