/** Keeps docs/metrics.md true to the metrics the code defines. */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { createNodeMetrics } from '../../src/metrics/definitions.js';

const doc = readFileSync(new URL('../../docs/metrics.md', import.meta.url), 'utf8');

/** `| name | type | labels | meaning |` rows, by name. */
function documentedRows(): Map<string, { type: string; labels: string }> {
  const rows = new Map<string, { type: string; labels: string }>();
  for (const line of doc.split('\n')) {
    const match = /^\| `(raftkv_[a-z_]+)` \| (\w+) \|([^|]*)\|/.exec(line);
    if (match) rows.set(match[1]!, { type: match[2]!, labels: match[3]! });
  }
  return rows;
}

describe('docs/metrics.md', async () => {
  const metrics = createNodeMetrics('n1');
  const defined = await metrics.registry.getMetricsAsJSON();
  const ours = defined.filter((m) => m.name.startsWith('raftkv_')).map((m) => ({ name: m.name, type: String(m.type) }));
  const rows = documentedRows();

  test('lists every raftkv_ metric with its type', () => {
    expect(ours.length).toBeGreaterThan(30);
    for (const metric of ours) {
      const row = rows.get(metric.name);
      expect(row, `${metric.name} is not documented`).toBeDefined();
      expect(row!.type, metric.name).toBe(String(metric.type));
    }
  });

  test('lists no metric the code does not define', () => {
    const names = new Set(ours.map((m) => m.name));
    for (const name of rows.keys()) expect(names.has(name), `${name} is documented but not defined`).toBe(true);
  });

  test("names every metric's labels", () => {
    for (const metric of ours) {
      const labelNames = (metrics.registry.getSingleMetric(metric.name) as unknown as { labelNames: string[] }).labelNames;
      for (const label of labelNames) expect(rows.get(metric.name)!.labels, `${metric.name} label ${label}`).toContain(`\`${label}\``);
    }
  });

  test('follows Prometheus naming: counters end in _total, durations in _seconds', () => {
    for (const metric of ours) {
      if (String(metric.type) === 'counter') expect(metric.name).toMatch(/_total$/);
      if (metric.name.includes('duration') || metric.name.includes('time')) expect(metric.name).toMatch(/_seconds$/);
    }
  });
});
