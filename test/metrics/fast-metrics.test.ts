/** The hot-path counters and histograms render the samples prom-client's own would. */
import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, test } from 'vitest';
import { FastCounter, FastHistogram } from '../../src/metrics/fast-metrics.js';
import { BatchTimer } from '../../src/metrics/batch-timer.js';
import { parseSamples } from '../support/http-cluster.js';

/** The HELP and TYPE lines and every sample (labels in name order, which Prometheus ignores). */
function exposition(text: string): { comments: string[]; samples: Map<string, number>; nodeLabelled: boolean } {
  const lines = text.split('\n').filter((l) => l !== '');
  const samples = lines.filter((l) => !l.startsWith('#'));
  return { comments: lines.filter((l) => l.startsWith('#')), samples: parseSamples(text), nodeLabelled: samples.every((l) => l.includes('node="n1"')) };
}

const BOUNDS = [0.001, 0.01, 0.1];
const VALUES = [0.0005, 0.001, 0.002, 0.05, 3];

describe('fast metrics', () => {
  test('a histogram renders exactly as a prom-client Histogram given the same observations', async () => {
    const fast = new Registry();
    const reference = new Registry();
    for (const registry of [fast, reference]) registry.setDefaultLabels({ node: 'n1' });
    const mine = new FastHistogram('x_seconds', 'help text', ['peer'], BOUNDS, fast);
    const theirs = new Histogram({ name: 'x_seconds', help: 'help text', labelNames: ['peer'], buckets: BOUNDS, registers: [reference] });
    for (const value of VALUES) {
      mine.child('n2').observe(value);
      theirs.observe({ peer: 'n2' }, value);
    }
    mine.child('n3').observe(0.02);
    theirs.observe({ peer: 'n3' }, 0.02);
    const ours = exposition(await fast.metrics());
    expect(ours).toEqual(exposition(await reference.metrics()));
    expect(ours.nodeLabelled).toBe(true);
    expect(ours.samples.get('x_seconds_bucket{le="0.001",peer="n2"}')).toBe(2);
  });

  test('a counter renders exactly as a prom-client Counter; a label-less one exists at 0', async () => {
    const fast = new Registry();
    const reference = new Registry();
    const mine = new FastCounter('y_total', 'help', ['command', 'outcome'], fast);
    const theirs = new Counter({ name: 'y_total', help: 'help', labelNames: ['command', 'outcome'], registers: [reference] });
    mine.child('set', 'ok').value += 3;
    theirs.inc({ command: 'set', outcome: 'ok' }, 3);
    mine.child('get', 'moved').value++;
    theirs.inc({ command: 'get', outcome: 'moved' });
    new FastCounter('z_total', 'help', [], fast);
    new Counter({ name: 'z_total', help: 'help', registers: [reference] });
    expect(exposition(await fast.metrics())).toEqual(exposition(await reference.metrics()));
    expect(parseSamples(await fast.metrics()).get('z_total')).toBe(0);
  });
});

describe('BatchTimer', () => {
  test('times one write at a time; requests that arrive meanwhile are the next write, timed from when it starts', () => {
    const timer = new BatchTimer();
    const registry = new Registry();
    const duration = new FastHistogram('d', 'd', [], [1, 10, 100], registry).child();
    const entries = new FastHistogram('e', 'e', [], [1, 10, 100], registry).child();
    timer.started(1, 3, 0); // written at once
    timer.started(2, 2, 1); // queued
    timer.started(3, 4, 2); // merged with 2
    timer.finished(1, 5, duration, entries); // write 1 took 5; 2+3 start now
    timer.finished(1, 6, duration, entries); // stale: ignored
    timer.finished(3, 25, duration, entries); // write 2..3 took 20
    expect(duration.count).toBe(2);
    expect(duration.sum).toBe(25 / 1000);
    expect(entries.sum).toBe(3 + 6);
  });
});
