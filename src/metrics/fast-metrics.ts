/**
 * Counters and histograms for the hot path. prom-client's own validate and
 * hash their labels and allocate on every increment (about 1 us each, and
 * garbage); these keep plain numbers per series, found once through a cached
 * child, and hand prom-client the values only when a scrape asks (they
 * implement the `get()` a prom-client Registry calls). Same exposition, a
 * fraction of the cost: see `npm run bench:metrics`.
 */
import type { Registry } from 'prom-client';

type Labels = Readonly<Record<string, string>>;

interface ExportedValue {
  readonly labels: Record<string, string | number>;
  readonly value: number;
  readonly metricName?: string;
}

interface Exported {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'histogram';
  readonly values: ExportedValue[];
  readonly aggregator: 'sum';
}

/** Labels in name order, as prom-client writes them (the node default label joins in order too). */
function sorted(labels: Record<string, string | number>): Record<string, string | number> {
  return Object.fromEntries(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The part of prom-client's metric interface a Registry uses. */
abstract class FastMetric<S> {
  private readonly series = new Map<string, { labels: Labels; series: S }>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
    registry: Registry,
  ) {
    registry.registerMetric(this as never);
  }

  /** The series for these label values, in labelNames order (created on first use). */
  child(...values: string[]): S {
    const key = values.length === 1 ? values[0]! : values.join('\u0000');
    let entry = this.series.get(key);
    if (entry === undefined) {
      const labels: Record<string, string> = {};
      this.labelNames.forEach((name, i) => (labels[name] = values[i] ?? ''));
      entry = { labels, series: this.create() };
      this.series.set(key, entry);
    }
    return entry.series;
  }

  protected entries(): Iterable<{ labels: Labels; series: S }> {
    // A series without labels exists from the start, at 0.
    if (this.labelNames.length === 0 && this.series.size === 0) this.child();
    return this.series.values();
  }

  protected abstract create(): S;
  abstract get(): Promise<Exported>;
}

export interface CounterSeries {
  value: number;
}

export class FastCounter extends FastMetric<CounterSeries> {
  readonly type = 'counter';

  protected create(): CounterSeries {
    return { value: 0 };
  }

  async get(): Promise<Exported> {
    const values = [...this.entries()].map(({ labels, series }) => ({ labels: sorted(labels), value: series.value }));
    return { name: this.name, help: this.help, type: 'counter', values, aggregator: 'sum' };
  }
}

export class HistogramSeries {
  /** Non-cumulative count per bucket; the last one is +Inf. */
  readonly counts: number[];
  sum = 0;
  count = 0;

  constructor(private readonly bounds: readonly number[]) {
    this.counts = new Array<number>(bounds.length + 1).fill(0);
  }

  observe(value: number): void {
    let i = 0;
    while (i < this.bounds.length && value > this.bounds[i]!) i++;
    this.counts[i]!++;
    this.sum += value;
    this.count++;
  }
}

export class FastHistogram extends FastMetric<HistogramSeries> {
  readonly type = 'histogram';

  constructor(name: string, help: string, labelNames: readonly string[], private readonly bounds: readonly number[], registry: Registry) {
    super(name, help, labelNames, registry);
  }

  protected create(): HistogramSeries {
    return new HistogramSeries(this.bounds);
  }

  async get(): Promise<Exported> {
    const values: ExportedValue[] = [];
    for (const { labels, series } of this.entries()) {
      let cumulative = 0;
      this.bounds.forEach((bound, i) => {
        cumulative += series.counts[i]!;
        values.push({ labels: sorted({ ...labels, le: bound }), value: cumulative, metricName: `${this.name}_bucket` });
      });
      values.push({ labels: sorted({ ...labels, le: '+Inf' }), value: series.count, metricName: `${this.name}_bucket` });
      values.push({ labels: sorted(labels), value: series.sum, metricName: `${this.name}_sum` });
      values.push({ labels: sorted(labels), value: series.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: 'histogram', values, aggregator: 'sum' };
  }
}
