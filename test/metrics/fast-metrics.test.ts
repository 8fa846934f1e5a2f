/** The hot-path counters and histograms render the samples prom-client's own would. */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { describe, expect, test } from 'vitest';
import { constantLabels, FastCounter, FastGauge, FastHistogram, renderFast } from '../../src/metrics/fast-metrics.js';
import { createNodeMetrics } from '../../src/metrics/definitions.js';
import { renderMetrics } from '../../src/metrics/scrape.js';
import { nodeStatus } from '../../src/metrics/status.js';
import { PeerTrafficCounters } from '../../src/transport/traffic.js';
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

describe('fast metrics render themselves', () => {
  test('renderFast writes the lines a prom-client Registry writes for the same metrics, label values escaped, twice alike', async () => {
    const registry = new Registry();
    registry.setDefaultLabels({ node: 'n1' });
    const counter = new FastCounter('c_total', 'a help with \\ and\na newline', ['peer', 'type'], registry);
    const gauge = new FastGauge('g', 'gauge help', ['follower'], registry);
    const plain = new FastGauge('p', 'plain', [], registry);
    const histogram = new FastHistogram('h_seconds', 'h', ['command'], BOUNDS, registry);
    counter.child('n2', 'AppendEntries').value += 5;
    counter.child('odd "peer"\\', 'x\ny').value = 1.5;
    gauge.child('n3').value = -1;
    gauge.child('n4').value = Infinity;
    plain.set(NaN);
    for (const value of VALUES) histogram.child('set').observe(value);
    histogram.child('get');
    const metrics = [counter, gauge, plain, histogram];
    const own = renderFast(metrics, constantLabels({ node: 'n1' }));
    const reference = await registry.metrics();
    expect(exposition(own)).toEqual(exposition(reference));
    expect(own).toContain('c_total{peer="odd \\"peer\\"\\\\",type="x\\ny",node="n1"} 1.5\n');
    expect(renderFast(metrics, constantLabels({ node: 'n1' }))).toBe(own);
    gauge.reset();
    gauge.child('n3').value = 7;
    const after = parseSamples(renderFast(metrics, constantLabels({ node: 'n1' })));
    expect(after.get('g{follower="n3"}')).toBe(7);
    expect(after.has('g{follower="n4"}')).toBe(false);
    expect(parseSamples(renderFast(metrics, ''))).toEqual(after);
  });

  test('a FastGauge renders as a prom-client Gauge', async () => {
    const fast = new Registry();
    const reference = new Registry();
    const mine = new FastGauge('q', 'help', ['follower'], fast);
    const theirs = new Gauge({ name: 'q', help: 'help', labelNames: ['follower'], registers: [reference] });
    mine.child('n2').value = 3;
    theirs.set({ follower: 'n2' }, 3);
    new FastGauge('r', 'help', [], fast);
    new Gauge({ name: 'r', help: 'help', registers: [reference] });
    expect(exposition(await fast.metrics())).toEqual(exposition(await reference.metrics()));
  });

  test("a node's scrape holds every sample its Registry renders, the defaults included", async () => {
    const metrics = createNodeMetrics('n1');
    metrics.client.requestDuration.child('set').observe(0.002);
    metrics.network.messagesSent.child('n2', 'Heartbeat').value++;
    const status = nodeStatus({
      nodeId: 'n1',
      members: [{ id: 'n1', peer: '127.0.0.1:1', client: '127.0.0.1:2' }],
      view: () => ({ id: 'n1', role: 'leader', term: 4, vote: 'n1', leader: 'n1', commitIndex: 9, firstIndex: 1, lastIndex: 10, stableIndex: 10, config: null }),
      matchIndexes: () => ({ n2: 9, n3: 4 }),
      appliedIndex: () => 9,
      pendingRequests: () => 1,
      clientConnections: () => 2,
      sessions: () => 3,
      elections: () => [],
      snapshotIndex: () => 0,
      startedMs: 0,
    });
    const scraped = await renderMetrics(metrics, status, new PeerTrafficCounters(['n2', 'n3']));
    const all = await metrics.registry.metrics();
    const names = (text: string) => new Set(exposition(text).comments);
    expect(names(scraped)).toEqual(names(all));
    const samples = parseSamples(scraped);
    // Process figures move between two renders; ours must be equal.
    const ours = (map: Map<string, number>) => new Map([...map].filter(([key]) => key.startsWith('raftkv_')));
    expect(ours(samples)).toEqual(ours(parseSamples(all)));
    expect(samples.get('raftkv_server_current_term')).toBe(4);
    expect(samples.get('raftkv_client_request_duration_seconds_bucket{command="set",le="0.0025"}')).toBe(1);
    expect(samples.has('process_cpu_seconds_total')).toBe(true);
    expect(scraped.split('\n').filter((l) => l !== '' && !l.startsWith('#')).every((l) => l.includes('node="n1"'))).toBe(true);
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
