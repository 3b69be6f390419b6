/** The human side of an evaluation: a markdown table and a bar chart, beside SpatialVLM's reference rows. */
import type { MetricSet, ScoreSummary } from './scoring.js';
import { svgDocument, svgText, renderPng } from './svg.js';

/** SpatialVLM's table (Chen et al., CVPR 2024, table 1), on *their* benchmark: shares in [0, 1]. */
export const SPATIALVLM_REFERENCE: { model: string; qualitative: number; numberRate: number; within2x: number }[] = [
  { model: 'SpatialVLM', qualitative: 0.752, numberRate: 0.99, within2x: 0.372 },
  { model: 'GPT-4V', qualitative: 0.68, numberRate: 0.01, within2x: 0.0 },
  { model: 'LLaVA-1.5', qualitative: 0.713, numberRate: 0.209, within2x: 0.13 },
];

/** The headline metrics, each read from one score group. */
const HEADLINE: { label: string; group: keyof ScoreSummary['byGroup']; metric: keyof MetricSet; reference?: 'qualitative' | 'numberRate' | 'within2x' }[] = [
  { label: 'Qualitative accuracy', group: 'qualitative', metric: 'accuracy', reference: 'qualitative' },
  { label: 'States a number', group: 'quantitative', metric: 'numberRate', reference: 'numberRate' },
  { label: 'Within [0.5×, 2×]', group: 'quantitative', metric: 'within2x', reference: 'within2x' },
  { label: 'Within [0.75×, 1.33×]', group: 'quantitative', metric: 'within133' },
  { label: 'Direction ±1 h', group: 'direction', metric: 'clockWithin1' },
  { label: 'Reasoning accuracy', group: 'reasoning', metric: 'accuracy' },
];

function percent(value: number | undefined): string {
  return value === undefined ? '—' : `${(value * 100).toFixed(1)} %`;
}

/** The metric that best says how a type went: accuracy, in-range share for lengths, ±1 h for clocks. */
function primaryMetric(set: MetricSet): { label: string; value: number } {
  if (set.accuracy !== undefined) return { label: 'accuracy', value: set.accuracy };
  if (set.within2x !== undefined) return { label: 'within [0.5×, 2×]', value: set.within2x };
  return { label: '±1 h', value: set.clockWithin1 ?? 0 };
}

export function scoresMarkdown(model: string, summary: ScoreSummary, dataset: string): string {
  const lines = [
    `# Spatial VQA scores: ${model}`,
    '',
    `Dataset: \`${dataset}\`, ${summary.questions} questions${summary.unanswered ? `, ${summary.unanswered} never answered (scored as wrong)` : ''}.`,
    '',
    `| model | ${HEADLINE.map((h) => h.label).join(' | ')} |`,
    `|---|${HEADLINE.map(() => '---:').join('|')}|`,
    `| **${model}** | ${HEADLINE.map((h) => {
      const set = summary.byGroup[h.group];
      const value = set?.[h.metric];
      return value === undefined ? '—' : `${percent(value)} (n=${set!.questions})`;
    }).join(' | ')} |`,
    ...SPATIALVLM_REFERENCE.map((r) => `| ${r.model} † | ${HEADLINE.map((h) => (h.reference ? percent(r[h.reference]) : '—')).join(' | ')} |`),
    '',
    '† As reported by SpatialVLM (Chen et al., CVPR 2024, table 1) on its own benchmark, not on this dataset.',
    '',
    '## By question type',
    '',
    '| type | category | questions | accuracy | states a number | within [0.5×, 2×] | within [0.75×, 1.33×] | direction ±1 h |',
    '|---|---|---:|---:|---:|---:|---:|---:|',
    ...Object.entries(summary.byType).map(
      ([type, s]) =>
        `| ${type} | ${s.category} | ${s.questions} | ${percent(s.accuracy)} | ${percent(s.numberRate)} | ${percent(s.within2x)} | ${percent(s.within133)} | ${percent(s.clockWithin1)} |`,
    ),
    '',
  ];
  return lines.join('\n');
}

const SERIES_COLOURS = ['#d9480f', '#1c7ed6', '#74b816', '#ae3ec9'];

