/** `run` and `demo`: one process runs the whole factory, shows progress and ends with the summary (failures grouped by code). */
import { join } from 'node:path';
import { FAILURES_FILE, LocalRun, type LocalRunOptions } from '@spatialforge/pipeline';
import { progressView, summary } from './progress.js';

export async function executeLocalRun(options: LocalRunOptions): Promise<void> {
  const local = new LocalRun({ ...options, log: (line) => process.stderr.write(`${line}\n`) });
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) process.exit(130);
    interrupted = true;
    process.stderr.write(`\n${signal}: finishing the batches in hand; the same command resumes the run (${signal} again to quit now)\n`);
    void local.stop().then(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const runId = await local.start();
    process.stderr.write(`run ${runId} in ${local.out}\n`);
    const view = progressView();
    const result = await local.finish((run) => view.update(run));
    view.stop();
    process.stdout.write(`${summary(result.run, result.dataset, result.datasetDir, result.summary.failures)}\n`);
    if (interrupted) process.stdout.write(`interrupted: the same command resumes the run; spatialforge status --out ${local.out} shows it\n`);
    else if (result.run.totals.failed > 0) process.stdout.write(`every failure: ${join(local.out, FAILURES_FILE)}; again later: spatialforge status --out ${local.out}\n`);
    if (result.run.status !== 'completed') process.exitCode = 1;
  } finally {
    if (!interrupted) await local.stop();
  }
}
