/**
 * A log-linear latency histogram in the HdrHistogram style, with fixed memory.
 *
 * Values are non-negative integers (microseconds, say). Values below 2*SUB are
 * counted exactly; above that, each power-of-two range is cut into SUB equal
 * buckets, so a reported value is at most 1/SUB above the true one (0.8% with
 * SUB = 128). 3,328 counters cover 0 .. 2^32-1; larger values are clamped.
 */
const SUB_BITS = 7;
const SUB = 1 << SUB_BITS; // buckets per power of two
const EXACT = 2 * SUB; // values below this have their own bucket
const VALUE_MAX = 2 ** 32 - 1;
const BUCKETS = EXACT + (32 - SUB_BITS - 1) * SUB;

/** Bucket index of a value (an integer in 0 .. VALUE_MAX). */
function bucketOf(value: number): number {
  if (value < EXACT) return value;
  const msb = 31 - Math.clz32(value);
  const shift = msb - SUB_BITS;
  const mantissa = value >>> shift; // in [SUB, 2*SUB)
  return EXACT + (shift - 1) * SUB + (mantissa - SUB);
}

/** The largest value that falls in a bucket. */
function bucketTop(index: number): number {
  if (index < EXACT) return index;
  const shift = Math.floor((index - EXACT) / SUB) + 1;
  const mantissa = ((index - EXACT) % SUB) + SUB;
  return (mantissa + 1) * 2 ** shift - 1;
}

export interface HistogramSummary {
  readonly count: number;
  readonly min: number;
  readonly mean: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
}

export class Histogram {
  private readonly counts = new Float64Array(BUCKETS);
  private total = 0;
  private sum = 0;
  private minValue = Infinity;
  private maxValue = 0;

  /** Relative error bound of reported percentiles. */
  static readonly precision = 1 / SUB;

  get count(): number {
    return this.total;
  }

  record(value: number): void {
    const v = Math.min(VALUE_MAX, Math.max(0, Math.round(value)));
    const i = bucketOf(v);
    this.counts[i] = (this.counts[i] ?? 0) + 1;
    this.total += 1;
    this.sum += v;
    if (v < this.minValue) this.minValue = v;
    if (v > this.maxValue) this.maxValue = v;
  }

  /**
   * The value at quantile q (0..1): the smallest recorded value with at least
   * ceil(q*count) values at or below it, rounded up to its bucket's top (never
   * above the true maximum). 0 when empty.
   */
  percentile(q: number): number {
    if (this.total === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.total));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i += 1) {
      seen += this.counts[i] ?? 0;
      if (seen >= rank) return Math.min(bucketTop(i), this.maxValue);
    }
    return this.maxValue;
  }

  merge(other: Histogram): void {
    for (let i = 0; i < BUCKETS; i += 1) this.counts[i] = (this.counts[i] ?? 0) + (other.counts[i] ?? 0);
    this.total += other.total;
    this.sum += other.sum;
    this.minValue = Math.min(this.minValue, other.minValue);
    this.maxValue = Math.max(this.maxValue, other.maxValue);
  }

  reset(): void {
    this.counts.fill(0);
    this.total = 0;
    this.sum = 0;
    this.minValue = Infinity;
    this.maxValue = 0;
  }

  summary(): HistogramSummary {
    return {
      count: this.total,
      min: this.total === 0 ? 0 : this.minValue,
      mean: this.total === 0 ? 0 : this.sum / this.total,
      p50: this.percentile(0.5),
      p90: this.percentile(0.9),
      p99: this.percentile(0.99),
      p999: this.percentile(0.999),
      max: this.maxValue,
    };
  }
}