/** Grouped bars of the headline metrics (with the reference rows), then one bar per question type. */
export function scoresSvg(model: string, summary: ScoreSummary): string {
  const width = 1200;
  const types = Object.entries(summary.byType).sort(([a, x], [b, y]) => x.category.localeCompare(y.category) || a.localeCompare(b));
  const top = 70;
  const panelHeight = 300;
  const typeRow = 22;
  const typesTop = top + panelHeight + 110;
  const height = typesTop + Math.max(1, types.length) * typeRow + 40;
  const body: string[] = [svgText(30, 36, `Spatial VQA scores: ${model} (${summary.questions} questions)`, { 'font-size': 20, 'font-weight': 'bold' })];

  // Headline panel.
  const left = 70;
  const plotWidth = width - left - 40;
  const baseY = top + panelHeight;
  for (const tick of [0, 0.25, 0.5, 0.75, 1]) {
    const y = baseY - tick * panelHeight;
    body.push(`<line x1="${left}" y1="${y}" x2="${left + plotWidth}" y2="${y}" stroke="#e5e5e5"/>`);
    body.push(svgText(left - 8, y + 4, `${tick * 100}%`, { 'text-anchor': 'end', 'font-size': 11, fill: '#666' }));
  }
  const series = [model, ...SPATIALVLM_REFERENCE.map((r) => `${r.model} (paper)`)];
  const groupWidth = plotWidth / HEADLINE.length;
  const barWidth = (groupWidth - 30) / series.length;
  HEADLINE.forEach((h, g) => {
    const x0 = left + g * groupWidth + 15;
    const values = [summary.byGroup[h.group]?.[h.metric], ...SPATIALVLM_REFERENCE.map((r) => (h.reference ? r[h.reference] : undefined))];
    if (values[0] === undefined) {
      body.push(svgText(left + g * groupWidth + groupWidth / 2, baseY - 8, 'no questions', { 'text-anchor': 'middle', 'font-size': 11, fill: '#999' }));
    }
    values.forEach((value, s) => {
      if (value === undefined) return;
      const barHeight = Math.max(1, value * panelHeight);
      const x = x0 + s * barWidth;
      body.push(`<rect x="${x.toFixed(1)}" y="${(baseY - barHeight).toFixed(1)}" width="${(barWidth - 2).toFixed(1)}" height="${barHeight.toFixed(1)}" fill="${SERIES_COLOURS[s]}"/>`);
      body.push(svgText(x + barWidth / 2 - 1, baseY - barHeight - 4, `${Math.round(value * 100)}`, { 'text-anchor': 'middle', 'font-size': 10 }));
    });
    body.push(svgText(left + g * groupWidth + groupWidth / 2, baseY + 18, h.label, { 'text-anchor': 'middle', 'font-size': 12 }));
  });
  series.forEach((name, s) => {
    const x = left + s * 240;
    body.push(`<rect x="${x}" y="${baseY + 34}" width="14" height="14" fill="${SERIES_COLOURS[s]}"/>`);
    body.push(svgText(x + 20, baseY + 46, name, { 'font-size': 12 }));
  });

  // Per-type panel.
  body.push(svgText(30, typesTop - 20, 'By question type (accuracy; lengths: within [0.5×, 2×]; clocks: ±1 h)', { 'font-size': 15, 'font-weight': 'bold' }));
  const labelWidth = 260;
  const barArea = width - labelWidth - 140;
  types.forEach(([type, set], i) => {
    const y = typesTop + i * typeRow;
    const { value } = primaryMetric(set);
    body.push(svgText(labelWidth - 8, y + 14, `${type} (${set.category})`, { 'text-anchor': 'end', 'font-size': 12 }));
    body.push(`<rect x="${labelWidth}" y="${y + 3}" width="${barArea}" height="${typeRow - 6}" fill="#f1f3f5"/>`);
    body.push(`<rect x="${labelWidth}" y="${y + 3}" width="${(value * barArea).toFixed(1)}" height="${typeRow - 6}" fill="${SERIES_COLOURS[0]}"/>`);
    body.push(svgText(labelWidth + barArea + 8, y + 14, `${(value * 100).toFixed(0)} % of ${set.questions}`, { 'font-size': 12 }));
  });
  return svgDocument(width, height, body);
}

export function scoresPng(model: string, summary: ScoreSummary): Promise<Buffer> {
  return renderPng(scoresSvg(model, summary));
}
