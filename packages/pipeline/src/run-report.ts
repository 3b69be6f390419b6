/**
 * What a run tells its user when it ends: its failures grouped by code (count, up to three inputs,
 * the reason and the fix), and for the embedded mode two files in the output folder:
 * `failures.jsonl` (one line per failed image: input, stage, code, message, fix) and `summary.json`
 * (the run's status and totals, the failure groups and the dataset's counts).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { explainFailure, type DatasetInfo, type ImageFailure, type RunState, type StageName } from '@spatialforge/core';

export const FAILURES_FILE = 'failures.jsonl';
export const SUMMARY_FILE = 'summary.json';

/** Inputs named per failure code in the summary. */
const EXAMPLES_PER_CODE = 3;
/** Failures read from Redis per round trip. */
const PAGE = 1000;

export interface FailureGroup {
  code: string;
  count: number;
  /** Up to three of the inputs that failed with this code. */
  inputs: string[];
  /** The stages the code was raised in. */
  stages: StageName[];
  reason: string;
  fix: string;
}

export interface FailureLine {
  input: string;
  stage: StageName;
  code: string;
  message: string;
  fix: string;
}

export interface RunSummaryFile {
  runId: string;
  status: RunState['status'];
  totals: RunState['totals'];
  error?: string;
  failures: FailureGroup[];
  dataset?: { records: number; qaPairs: number; files: number };
}

/** Every failure of a run, paged from the coordinator. */
export async function allFailures(coordinator: { failures(runId: string, page: { limit: number; offset: number }): Promise<ImageFailure[]> }, runId: string): Promise<ImageFailure[]> {
  const out: ImageFailure[] = [];
  for (let offset = 0; ; offset += PAGE) {
    const page = await coordinator.failures(runId, { offset, limit: PAGE });
    out.push(...page);
    if (page.length < PAGE) return out;
  }
}

/** Failures by code, the commonest first. */
export function groupFailures(failures: readonly ImageFailure[]): FailureGroup[] {
  const groups = new Map<string, FailureGroup>();
  for (const failure of failures) {
    let group = groups.get(failure.code);
    if (!group) {
      group = { code: failure.code, count: 0, inputs: [], stages: [], ...explainFailure(failure.code) };
      groups.set(failure.code, group);
    }
    group.count++;
    if (group.inputs.length < EXAMPLES_PER_CODE) group.inputs.push(failure.input);
    if (!group.stages.includes(failure.stage)) group.stages.push(failure.stage);
  }
  return [...groups.values()].sort((a, b) => b.count - a.count || a.code.localeCompare(b.code));
}

export function failureLine(failure: ImageFailure): FailureLine {
  return { input: failure.input, stage: failure.stage, code: failure.code, message: failure.message, fix: explainFailure(failure.code).fix };
}

export function runSummary(run: RunState, failures: readonly ImageFailure[], dataset?: DatasetInfo): RunSummaryFile {
  return {
    runId: run.id,
    status: run.status,
    totals: run.totals,
    ...(run.error ? { error: run.error } : {}),
    failures: groupFailures(failures),
    ...(dataset ? { dataset: { records: dataset.records, qaPairs: dataset.qaPairs, files: dataset.files.length } } : {}),
  };
}

/** Writes `failures.jsonl` and `summary.json` into `dir` and returns the summary. */
export async function writeRunReport(dir: string, run: RunState, failures: readonly ImageFailure[], dataset?: DatasetInfo): Promise<RunSummaryFile> {
  const summary = runSummary(run, failures, dataset);
  await writeFile(join(dir, FAILURES_FILE), failures.map((f) => `${JSON.stringify(failureLine(f))}\n`).join(''));
  await writeFile(join(dir, SUMMARY_FILE), `${JSON.stringify(summary, null, 2)}\n`);
  return summary;
}

/** The grouped failures as lines for a terminal: `  12 × truncated (ingest): reason — a.jpg, b.jpg, … ; fix: …`. */
export function formatFailureGroups(groups: readonly FailureGroup[]): string[] {
  if (groups.length === 0) return [];
  const lines = ['failures by code:'];
  for (const g of groups) {
    const more = g.count > g.inputs.length ? ', …' : '';
    lines.push(`  ${String(g.count).padStart(5)} ${g.code} (${g.stages.join(', ')}): ${g.reason}`);
    lines.push(`        inputs: ${g.inputs.join(', ')}${more}`);
    lines.push(`        fix: ${g.fix}`);
  }
  return lines;
}
