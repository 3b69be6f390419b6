/**
 * Distributed mode: a coordinator in this process and three `spatialforge worker` processes sharing a
 * private Redis and an S3 bucket on s3rver (127.0.0.1). It must produce what the embedded mode
 * produces from the same corpus, and a worker killed with SIGKILL mid-batch must lose and duplicate
 * nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { RunOptions, RunState } from '@spatialforge/core';
import { LocalRun, createFactory, type Factory } from '@spatialforge/pipeline';
import { startS3rver } from '@spatialforge/storage/testing';
import {
  parquetRecords, privateRedis, removeDir, runCli, startCli, syntheticCorpus, tempDir, uniquePrefix, waitFor, type CliProcess,
} from './factory-support.js';

const OPTIONS: Partial<RunOptions> = { batchSize: 3, qa: { maxPerImage: 8 } };

async function untilFinal(factory: Factory, runId: string, timeoutMs: number): Promise<RunState> {
  return waitFor(async () => {
    const run = await factory.coordinator.getRun(runId);
    return run && ['completed', 'failed', 'cancelled'].includes(run.status) ? run : undefined;
  }, timeoutMs, `run ${runId} to end`);
}

test('three worker processes on S3 match the embedded mode, and a worker killed mid-batch loses and duplicates nothing', { timeout: 170_000 }, async () => {
  const dir = await tempDir('distributed');
  const redis = await privateRedis(dir);
  const s3 = await startS3rver(['factory']);
  const prefix = uniquePrefix();
  const output = 's3://factory/out';
  const env = {
    ...s3.env, REDIS_URL: redis.url, OUTPUT: output, QUEUE_PREFIX: prefix,
    WORKER_THREADS: '1', WORKER_CONCURRENCY: '1', WORKER_LOCK_SECONDS: '4', WORKER_HEARTBEAT_SECONDS: '1',
  };
  const workers: CliProcess[] = [];
  let factory: Factory | undefined;
  try {
    const corpus = await syntheticCorpus(join(dir, 'corpus'), 15, 21);
    for (let i = 0; i < 3; i++) workers.push(startCli(['worker', '--port', '0'], env));

    // The embedded reference, while the workers start.
    const embedded = new LocalRun({ input: corpus, out: join(dir, 'embedded'), options: OPTIONS, threads: 1 });
    await embedded.start();
    const reference = await embedded.finish();
    await embedded.stop();
    assert.equal(reference.run.status, 'completed');
    const referenceRecords = await parquetRecords(reference.datasetDir);

    factory = await createFactory({ redisUrl: redis.url, output, storeOptions: { s3: s3.options }, prefix, heartbeatSeconds: 1 });
    await factory.startCoordinator();
    const ports = await Promise.all(workers.map(async (w) => Number(/http port (\d+)/.exec(await w.waitForOutput(/http port \d+/))![1])));
    const ready = await fetch(`http://127.0.0.1:${ports[0]}/readyz`);
    assert.equal(ready.status, 200);

    // Submitted as a user would, through Redis and the store directly.
    const submitted = await runCli(['submit', corpus, '--batch-size', '3', '--qa-max', '8'], env);
    assert.equal(submitted.code, 0, submitted.output);
    const created = { id: /^(run-\S+)$/m.exec(submitted.output)![1]! };
    const distributed = await untilFinal(factory, created.id, 90_000);
    const status = await runCli(['status', created.id, '--json'], env);
    assert.equal(status.code, 0, status.output);
    assert.equal(JSON.parse(status.output.slice(status.output.indexOf('{'))).status, 'completed');
    assert.equal(distributed.status, 'completed', distributed.error);
    const exported = await runCli(['export', created.id, '--out', join(dir, 'exported')], env);
    assert.equal(exported.code, 0, exported.output);
    const distributedRecords = await parquetRecords(join(dir, 'exported'));
    assert.deepEqual([...distributedRecords.keys()], [...referenceRecords.keys()], 'the same image ids');
    assert.deepEqual([...distributedRecords.values()], [...referenceRecords.values()], 'the same QA pairs per image');
    assert.equal(distributed.totals.qaPairs, reference.run.totals.qaPairs);
    const seen = new Set((await factory.coordinator.workers()).map((w) => w.id));
    assert.equal(seen.size, 3, 'three workers report heartbeats');
    const metrics = await (await fetch(`http://127.0.0.1:${ports[1]}/metrics`)).text();
    assert.match(metrics, /spatialforge_images_processed_total\{stage="(lift|ingest|synthesize)",outcome="done"\} [1-9]/);

    // A new corpus (no stage cache to lean on), small batches, and one busy worker killed outright.
    const second = await syntheticCorpus(join(dir, 'corpus2'), 24, 22);
    const run = await factory.coordinator.createRun({ source: { kind: 'uri', uri: second }, options: { ...OPTIONS, batchSize: 2 } });
    const victim = await waitFor(async () => {
      const state = await factory!.coordinator.getRun(run.id);
      if (!state?.stages.some((s) => s.stage === 'lift' && s.active > 0)) return undefined;
      const busy = (await factory!.coordinator.workers()).filter((w) => w.busy);
      return workers.find((w) => busy.some((b) => b.id.includes(`-${w.child.pid}-`)));
    }, 60_000, 'a worker busy lifting');
    victim.child.kill('SIGKILL');
    await victim.exited;

    const finished = await untilFinal(factory, run.id, 90_000);
    assert.equal(finished.status, 'completed', finished.error);
    assert.deepEqual(await factory.coordinator.failures(run.id, { offset: 0, limit: 10 }), []);
    assert.equal(finished.totals.images, 24);
    assert.equal(finished.totals.completed, 24);
    for (const stage of finished.stages) assert.equal(stage.done, 24, `${stage.stage} counted each image once`);
    const afterKill = await runCli(['export', run.id, '--out', join(dir, 'exported2')], env);
    assert.equal(afterKill.code, 0, afterKill.output);
    const records = await parquetRecords(join(dir, 'exported2'));
    assert.equal(records.size, 24, 'one record per image, none lost');
    assert.equal([...records.values()].reduce((a, b) => a + b, 0), finished.totals.qaPairs);

    // SIGTERM: the survivors finish what they hold and exit 0.
    const survivors = workers.filter((w) => w !== victim);
    for (const w of survivors) w.child.kill('SIGTERM');
    assert.deepEqual(await Promise.all(survivors.map((w) => w.exited)), survivors.map(() => 0));
  } finally {
    for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGKILL');
    await factory?.close();
    await redis.stop();
    await s3.close();
    await removeDir(dir);
  }
});
