/**
 * Which configuration a node is in (dissertation 4.1): the latest one in its
 * log, committed or not. The history keeps every configuration entry of the
 * retained log above a base (the configuration at the log's start, from a
 * snapshot or the bootstrap), so that when a follower's uncommitted tail is
 * truncated it falls back to the configuration before it.
 *
 * `null` is a node that knows no configuration yet: one started in join mode
 * that has heard nothing from the cluster. It never campaigns.
 */
import { assert } from '../../util/assert.js';
import type { LogIndex } from '../types.js';
import type { ClusterConfig } from './config.js';

interface Point {
  readonly index: LogIndex;
  readonly config: ClusterConfig | null;
}

export class ConfigHistory {
  private points: Point[];

  constructor(baseIndex: LogIndex, base: ClusterConfig | null) {
    this.points = [{ index: baseIndex, config: base }];
  }

  latest(): ClusterConfig | null {
    return this.points[this.points.length - 1]!.config;
  }

  /** Index of the latest configuration entry (the base's index when there is none above it). */
  latestIndex(): LogIndex {
    return this.points[this.points.length - 1]!.index;
  }

  /** The configuration in force at index (the base's when index is below every entry). */
  at(index: LogIndex): ClusterConfig | null {
    let config = this.points[0]!.config;
    for (const point of this.points) if (point.index <= index) config = point.config;
    return config;
  }

  /** A configuration entry was appended at index. */
  appended(index: LogIndex, config: ClusterConfig): void {
    assert(index > this.latestIndex(), `configuration at ${index} not after ${this.latestIndex()}`);
    this.points.push({ index, config });
  }

  /** The log lost every entry from index on; returns whether the latest configuration changed. */
  truncatedFrom(index: LogIndex): boolean {
    const before = this.points.length;
    while (this.points.length > 1 && this.points[this.points.length - 1]!.index >= index) this.points.pop();
    return this.points.length !== before;
  }

  /** The log now starts after index: configurations at or before it fold into the base. */
  compactedTo(index: LogIndex): void {
    let base = 0;
    while (base + 1 < this.points.length && this.points[base + 1]!.index <= index) base++;
    if (base > 0) this.points = this.points.slice(base);
  }
}
