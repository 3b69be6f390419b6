// Throughput over time: one line per stage, images per second, drawn as SVG into a 520×220 viewBox.
// Rates come from the counts the page polled: images a stage finished over the last few seconds.
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

/** A rate is measured over at least this span of polls, ms; shorter spans (two polls close together) would spike. */
const RATE_SPAN_MS = 2000;

/** For each poll, the index of the latest poll at least RATE_SPAN_MS before it, or -1 while there is none. */
function spanStarts(history) {
  let from = 0;
  return history.map((h) => {
    while (from + 1 < history.length && history[from + 1].t <= h.t - RATE_SPAN_MS) from++;
    return h.t - history[from].t >= RATE_SPAN_MS ? from : -1;
  });
}

/**
 * @param {SVGSVGElement} svg
 * @param {{ t: number, finished: Record<string, number> }[]} history oldest first; t in milliseconds
 * @param {string[]} stages
 */
export function drawThroughputChart(svg, history, stages) {
  svg.replaceChildren();
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const now = history.length ? history[history.length - 1].t : Date.now();
  const spanMs = Math.max(10_000, history.length ? now - history[0].t : 0);
  const starts = spanStarts(history);
  const measured = history.map((_, i) => i).filter((i) => starts[i] >= 0);
  // Images per second each stage finished over the span ending at each measured poll.
  const rate = (stage, i) => {
    const from = history[starts[i]];
    return Math.max(0, ((history[i].finished[stage] ?? 0) - (from.finished[stage] ?? 0)) / ((history[i].t - from.t) / 1000));
  };
  const series = new Map(stages.map((stage) => [stage, measured.map((i) => rate(stage, i))]));
  const max = niceCeiling(Math.max(0, ...[...series.values()].flat()));
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

  if (measured.length < 2) {
    svg.append(node('text', { x: PAD.left + plotW / 2, y: PAD.top + plotH / 2, 'text-anchor': 'middle' }, 'collecting…'));
    return;
  }
  for (const stage of stages) {
    const values = series.get(stage);
    const points = measured.map((i, k) => [x(history[i].t), y(values[k])]);
    const line = points.map(([px, py], i) => `${i ? 'L' : 'M'}${px.toFixed(1)},${py.toFixed(1)}`).join(' ');
    const colour = stageColour(stage);
    const base = y(0).toFixed(1);
    svg.append(node('path', { class: 'area', d: `${line} L${points[points.length - 1][0].toFixed(1)},${base} L${points[0][0].toFixed(1)},${base} Z`, fill: colour }));
    svg.append(node('path', { class: 'series', d: line, stroke: colour, 'data-stage': stage }));
  }
}
