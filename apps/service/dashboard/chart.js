// Throughput over time: one line per stage, images per second, drawn as SVG into a 520×220 viewBox.
const SVG = 'http://www.w3.org/2000/svg';
const WIDTH = 520;
const HEIGHT = 220;
const PAD = { left: 34, right: 10, top: 10, bottom: 22 };

const COLOURS = ['#4cc9f0', '#b794f4', '#22c55e', '#f59e0b', '#f72585', '#06d6a0', '#fb8500', '#8ecae6', '#e9c46a', '#ef476f'];
const assigned = new Map();

/** A stable colour per stage name, in the order stages are first seen. */
export function stageColour(stage) {
  if (!assigned.has(stage)) assigned.set(stage, COLOURS[assigned.size % COLOURS.length]);
  return assigned.get(stage);
}

function node(tag, attributes, text) {
  const n = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attributes)) n.setAttribute(k, String(v));
  if (text !== undefined) n.textContent = text;
  return n;
}

/** A round upper bound for the y axis: 1, 2, 5 × 10^k. */
function niceCeiling(value) {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const m of [1, 2, 5, 10]) if (value <= m * power) return m * power;
  return 10 * power;
}

/**
 * @param {SVGSVGElement} svg
 * @param {{ t: number, rates: Record<string, number> }[]} history oldest first; t in milliseconds
 * @param {string[]} stages
 */
export function drawThroughputChart(svg, history, stages) {
  svg.replaceChildren();
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const now = history.length ? history[history.length - 1].t : Date.now();
  const spanMs = Math.max(20_000, history.length ? now - history[0].t : 0);
  const max = niceCeiling(Math.max(0, ...history.flatMap((h) => stages.map((s) => h.rates[s] ?? 0))));
  const x = (t) => PAD.left + plotW - ((now - t) / spanMs) * plotW;
  const y = (v) => PAD.top + plotH - (v / max) * plotH;

  const grid = node('g', { class: 'grid' });
  const steps = max / 10 ** Math.floor(Math.log10(max)) === 5 ? 5 : 4;
  for (let i = 0; i <= steps; i++) {
    const value = (max * i) / steps;
    grid.append(node('line', { x1: PAD.left, x2: WIDTH - PAD.right, y1: y(value), y2: y(value) }));
    grid.append(node('text', { x: PAD.left - 6, y: y(value) + 3, 'text-anchor': 'end' }, Number.isInteger(value) ? String(value) : value.toFixed(1)));
  }
  const spanS = Math.round(spanMs / 1000);
  grid.append(node('text', { x: PAD.left, y: HEIGHT - 6 }, `−${spanS >= 120 ? `${Math.round(spanS / 60)} min` : `${spanS} s`}`));
  grid.append(node('text', { x: WIDTH - PAD.right, y: HEIGHT - 6, 'text-anchor': 'end' }, 'now'));
  svg.append(grid);

  if (history.length < 2) {
    svg.append(node('text', { x: PAD.left + plotW / 2, y: PAD.top + plotH / 2, 'text-anchor': 'middle' }, 'collecting…'));
    return;
  }
  for (const stage of stages) {
    const points = history.map((h) => [x(h.t), y(h.rates[stage] ?? 0)]);
    const line = points.map(([px, py], i) => `${i ? 'L' : 'M'}${px.toFixed(1)},${py.toFixed(1)}`).join(' ');
    const colour = stageColour(stage);
    const base = y(0).toFixed(1);
    svg.append(node('path', { class: 'area', d: `${line} L${points[points.length - 1][0].toFixed(1)},${base} L${points[0][0].toFixed(1)},${base} Z`, fill: colour }));
    svg.append(node('path', { class: 'series', d: line, stroke: colour, 'data-stage': stage }));
  }
}
