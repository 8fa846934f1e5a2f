// The trace timeline: one horizontal lane per node, time running left to
// right, each message an arrow from its sender's lane (when sent) to its
// receiver's lane (when received). Dashed: only one end was traced.
import { svgElement } from './charts.js';
import { mentionsKey } from './trace-parse.js';

export const MESSAGE_TYPES = ['PreVote', 'PreVoteResponse', 'RequestVote', 'RequestVoteResponse', 'TimeoutNow', 'AppendEntries', 'AppendEntriesResponse', 'Heartbeat', 'HeartbeatResponse', 'InstallSnapshot', 'InstallSnapshotResponse'];
/** Heartbeats arrive every 50 ms and drown the rest: off until asked for. */
export const DEFAULT_TYPES = new Set(['RequestVote', 'RequestVoteResponse', 'AppendEntries', 'AppendEntriesResponse']);

const ARROWS_MAX = 4000;
const LANE_HEIGHT = 80;
const TOP = 30;
const LEFT = 70;
const RIGHT = 30;

/** What the filters let through, and the time window that frames it. */
export function applyFilters(model, filters) {
  const arrows = model.arrows.filter(
    (a) => filters.types.has(a.type) && (filters.term === null || a.term === filters.term) && (filters.key === null || mentionsKey(a.message, filters.key)),
  );
  const markers = model.markers.filter((m) => {
    if (m.kind === 'client') return (filters.showClient || filters.key !== null) && (filters.key === null || mentionsKey(m.record.event.request, filters.key));
    return filters.term === null || m.term === filters.term;
  });
  let t0 = Infinity;
  let t1 = -Infinity;
  for (const a of arrows) [t0, t1] = [Math.min(t0, a.sendT), Math.max(t1, a.recvT)];
  for (const m of markers) [t0, t1] = [Math.min(t0, m.t), Math.max(t1, m.t)];
  if (t0 > t1) [t0, t1] = [model.t0, model.t1];
  const pad = Math.max(1, (t1 - t0) * 0.02);
  return { arrows: arrows.slice(0, ARROWS_MAX), markers, hidden: Math.max(0, arrows.length - ARROWS_MAX), t0: t0 - pad, t1: t1 + pad };
}

/** Draws the filtered model into svg; onSelect(details) is called with whatever is clicked. */
export function renderTimeline(svg, model, view, width, onSelect) {
  svg.replaceChildren();
  const height = TOP + model.lanes.length * LANE_HEIGHT;
  svg.setAttribute('width', String(width));
  svg.setAttribute('height', String(height));
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  const laneY = new Map(model.lanes.map((node, i) => [node, TOP + LANE_HEIGHT / 2 + i * LANE_HEIGHT]));
  const x = (t) => LEFT + ((t - view.t0) / Math.max(1, view.t1 - view.t0)) * (width - LEFT - RIGHT);
  svg.append(arrowheadDefs());
  drawAxis(svg, view, x, height);
  for (const [node, y] of laneY) {
    const lane = svgElement('g', { class: 'lane', 'data-node': node, 'data-y': y });
    lane.append(svgElement('line', { class: 'lane-line', x1: LEFT, x2: width - RIGHT, y1: y, y2: y }));
    lane.append(svgElement('text', { class: 'lane-label', x: 8, y: y + 4 }, node));
    svg.append(lane);
  }
  for (const arrow of view.arrows) {
    const line = svgElement('line', {
      class: `arrow t-${arrow.type}${arrow.matched ? '' : ' unmatched'}`,
      x1: x(arrow.sendT).toFixed(1),
      y1: laneY.get(arrow.from),
      x2: x(arrow.recvT).toFixed(1),
      y2: laneY.get(arrow.to),
      'marker-end': 'url(#arrowhead)',
      'data-type': arrow.type,
      'data-from': arrow.from,
      'data-to': arrow.to,
      'data-term': arrow.term,
      'data-matched': arrow.matched,
    });
    // A wide transparent twin of the line takes the clicks a 1.4 px stroke would mostly miss.
    const hit = svgElement('line', { class: 'arrow-hit', x1: line.getAttribute('x1'), y1: line.getAttribute('y1'), x2: line.getAttribute('x2'), y2: line.getAttribute('y2') });
    const group = svgElement('g', { class: 'arrow-group' });
    group.append(svgElement('title', {}, `${arrow.type} ${arrow.from} -> ${arrow.to}, term ${arrow.term}`), line, hit);
    group.addEventListener('click', () => select(svg, line, onSelect, arrowDetails(arrow)));
    svg.append(group);
  }
  for (const marker of view.markers) {
    const y = laneY.get(marker.node);
    const g = svgElement('g', { class: 'marker', 'data-kind': marker.kind, 'data-node': marker.node });
    g.append(svgElement('circle', { class: `m-${marker.kind}`, cx: x(marker.t).toFixed(1), cy: y, r: marker.kind === 'client' ? 3 : 5 }));
    if (marker.kind !== 'client' && marker.kind !== 'follower') g.append(svgElement('text', { class: 'marker-label', x: x(marker.t) + 6, y: y - 8 }, marker.label));
    g.append(svgElement('title', {}, `${marker.node}: ${marker.label}`));
    g.addEventListener('click', () => select(svg, g, onSelect, { node: marker.node, what: marker.label, record: marker.record }));
    svg.append(g);
  }
}

function select(svg, element, onSelect, details) {
  for (const old of svg.querySelectorAll('.selected')) old.classList.remove('selected');
  element.classList.add('selected');
  onSelect(details);
}

function arrowDetails(arrow) {
  const end = (record) => (record ? { node: record.node, seq: record.seq, t: record.t, time: new Date(record.t).toISOString() } : 'not in the loaded traces');
  return {
    message: `${arrow.type} ${arrow.from} -> ${arrow.to} (term ${arrow.term})`,
    sent: end(arrow.send),
    received: end(arrow.recv),
    transitMs: arrow.matched ? arrow.recvT - arrow.sendT : null,
    fields: arrow.message,
  };
}

function arrowheadDefs() {
  const defs = svgElement('defs');
  const marker = svgElement('marker', { id: 'arrowhead', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 6, markerHeight: 6, orient: 'auto-start-reverse' });
  marker.append(svgElement('path', { d: 'M 0 0 L 10 5 L 0 10 z', fill: '#4b5563' }));
  defs.append(marker);
  return defs;
}

function drawAxis(svg, view, x, height) {
  const span = view.t1 - view.t0;
  const step = niceStep(span / 8);
  const first = Math.ceil(view.t0 / step) * step;
  svg.append(svgElement('text', { class: 'tick', x: LEFT, y: 12 }, new Date(view.t0).toISOString().slice(11, 23)));
  for (let t = first; t <= view.t1; t += step) {
    svg.append(svgElement('line', { class: 'lane-line', x1: x(t), x2: x(t), y1: 18, y2: height }));
    svg.append(svgElement('text', { class: 'tick', x: x(t) + 2, y: 26 }, `+${Math.round(t - view.t0)} ms`));
  }
}

function niceStep(raw) {
  const power = 10 ** Math.floor(Math.log10(Math.max(raw, 0.001)));
  for (const m of [1, 2, 5, 10]) if (raw <= m * power) return m * power;
  return 10 * power;
}
