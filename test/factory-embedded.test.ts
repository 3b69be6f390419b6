/**
 * The embedded default end to end: `spatialforge run` (its own redis-server, a local store) turns a
 * synthetic corpus into a dataset; killed with SIGKILL mid-run and started again with the same --out it
 * resumes the same run; a different configuration in that folder is refused with the fix; and a new
 * run there with only QA settings changed re-runs only synthesize and export.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LocalRun, RUN_FILE } from '@spatialforge/pipeline';
import { parquetRecords, removeDir, runCli, startCli, syntheticCorpus, tempDir, waitFor } from './factory-support.js';

const SCENES = 12;
const NO_REDIS = { REDIS_URL: '', WORKER_THREADS: '1' };

test('embedded run: dataset, resume after kill -9, configuration guard, stage cache on a QA-only change', { timeout: 150_000 }, async () => {
  const dir = await tempDir('embedded');
  try {
    const input = await syntheticCorpus(join(dir, 'input'), SCENES, 7);
    const out = join(dir, 'out');
    const args = ['run', input, '--out', out, '--batch-size', '3', '--qa-max', '6'];

    // Killed with SIGKILL once the run has started: its redis-server is left orphaned, its batches mid-way.
    const killed = startCli(args, NO_REDIS);
    await killed.waitForOutput(/run run-\S+ in /);
    const runId = JSON.parse(await readFile(join(out, RUN_FILE), 'utf8')).runId as string;
    await waitFor(async () => (/running/.test(killed.output()) ? true : undefined), 60_000, 'the run to be running');
    killed.child.kill('SIGKILL');
    await killed.exited;

    const resumed = await runCli(args, NO_REDIS);
    assert.equal(resumed.code, 0, resumed.output);
    assert.match(resumed.output, new RegExp(`run ${runId} in `), 'the same run resumes');
    assert.match(resumed.output, new RegExp(`run ${runId}: completed`));
    assert.match(resumed.output, /dataset: .*dataset/);
    const records = await parquetRecords(join(out, 'dataset'));
    assert.equal(records.size, SCENES, 'exactly one record per scene');
    assert.ok([...records.values()].every((pairs) => pairs > 0 && pairs <= 6));

    const other = await runCli([...args.slice(0, -1), '9'], NO_REDIS);
    assert.equal(other.code, 1);
    assert.match(other.output, new RegExp(`holds run ${runId} of a different configuration \\(options differ: qa\\)`));
    assert.match(other.output, /Use another --out folder, or add --new-run/);

    // Only the QA settings change: every stage before synthesize is served from the stage cache.
    const requery = new LocalRun({ input, out, options: { batchSize: 3, qa: { maxPerImage: 9 } }, newRun: true, threads: 1 });
    try {
      const newRunId = await requery.start();
      assert.notEqual(newRunId, runId);
      const { run } = await requery.finish();
      assert.equal(run.status, 'completed');
      const byStage = Object.fromEntries(run.stages.map((s) => [s.stage, s]));
      for (const stage of ['ingest', 'filter', 'detect', 'segment', 'depth', 'lift']) {
        assert.equal(byStage[stage]!.reused, SCENES, `${stage} reused`);
        assert.equal(byStage[stage]!.done, SCENES, `${stage} done`);
      }
      assert.equal(byStage.synthesize!.reused, 0);
      assert.equal(byStage.synthesize!.done, SCENES);
      assert.equal(byStage.export!.done, SCENES);
      const requeried = await parquetRecords(join(out, 'dataset'));
      assert.deepEqual([...requeried.keys()], [...records.keys()], 'the same images');
      assert.ok([...requeried.values()].some((pairs) => pairs > 6), 'the new QA settings took effect');
      assert.equal([...requeried.values()].reduce((a, b) => a + b, 0), run.totals.qaPairs);
    } finally {
      await requery.stop();
    }
  } finally {
    await removeDir(dir);
  }
});
