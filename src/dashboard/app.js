// The dashboard page: polls this node's /cluster and /metrics once a second
// for the members, charts and elections, and draws trace timelines on demand.
import { drawLineChart, Series } from './charts.js';
import { renderElections, renderMembers } from './members.js';
import { binaryKey, buildTimeline, parseTraces } from './trace-parse.js';
import { applyFilters, DEFAULT_TYPES, MESSAGE_TYPES, renderTimeline } from './timeline.js';

const POLL_MS = 1000;
const $ = (id) => document.getElementById(id);

const throughput = new Series('entries/s');
const latencyMean = new Series('mean');
const latencyP99 = new Series('p99');
let previous = null;

async function poll() {
  try {
    const [clusterResponse, metricsResponse] = await Promise.all([fetch('/cluster'), fetch('/metrics')]);
    const { self, cluster } = await clusterResponse.json();
    const metrics = parseHistogram(await metricsResponse.text(), 'raftkv_client_request_duration_seconds');
    showCluster(self, cluster);
    updateCharts(cluster, metrics);
  } catch (error) {
    $('verdict').textContent = `this node is not answering (${error.message})`;
    $('verdict').className = 'verdict bad';
  } finally {
    setTimeout(poll, POLL_MS);
  }
}

function showCluster(self, cluster) {
  const verdict = $('verdict');
  verdict.textContent = cluster.ok ? `leader ${cluster.leader}, term ${cluster.term}, ${cluster.up}/${cluster.size} up` : cluster.problems.join('; ');
  verdict.className = `verdict ${cluster.ok ? 'ok' : 'bad'}`;
  verdict.dataset.leader = cluster.leader ?? '';
  $('served-by').textContent = `served by ${self.node} (${self.role}, term ${self.term})`;
  renderMembers($('members').tBodies[0], cluster);
  renderElections($('elections').tBodies[0], self.elections);
}

function updateCharts(cluster, histogram) {
  const now = Date.now();
  const commit = Math.max(0, ...cluster.members.filter((m) => m.up).map((m) => m.commitIndex ?? 0));
  if (previous !== null) {
    const seconds = (now - previous.time) / 1000;
    throughput.push(now, Math.max(0, commit - previous.commit) / seconds);
    const count = histogram.count - previous.histogram.count;
    if (count > 0) {
      latencyMean.push(now, ((histogram.sum - previous.histogram.sum) / count) * 1000);
      latencyP99.push(now, quantile(previous.histogram.buckets, histogram.buckets, 0.99) * 1000);
    } else {
      latencyMean.push(now, 0);
      latencyP99.push(now, 0);
    }
  }
  previous = { time: now, commit, histogram };
  drawLineChart($('throughput-chart'), [throughput], 'entries/s');
  drawLineChart($('latency-chart'), [latencyMean, latencyP99], 'ms');
}

/** A histogram's sum, count and cumulative buckets (le -> count), summed over every label set. */
function parseHistogram(text, name) {
  const result = { sum: 0, count: 0, buckets: new Map() };
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (line.startsWith(`${name}_sum`)) result.sum += value;
    else if (line.startsWith(`${name}_count`)) result.count += value;
    else if (line.startsWith(`${name}_bucket`)) {
      const le = /le="([^"]+)"/.exec(line)?.[1];
      if (le !== undefined) result.buckets.set(le, (result.buckets.get(le) ?? 0) + value);
    }
  }
  return result;
}

/** The q-quantile of what was observed between two scrapes: the upper bound of the bucket it falls in. */
function quantile(before, after, q) {
  const bounds = [...after.keys()].filter((le) => le !== '+Inf').map(Number).sort((a, b) => a - b);
  const total = (after.get('+Inf') ?? 0) - (before.get('+Inf') ?? 0);
  if (total <= 0) return 0;
  for (const bound of bounds) {
    const key = String(bound);
    if ((after.get(key) ?? 0) - (before.get(key) ?? 0) >= q * total) return bound;
  }
  return bounds.at(-1) ?? 0;
}

// ---------------------------------------------------------------- timeline

let model = null;
let zoom = 1;
let loads = 0;
const filters = { types: new Set(DEFAULT_TYPES), term: null, key: null, showClient: false };

function loadTraceTexts(texts, source) {
  const parsed = parseTraces(texts);
  model = buildTimeline(parsed);
  const termSelect = $('filter-term');
  termSelect.replaceChildren(new Option('all', ''), ...model.terms.map((t) => new Option(String(t), String(t))));
  filters.term = null;
  const problems = parsed.errors.length > 0 ? `; skipped: ${parsed.errors.join('; ')}` : '';
  $('timeline-summary').textContent = `${source}: ${parsed.records.length} events on ${model.lanes.length} nodes, ${model.arrows.length} messages${problems}`;
  $('timeline-summary').dataset.loaded = 'true';
  $('timeline-summary').dataset.loads = String(++loads);
  drawTimeline();
}

function drawTimeline() {
  if (model === null) return;
  const view = applyFilters(model, filters);
  const width = Math.max(800, $('timeline-scroll').clientWidth - 4) * zoom;
  renderTimeline($('timeline'), model, view, width, (details) => {
    $('details').textContent = JSON.stringify(details, null, 2);
  });
  const note = view.hidden > 0 ? ` (${view.hidden} more not drawn: narrow the filters)` : '';
  $('timeline').dataset.shown = String(view.arrows.length);
  $('timeline-scroll').title = `${view.arrows.length} messages shown${note}`;
}

function setUpTimeline() {
  const types = $('filter-types');
  for (const type of MESSAGE_TYPES) {
    const label = document.createElement('label');
    const box = document.createElement('input');
    box.type = 'checkbox';
    box.value = type;
    box.checked = DEFAULT_TYPES.has(type);
    box.addEventListener('change', () => {
      if (box.checked) filters.types.add(type);
      else filters.types.delete(type);
      drawTimeline();
    });
    label.append(box, ` ${type}`);
    types.append(label);
  }
  $('trace-files').addEventListener('change', async (event) => {
    const files = [...event.target.files];
    try {
      loadTraceTexts(await Promise.all(files.map((f) => f.text())), files.map((f) => f.name).join(', '));
    } catch (error) {
      // A trace still being written changes under the browser, which then refuses to read it.
      $('timeline-summary').textContent = `could not read ${files.map((f) => f.name).join(', ')}: ${error.message} (a trace still being written? choose it again, or a copy)`;
      $('timeline-summary').dataset.loads = String(++loads);
    }
  });
  $('load-flight').addEventListener('click', async () => {
    const response = await fetch('/debug/flight');
    loadTraceTexts([await response.text()], "this node's flight recorder");
  });
  $('filter-term').addEventListener('change', (event) => {
    filters.term = event.target.value === '' ? null : Number(event.target.value);
    drawTimeline();
  });
  $('filter-key').addEventListener('input', (event) => {
    filters.key = event.target.value === '' ? null : binaryKey(event.target.value);
    drawTimeline();
  });
  $('show-client').addEventListener('change', (event) => {
    filters.showClient = event.target.checked;
    drawTimeline();
  });
  $('zoom-in').addEventListener('click', () => {
    zoom = Math.min(64, zoom * 2);
    drawTimeline();
  });
  $('zoom-out').addEventListener('click', () => {
    zoom = Math.max(1, zoom / 2);
    drawTimeline();
  });
}

setUpTimeline();
poll();
