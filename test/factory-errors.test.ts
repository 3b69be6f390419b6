/**
 * Clear errors and contained failures: a missing or empty source, an unreachable Redis or S3 endpoint,
 * an unknown stage, an evicting Redis; one bad image never fails its batch or its run; transient errors
 * are retried with backoff and an image that keeps failing is marked failed while the rest go on.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createServer } from 'node:net';
import sharp from 'sharp';
import { ConfigError, InputError, type RunState } from '@spatialforge/core';
import { metrics } from '@spatialforge/metrics';
import {
  StageRegistry, createFactory, resolveRunOptions, stageRegistry, type Factory,
} from '@spatialforge/pipeline';
import { startRedis, type RedisServer } from '@spatialforge/queue';
import { privateRedis, removeDir, runCli, syntheticCorpus, tempDir, uniquePrefix, waitFor } from './factory-support.js';

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function untilFinal(factory: Factory, runId: string): Promise<RunState> {
  return waitFor(async () => {
    const run = await factory.coordinator.getRun(runId);
    return run && ['completed', 'failed', 'cancelled'].includes(run.status) ? run : undefined;
  }, 60_000, `run ${runId} to end`);
}

describe('factory errors', () => {
  let dir: string;
  let redis: RedisServer;

  before(async () => {
    dir = await tempDir('errors');
    redis = await privateRedis(dir);
  });
  after(async () => {
    await redis.stop();
    await removeDir(dir);
  });

  test('a missing or an empty source is refused, naming it, before any run exists', async () => {
    const factory = await createFactory({ redisUrl: redis.url, output: join(dir, 'store-sources'), prefix: uniquePrefix() });
    try {
      const missing = join(dir, 'no-such-folder');
      await assert.rejects(factory.coordinator.createRun({ source: { kind: 'uri', uri: missing } }), (err: Error) => {
        assert.ok(err instanceof InputError);
        assert.ok(err.message.includes(missing), err.message);
        return true;
      });
      const empty = join(dir, 'empty-folder');
      await mkdir(empty);
      await assert.rejects(factory.coordinator.createRun({ source: { kind: 'uri', uri: empty } }), (err: Error) => {
        assert.ok(err instanceof InputError);
        assert.equal(err.code, 'source-empty');
        assert.ok(err.message.includes(empty), err.message);
        return true;
      });
      assert.deepEqual((await factory.coordinator.listRuns({ limit: 10 })).runs, []);
    } finally {
      await factory.close();
    }
    const cli = await runCli(['run', join(dir, 'no-such-folder'), '--out', join(dir, 'cli-out')], { REDIS_URL: redis.url });
    assert.equal(cli.code, 1);
    assert.match(cli.output, /^error: .*no-such-folder/m);
  });

  test('an unreachable Redis or S3 endpoint is named in the error', async () => {
    const port = await closedPort();
    await assert.rejects(createFactory({ redisUrl: `redis://127.0.0.1:${port}`, output: join(dir, 'store-x') }), (err: Error) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, new RegExp(`cannot reach Redis at redis://127\\.0\\.0\\.1:${port}`));
      return true;
    });
    const s3 = { endpoint: `http://127.0.0.1:${port}`, forcePathStyle: true, credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, maxAttempts: 1 };
    await assert.rejects(
      createFactory({ redisUrl: redis.url, output: 's3://nowhere/x', storeOptions: { s3 } }),
      (err: Error) => {
        assert.ok(err.message.includes(`127.0.0.1:${port}`), err.message);
        return true;
      },
    );
  });

  test('an unknown stage name is refused, listing the known stages', async () => {
    assert.throws(() => resolveRunOptions({ stages: ['ingest', 'lyft' as never] }), (err: Error) => {
      assert.ok(err instanceof InputError);
      assert.match(err.message, /unknown stage "lyft" in options\.stages: known stages are ingest, filter, detect, segment, depth, lift, synthesize, export/);
      return true;
    });
    const cli = await runCli(['worker', '--stages', 'lift,lyft', '--port', '0'], { REDIS_URL: redis.url, OUTPUT: join(dir, 'store-w') });
    assert.equal(cli.code, 1);
    assert.match(cli.output, /error: unknown stage "lyft" in --stages/);
  });

  test('a Redis that may evict keys is refused with the fix', async () => {
    const evicting = await startRedis({ dir: join(dir, 'evicting'), appendOnly: false, maxmemoryPolicy: 'allkeys-lru' });
    try {
      await assert.rejects(createFactory({ redisUrl: evicting.url, output: join(dir, 'store-e') }), /maxmemory-policy allkeys-lru; spatialforge needs noeviction.*CONFIG SET maxmemory-policy noeviction/);
    } finally {
      await evicting.stop();
    }
  });

  test('bad images fail one by one with their reasons while their batch and run complete; retrying them keeps the counts', async () => {
    const corpus = join(dir, 'mixed');
    const manifest = await syntheticCorpus(corpus, 3, 31);
    await mkdir(join(corpus, 'bad'));
    await writeFile(join(corpus, 'bad', 'corrupt.png'), Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 7)]));
    await writeFile(join(corpus, 'bad', 'text.jpg'), '<html>not an image</html>');
    await sharp({ create: { width: 120, height: 90, channels: 3, background: '#808080' } }).png().toFile(join(corpus, 'bad', 'no-depth.png'));
    const lines = (await readFile(manifest, 'utf8')).trim().split('\n');
    lines.splice(1, 0, '"bad/corrupt.png"', '"bad/text.jpg"', '{ not json', '"bad/missing.png"', '"bad/no-depth.png"');
    await writeFile(manifest, `${lines.join('\n')}\n`);

    const factory = await createFactory({ redisUrl: redis.url, output: join(dir, 'store-mixed'), prefix: uniquePrefix(), attempts: 2, backoffMs: 50 });
    try {
      await factory.startCoordinator();
      await factory.startWorkers(['ingest', 'filter', 'detect', 'segment', 'depth', 'lift', 'synthesize', 'export'], { concurrency: 1, threads: 1 });
      const created = await factory.coordinator.createRun({ source: { kind: 'uri', uri: manifest }, options: { batchSize: 16 } });
      const run = await untilFinal(factory, created.id);
      assert.equal(run.status, 'completed', run.error);
      assert.deepEqual(
        { inputs: run.totals.inputs, completed: run.totals.completed, failed: run.totals.failed },
        { inputs: 8, completed: 3, failed: 5 },
      );
      const failures = await factory.coordinator.failures(created.id, { offset: 0, limit: 20 });
      assert.equal(failures.length, 5);
      assert.deepEqual(failures.map((f) => f.stage).sort(), ['depth', 'ingest', 'ingest', 'ingest', 'ingest']);
      // Manifest lines 2-5 are bad files or JSON; line 6 is a good image without depth.
      const noDepth = failures.find((f) => f.stage === 'depth')!;
      assert.equal(noDepth.code, 'no-depth');
      assert.match(noDepth.input, /frames\.jsonl line 6$/);
      assert.match(noDepth.message, /has no depth map and no depth model is configured: configure one/);
      const ingestInputs = failures.filter((f) => f.stage === 'ingest').map((f) => /line (\d+)$/.exec(f.input)?.[1]).sort();
      assert.deepEqual(ingestInputs, ['2', '3', '4', '5']);
      assert.ok(failures.every((f) => f.code && f.message), JSON.stringify(failures));
      assert.equal((await factory.coordinator.dataset(created.id))!.records, 3);

      assert.equal(await factory.coordinator.retryFailed(created.id), 5);
      const retried = await untilFinal(factory, created.id);
      assert.equal(retried.status, 'completed');
      assert.deepEqual({ completed: retried.totals.completed, failed: retried.totals.failed }, { completed: 3, failed: 5 });
      assert.equal((await factory.coordinator.failures(created.id, { offset: 0, limit: 20 })).length, 5);
      assert.equal((await factory.coordinator.dataset(created.id))!.records, 3);
    } finally {
      await factory.close();
    }
  });

  test('transient errors are retried with backoff; an image that keeps failing is marked failed and the rest go on', async () => {
    const manifest = await syntheticCorpus(join(dir, 'flaky'), 4, 41);
    const flakyModule = new URL('./factory-flaky-stage.ts', import.meta.url).href;
    const { attemptsOf } = (await import(flakyModule)) as typeof import('./factory-flaky-stage.js');
    const registry = new StageRegistry(stageRegistry.all().map((d) => (d.stage === 'filter' ? { ...d, module: flakyModule } : d)));
    const retriedBefore = (await metrics.batches.get()).values.find((v) => v.labels.stage === 'filter' && v.labels.outcome === 'retried')?.value ?? 0;
    const factory = await createFactory({
      redisUrl: redis.url, output: join(dir, 'store-flaky'), prefix: uniquePrefix(), registry, attempts: 3, backoffMs: 50,
    });
    try {
      await factory.startCoordinator();
      await factory.startWorkers(['ingest', 'filter', 'detect', 'segment', 'depth', 'lift', 'synthesize', 'export'], { concurrency: 1, threads: 1 });
      const created = await factory.coordinator.createRun({ source: { kind: 'uri', uri: manifest }, options: { batchSize: 4 } });
      const run = await untilFinal(factory, created.id);
      assert.equal(run.status, 'completed', run.error);
      assert.deepEqual({ completed: run.totals.completed, failed: run.totals.failed }, { completed: 3, failed: 1 });
      const [failure] = await factory.coordinator.failures(created.id, { offset: 0, limit: 10 });
      assert.equal(failure!.stage, 'filter');
      assert.equal(failure!.code, 'transient');
      assert.match(failure!.input, /frames\.jsonl line 2$/);
      assert.match(failure!.message, /still failing after retries: connection reset \(attempt 3\)/);
      assert.equal(attemptsOf(failure!.imageId), 3, 'one try per job attempt');
      const retriedAfter = (await metrics.batches.get()).values.find((v) => v.labels.stage === 'filter' && v.labels.outcome === 'retried')!.value;
      assert.equal(retriedAfter - retriedBefore, 2, 'the batch was retried twice');
    } finally {
      await factory.close();
    }
  });
});
