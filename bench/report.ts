/**
 * What every benchmark writes: `bench/results/<bench>.json` with its figures, the headline rows the
 * README shows, and its goals, each a number checked against a target. `npm run bench` (bench/run.ts)
 * prints every bench's goals in one table at the end, and `npm run bench:readme` turns the latest files
 * into the README's benchmark section, so no figure there is typed by hand.
 */
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';

/** A goal as stored: `value` and `goal` are numbers in the unit the name states. */
export interface Goal {
  /** What is measured, with its unit: "lift per frame vs Open3D (× faster)". */
  name: string;
  value: number;
  goal: number;
  /** Whether a higher or a lower value is better ("≥ goal" or "≤ goal"). */
  better: 'higher' | 'lower';
  met: boolean;
  /** Why the figure falls short, when it does (no figures: those come from value and goal). */
  whyMissed?: string;
}

/** A row of the README's table for a bench: what was measured, our figure, the reference beside it. */
export interface Headline {
  measure: string;
  value: string;
  reference?: string;
}

export interface BenchResults {
  bench: string;
  command: string;
  /** One sentence: what runs, on what, against what. */
  title: string;
  at: string;
  machine: { cpus: number; cpuModel?: string; node: string; loadAverage1m: { before: number; after: number } };
  headline: Headline[];
  goals: Goal[];
  figures: unknown;
}

export const RESULTS_DIR = new URL('./results/', import.meta.url);

const loadAtStart = loadavg()[0]!;

/** A goal met when `value ≥ goal`. */
export function atLeast(name: string, value: number, goal: number, whyMissed?: string): Goal {
  return withReason({ name, value, goal, better: 'higher', met: value >= goal }, whyMissed);
}

/** A goal met when `value ≤ goal`. */
export function atMost(name: string, value: number, goal: number, whyMissed?: string): Goal {
  return withReason({ name, value, goal, better: 'lower', met: value <= goal }, whyMissed);
}

function withReason(goal: Goal, whyMissed: string | undefined): Goal {
  return goal.met || !whyMissed ? goal : { ...goal, whyMissed };
}

/** Writes `bench/results/<bench>.json` and prints the bench's goals. */
export function writeResults(result: { bench: string; title: string; headline: Headline[]; goals: Goal[]; figures: unknown }): BenchResults {
  const full: BenchResults = {
    bench: result.bench,
    command: `npm run bench ${result.bench}`,
    title: result.title,
    at: new Date().toISOString(),
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model.trim(), node: process.version, loadAverage1m: { before: loadAtStart, after: loadavg()[0]! } },
    headline: result.headline,
    goals: result.goals,
    figures: result.figures,
  };
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(new URL(`${result.bench}.json`, RESULTS_DIR), `${JSON.stringify(full, null, 2)}\n`);
  console.log(`\n${goalTable([full]).join('\n')}`);
  return full;
}

/** Every bench's results file, by bench name (other files there, such as the reliability tests' report, are left out). */
export function readResults(): BenchResults[] {
  return readdirSync(RESULTS_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(new URL(f, RESULTS_DIR), 'utf8')) as Partial<BenchResults>)
    .filter((r): r is BenchResults => typeof r.bench === 'string' && Array.isArray(r.goals));
}

/** A number as the tables show it: three significant digits, thousands separated. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : Math.abs(value) >= 1 ? 2 : 3;
  return value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

export const formatTarget = (goal: Goal) => `${goal.better === 'higher' ? '≥' : '≤'} ${formatNumber(goal.goal)}`;

/** How far a missed goal is from its target, as a share of the target. */
export function shortfall(goal: Goal): string {
  const off = Math.abs(goal.value / goal.goal - 1) * 100;
  return `${formatNumber(off)} % ${goal.better === 'higher' ? 'below' : 'above'} its target (${formatNumber(goal.value)} against ${formatTarget(goal)})`;
}

/** The goals of some benches as a plain-text table. */
export function goalTable(results: BenchResults[]): string[] {
  const rows = results.flatMap((r) => r.goals.map((g) => [r.bench, g.name, formatNumber(g.value), formatTarget(g), g.met ? 'met' : 'MISSED']));
  const header = ['bench', 'goal', 'value', 'target', ''];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 2 || i === 3 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)];
}

export const README_START = '<!-- bench:start (generated by npm run bench:readme from bench/results; do not edit) -->';
export const README_END = '<!-- bench:end -->';

const cell = (text: string) => text.replace(/\|/g, '\\|');

function machineLine(results: BenchResults[]): string {
  const machines = [...new Set(results.map((r) => `${r.machine.cpus}-core ${r.machine.cpuModel ?? 'CPU'}, Node ${r.machine.node}`))];
  const dates = results.map((r) => r.at.slice(0, 10)).sort();
  const loads = results.map((r) => r.machine.loadAverage1m.before);
  return `Measured ${dates[0] === dates.at(-1) ? `on ${dates[0]}` : `from ${dates[0]} to ${dates.at(-1)}`} on ${machines.join('; ')}; ` +
    `one-minute load average when each bench started: ${formatNumber(Math.min(...loads))} to ${formatNumber(Math.max(...loads))}.`;
}

/** The README's benchmark section, markers included, from these results. */
export function readmeSection(results: BenchResults[]): string {
  const lines: string[] = [README_START, '', machineLine(results), ''];
  lines.push('| bench | goal | value | target | |', '|---|---|---:|---:|---|');
  for (const r of results) {
    for (const g of r.goals) lines.push(`| \`${r.bench}\` | ${cell(g.name)} | ${formatNumber(g.value)} | ${formatTarget(g)} | ${g.met ? 'met' : '**missed**'} |`);
  }
  const missed = results.flatMap((r) => r.goals.filter((g) => !g.met).map((g) => ({ bench: r.bench, goal: g })));
  lines.push('');
  if (missed.length === 0) lines.push('Every goal is met.');
  for (const { bench, goal } of missed) {
    lines.push(`- Missed, \`${bench}\`, ${goal.name}: ${shortfall(goal)}. ${goal.whyMissed ? `Why: ${goal.whyMissed}.` : `No reason recorded yet: see \`npm run bench ${bench}\`.`}`);
  }
  for (const r of results) {
    lines.push('', `**\`${r.bench}\`** (\`${r.command}\`): ${r.title}.`, '', '| measure | spatialforge | reference, same run |', '|---|---|---|');
    for (const h of r.headline) lines.push(`| ${cell(h.measure)} | ${cell(h.value)} | ${cell(h.reference ?? '')} |`);
  }
  lines.push('', README_END);
  return lines.join('\n');
}
