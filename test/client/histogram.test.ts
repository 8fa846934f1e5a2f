import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Histogram } from '../../src/client/bench/histogram.js';

/** The exact percentile by the same rank rule, from a sorted copy. */
function reference(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[rank - 1] ?? 0;
}

describe('Histogram', () => {
  it('matches a sorted-array reference within its precision', () => {
    const value = fc.oneof(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: 0, max: 100_000 }));
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 500 }), fc.constantFrom(0, 0.5, 0.9, 0.99, 0.999, 1), (values, q) => {
        const h = new Histogram();
        for (const v of values) h.record(v);
        const exact = reference(values, q);
        const got = h.percentile(q);
        expect(got).toBeGreaterThanOrEqual(exact);
        expect(got).toBeLessThanOrEqual(exact + exact * Histogram.precision);
      }),
      { numRuns: 500 },
    );
  });

  it('counts small values exactly and tracks min, max and mean', () => {
    const h = new Histogram();
    for (let v = 1; v <= 100; v += 1) h.record(v);
    expect(h.summary()).toMatchObject({ count: 100, min: 1, max: 100, mean: 50.5, p50: 50, p99: 99, p999: 100 });
  });

  it('merges and resets', () => {
    const a = new Histogram();
    const b = new Histogram();
    a.record(10);
    b.record(1_000_000);
    a.merge(b);
    expect(a.summary()).toMatchObject({ count: 2, min: 10, max: 1_000_000, p50: 10 });
    a.reset();
    expect(a.summary()).toMatchObject({ count: 0, p99: 0, max: 0 });
  });
});
