/** The reward plot: distance per frame (measured and smoothed), the success threshold, and the outcome. */
import type { RewardResult } from './reward.js';
import { niceTicks, renderPng, svgDocument, svgText } from './svg.js';

export const REWARD_PLOT_SIZE = { width: 960, height: 540 } as const;

export function rewardSvg(result: RewardResult): string {
  const { width, height } = REWARD_PLOT_SIZE;
  const margin = { left: 80, right: 30, top: 60, bottom: 110 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const frames = result.frames;
  const values = frames.flatMap((f) => [f.centreDistance, f.gap]).filter((v): v is number => v !== null);
  const yMax = Math.max(result.threshold * 2, ...values) * 1.1;
  const yTicks = niceTicks(0, yMax, 6);
  const top = Math.max(yMax, yTicks.at(-1) ?? yMax);
  const xMax = Math.max(1, frames.length - 1);
  const x = (i: number) => margin.left + (i / xMax) * plotW;
  const y = (v: number) => margin.top + plotH - (v / top) * plotH;
  const body: string[] = [
    svgText(margin.left, 34, `Reward: ${result.a} → ${result.b}`, { 'font-size': 20, 'font-weight': 'bold' }),
  ];
  // Axes and grid.
  for (const tick of yTicks) {
    body.push(`<line x1="${margin.left}" y1="${y(tick).toFixed(1)}" x2="${margin.left + plotW}" y2="${y(tick).toFixed(1)}" stroke="#e5e5e5"/>`);
    body.push(svgText(margin.left - 8, y(tick) + 4, `${Number(tick.toFixed(3))}`, { 'text-anchor': 'end', 'font-size': 12, fill: '#555' }));
  }
  for (const tick of niceTicks(0, xMax, 10).filter((t) => Number.isInteger(t))) {
    body.push(`<line x1="${x(tick).toFixed(1)}" y1="${margin.top + plotH}" x2="${x(tick).toFixed(1)}" y2="${margin.top + plotH + 5}" stroke="#555"/>`);
    body.push(svgText(x(tick), margin.top + plotH + 20, String(tick), { 'text-anchor': 'middle', 'font-size': 12, fill: '#555' }));
  }
  body.push(`<rect x="${margin.left}" y="${margin.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#888"/>`);
  body.push(svgText(margin.left + plotW / 2, margin.top + plotH + 44, 'frame', { 'text-anchor': 'middle', 'font-size': 14 }));
  body.push(svgText(22, margin.top + plotH / 2, 'distance (m)', { 'text-anchor': 'middle', 'font-size': 14, transform: `rotate(-90 22 ${margin.top + plotH / 2})` }));

  // Threshold.
  body.push(`<line x1="${margin.left}" y1="${y(result.threshold).toFixed(1)}" x2="${margin.left + plotW}" y2="${y(result.threshold).toFixed(1)}" stroke="#e03131" stroke-width="1.5" stroke-dasharray="8 5"/>`);
  body.push(svgText(margin.left + 6, y(result.threshold) - 6, `success threshold ${result.threshold} m`, { 'font-size': 12, fill: '#e03131' }));

  const line = (key: 'smoothedGap' | 'smoothedCentreDistance', colour: string, widthPx: number) => {
    const segments: string[] = [];
    let open = false;
    for (const f of frames) {
      const v = f[key];
      if (v === null) {
        open = false;
        continue;
      }
      segments.push(`${open ? 'L' : 'M'}${x(f.index).toFixed(1)},${y(v).toFixed(1)}`);
      open = true;
    }
    return `<path d="${segments.join(' ')}" fill="none" stroke="${colour}" stroke-width="${widthPx}" stroke-linejoin="round"/>`;
  };
  const dots = (key: 'gap' | 'centreDistance', colour: string) =>
    frames
      .filter((f) => f[key] !== null)
      .map((f) => `<circle cx="${x(f.index).toFixed(1)}" cy="${y(f[key]!).toFixed(1)}" r="3" fill="${colour}" fill-opacity="0.55"/>`)
      .join('');
  body.push(line('smoothedCentreDistance', '#adb5bd', 2), dots('centreDistance', '#868e96'));
  body.push(line('smoothedGap', '#1c7ed6', 3), dots('gap', '#1c7ed6'));

  // Outcome marker at the last measured frame.
  if (result.final) {
    const cx = x(result.final.index);
    const cy = y(result.final.gap);
    const colour = result.success ? '#2f9e44' : '#e03131';
    body.push(`<circle cx="${cx.toFixed(1)}" cy="${cy.toFixed(1)}" r="9" fill="none" stroke="${colour}" stroke-width="3"/>`);
    const gap = `final gap ${(result.final.gap * 100).toFixed(1)} cm`;
    body.push(svgText(margin.left + plotW - 10, margin.top + 22, result.success ? `success: ${gap} ≤ ${result.threshold} m` : `no success: ${gap} > ${result.threshold} m`, { 'text-anchor': 'end', 'font-size': 14, fill: colour, 'font-weight': 'bold' }));
  }

  // Legend.
  const legendY = height - 28;
  const legend: [string, string, string][] = [
    ['#1c7ed6', 'gap (closest points), measured', 'dot'],
    ['#1c7ed6', 'gap, moving median', 'line'],
    ['#868e96', 'centre distance, measured', 'dot'],
    ['#adb5bd', 'centre distance, moving median', 'line'],
  ];
  legend.forEach(([colour, label, kind], i) => {
    const lx = margin.left + i * 215;
    body.push(kind === 'dot' ? `<circle cx="${lx + 8}" cy="${legendY - 4}" r="4" fill="${colour}"/>` : `<line x1="${lx}" y1="${legendY - 4}" x2="${lx + 16}" y2="${legendY - 4}" stroke="${colour}" stroke-width="3"/>`);
    body.push(svgText(lx + 22, legendY, label, { 'font-size': 12 }));
  });
  return svgDocument(width, height, body);
}

export function rewardPng(result: RewardResult): Promise<Buffer> {
  return renderPng(rewardSvg(result));
}
