/**
 * Counters, gauges and histograms for the hot path and for scrapes.
 * prom-client's own validate and hash their labels and allocate on every
 * increment (about 1 us each, and garbage); these keep plain numbers per
 * series, found once through a cached child.
 *
 * They render themselves (renderFast): each series formats its label set
 * once, on its first scrape, and every later scrape only joins the cached
 * text with the numbers. Through prom-client's Registry (whose `get()` they
 * also implement, so a Registry lists and renders them too) a scrape formats
 * every label set and merges the default labels into a new object per sample,
 * and at one scrape a second that code never gets hot (a whole scrape cost
 * an idle node about 8 ms of CPU, four times what a hot loop of them
 * measures). Same exposition, a fraction of the cost: see `npm run
 * bench:metrics` and docs/benchmarks.md, "Metrics cost".
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
  readonly type: 'counter' | 'gauge' | 'histogram';
  readonly values: ExportedValue[];
  readonly aggregator: 'sum';
}

/** Labels in name order, as prom-client writes them (the node default label joins in order too). */
function sorted(labels: Record<string, string | number>): Record<string, string | number> {
  return Object.fromEntries(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** prom-client's number format: Nan, +Inf, -Inf, else JavaScript's. */
function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'Nan';
  if (!Number.isFinite(value)) return value < 0 ? '-Inf' : '+Inf';
  return `${value}`;
}

/** HELP text and label values escaped as the text format asks (label values also escape quotes). */
function escapeText(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** `{a="x",b="y",node="n1"}`: labels in name order, then the constant ones (already formatted); '' when none. */
export function labelBlock(labels: Record<string, string | number>, constant: string): string {
  const parts = Object.entries(sorted(labels)).map(([name, value]) => `${name}="${escapeText(String(value)).replace(/"/g, '\\"')}"`);
  if (constant !== '') parts.push(constant);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

/** Constant labels (a node's `node="n1"`), formatted once for renderFast. */
export function constantLabels(labels: Labels): string {
  return labelBlock(labels, '').slice(1, -1);
}

interface Entry<S> {
  readonly labels: Labels;
  readonly series: S;
  /** The formatted sample prefixes, cached on the first render (with the constant labels it was rendered with). */
  text?: { constant: string; prefixes: string[] };
}

/** The part of prom-client's metric interface a Registry uses, and a text renderer of our own. */
export abstract class FastMetric<S> {
  protected readonly series = new Map<string, Entry<S>>();
  private readonly header: string;

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
    registry: Registry,
  ) {
    this.header = `# HELP ${name} ${escapeText(help)}\n# TYPE ${name} `;
    registry.registerMetric(this as never);
  }

  abstract readonly type: 'counter' | 'gauge' | 'histogram';

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

  protected entries(): Iterable<Entry<S>> {
    // A series without labels exists from the start, at 0.
    if (this.labelNames.length === 0 && this.series.size === 0) this.child();
    return this.series.values();
  }

  /** The metric's text exposition: HELP, TYPE, then one line per sample. */
  render(constant: string): string {
    let text = `${this.header}${this.type}\n`;
    for (const entry of this.entries()) {
      if (entry.text?.constant !== constant) entry.text = { constant, prefixes: this.prefixes(entry.labels, constant) };
      const values = this.values(entry.series);
      const prefixes = entry.text.prefixes;
      for (let i = 0; i < prefixes.length; i++) text += `${prefixes[i]} ${formatValue(values[i]!)}\n`;
    }
    return text;
  }

  /** The sample names with their label blocks, one per value values() gives. */
  protected abstract prefixes(labels: Labels, constant: string): string[];
  protected abstract values(series: S): readonly number[];
  protected abstract create(): S;
  abstract get(): Promise<Exported>;
}

/** The text exposition of these metrics, each with the constant labels (see constantLabels). */
export function renderFast(metrics: Iterable<FastMetric<unknown>>, constant: string): string {
  let text = '';
  for (const metric of metrics) text += `${metric.render(constant)}\n`;
  return text;
}

export interface CounterSeries {
  value: number;
}

export class FastCounter extends FastMetric<CounterSeries> {
  readonly type: 'counter' | 'gauge' = 'counter';

  protected create(): CounterSeries {
    return { value: 0 };
  }

  protected prefixes(labels: Labels, constant: string): string[] {
    return [`${this.name}${labelBlock(labels, constant)}`];
  }

  protected values(series: CounterSeries): readonly number[] {
    return [series.value];
  }

  async get(): Promise<Exported> {
    const values = [...this.entries()].map(({ labels, series }) => ({ labels: sorted(labels), value: series.value }));
    return { name: this.name, help: this.help, type: this.type, values, aggregator: 'sum' };
  }
}

/** A value set at scrape time (one plain number per series, like a counter's). */
export class FastGauge extends FastCounter {
  override readonly type = 'gauge';

  /** Sets the label-less series. */
  set(value: number): void {
    this.child().value = value;
  }

  /** Forgets every series: the ones set after this are all the metric exports. */
  reset(): void {
    this.series.clear();
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

  protected prefixes(labels: Labels, constant: string): string[] {
    const bucket = `${this.name}_bucket`;
    return [
      ...this.bounds.map((bound) => `${bucket}${labelBlock({ ...labels, le: bound }, constant)}`),
      `${bucket}${labelBlock({ ...labels, le: '+Inf' }, constant)}`,
      `${this.name}_sum${labelBlock(labels, constant)}`,
      `${this.name}_count${labelBlock(labels, constant)}`,
    ];
  }

  protected values(series: HistogramSeries): readonly number[] {
    const values: number[] = [];
    let cumulative = 0;
    for (let i = 0; i < this.bounds.length; i++) values.push((cumulative += series.counts[i]!));
    values.push(series.count, series.sum, series.count);
    return values;
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
