/**
 * `bench/results/reliability.json`: the figures of the fault tests and the worker-memory soak,
 * one section each. Test files run in parallel, so a section is merged in under a lock folder.
 */
import { mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const RESULTS = new URL('../../bench/results/', import.meta.url).pathname;
export const RELIABILITY_REPORT = join(RESULTS, 'reliability.json');

export async function recordReliability(section: string, figures: Record<string, unknown>): Promise<void> {
  const lock = `${RELIABILITY_REPORT}.lock`;
  mkdirSync(RESULTS, { recursive: true });
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      // A lock older than the deadline was left by a killed process: take it over.
      if (Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  try {
    let report: Record<string, unknown> = {};
    try {
      report = JSON.parse(readFileSync(RELIABILITY_REPORT, 'utf8')) as Record<string, unknown>;
    } catch {
      // absent or unreadable: start afresh
    }
    report[section] = { ...figures, recordedAt: new Date().toISOString() };
    writeFileSync(RELIABILITY_REPORT, `${JSON.stringify(report, null, 2)}\n`);
  } finally {
    try {
      rmdirSync(lock);
    } catch {
      // already gone
    }
  }
}
