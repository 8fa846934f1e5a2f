// Small SVG line charts: a rolling window of samples per series, no library.

const SVG = 'http://www.w3.org/2000/svg';
const WIDTH = 480;
const HEIGHT = 160;
const PAD = { left: 44, right: 8, top: 10, bottom: 20 };

export function svgElement(name, attributes = {}, text) {
  const element = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
  if (text !== undefined) element.textContent = text;
  return element;
}

/** A rolling series of [time ms, value] points, at most `limit` long. */
export class Series {
  constructor(name, limit = 120) {
    this.name = name;
    this.limit = limit;
    this.points = [];
  }

  push(t, value) {
    if (!Number.isFinite(value)) return;
    this.points.push([t, value]);
    if (this.points.length > this.limit) this.points.shift();
  }
}

/** Draws every series into svg, sharing axes; x is time, the y axis starts at 0. */
export function drawLineChart(svg, series, unit) {
  svg.replaceChildren();
  const all = series.flatMap((s) => s.points);
  if (all.length === 0) {
    svg.append(svgElement('text', { x: WIDTH / 2, y: HEIGHT / 2, 'text-anchor': 'middle' }, 'waiting for data'));
    return;
  }
  const t0 = Math.min(...all.map((p) => p[0]));
  const t1 = Math.max(t0 + 1, ...all.map((p) => p[0]));
  const yMax = niceMax(Math.max(...all.map((p) => p[1])));
  const x = (t) => PAD.left + ((t - t0) / (t1 - t0)) * (WIDTH - PAD.left - PAD.right);
  const y = (v) => HEIGHT - PAD.bottom - (v / yMax) * (HEIGHT - PAD.top - PAD.bottom);
  svg.append(svgElement('line', { class: 'axis', x1: PAD.left, x2: WIDTH - PAD.right, y1: y(0), y2: y(0) }));
  svg.append(svgElement('line', { class: 'axis', x1: PAD.left, x2: PAD.left, y1: PAD.top, y2: y(0) }));
  for (const v of [0, yMax / 2, yMax]) {
    svg.append(svgElement('text', { x: PAD.left - 4, y: y(v) + 3, 'text-anchor': 'end' }, formatNumber(v)));
  }
  svg.append(svgElement('text', { x: PAD.left, y: HEIGHT - 4 }, `${Math.round((t1 - t0) / 1000)} s window`));
  svg.append(svgElement('text', { x: WIDTH - PAD.right, y: HEIGHT - 4, 'text-anchor': 'end' }, unit));
  series.forEach((s, i) => {
    if (s.points.length === 0) return;
    const last = s.points.at(-1);
    const d = s.points.map(([t, v], j) => `${j === 0 ? 'M' : 'L'}${x(t).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
    svg.append(svgElement('path', { class: `series-${i}`, d, 'data-series': s.name, 'data-points': s.points.length, 'data-last': last[1] }));
    svg.append(svgElement('text', { x: WIDTH - PAD.right - 2, y: PAD.top + 10 + i * 12, 'text-anchor': 'end', class: `legend-${i}` }, `${s.name}: ${formatNumber(last[1])}`));
  });
}

function niceMax(value) {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (value <= step * power) return step * power;
  return 10 * power;
}

export function formatNumber(value) {
  if (value >= 1000) return `${(value / 1000).toFixed(value >= 10000 ? 0 : 1)}k`;
  if (value >= 10 || value === 0) return String(Math.round(value));
  return value.toFixed(2);
}
