/**
 * The coordinator restarted mid-run resumes the run (issue 7, Faults). `spatialforge serve` (the
 * coordinator behind the REST API, no workers of its own) takes a manifest over REST and is killed
 * with SIGKILL twice: first while it is still listing the source into batches (its S3 requests pass a
 * proxy that slows each one, so the listing takes seconds), then mid-run. Each time a new `serve` on
 * the same Redis and bucket picks the run up; two `spatialforge worker` processes carry on throughout.
 * The dataset, fetched over REST, holds exactly one record per image.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunState } from '@spatialforge/core';
import { redisKeys, writeDemoInput } from '@spatialforge/pipeline';
import { openRedis, startRedis, type RedisServer } from '@spatialforge/queue';
import { createTokenStore } from '@spatialforge/service';
import { startS3rver, type S3rverHandle } from '@spatialforge/storage/testing';
import { removeDir, startCli, tempDir, uniquePrefix, type CliProcess } from './factory-support.js';
import { recordReliability } from './support/reliability-report.js';
import { startFaultProxy, type FaultProxy } from './support/s3-fault-proxy.js';
import { serveFolder, type StaticServer } from './support/static-server.js';
import { startWorkerFleet, type WorkerFleet } from './support/worker-fleet.js';
import { ProgressWatch, SOAK_SAFETY_TIMEOUT_MS, runProgress } from './support/progress-watch.js';

const SCENES = 200;
/** Two images per batch: the listing writes 100 batch files, each slowed by the proxy. */
const BATCH_SIZE = 2;
const FINAL = new Set(['completed', 'failed', 'cancelled']);

test('spatialforge serve killed while listing and again mid-run resumes the run: one record per image', { timeout: SOAK_SAFETY_TIMEOUT_MS }, async () => {
  const dir = await tempDir('coordinator');
  let redis: RedisServer | undefined;
  let s3: S3rverHandle | undefined;
  let proxy: FaultProxy | undefined;
  let corpus: StaticServer | undefined;
  let fleet: WorkerFleet | undefined;
  let serve: CliProcess | undefined;
  const serveLogs: string[] = [];
  try {
    const manifest = await writeDemoInput(join(dir, 'corpus'), { scenes: SCENES, seed: 31, width: 96, height: 72 });
    corpus = await serveFolder(join(dir, 'corpus'));
    redis = await startRedis({ dir: join(dir, 'redis'), appendOnly: true });
    s3 = await startS3rver(['coordinated']);
    // Every request of the coordinator is held 40-70 ms: listing 100 batches takes several seconds.
    proxy = await startFaultProxy({ target: s3.endpoint, seed: 5, shares: { delayed: 1, dropped: 0, unavailable: 0 }, delayMs: [40, 70] });
    const prefix = uniquePrefix();
    const common = {
      ...s3.env, REDIS_URL: redis.url, OUTPUT: 's3://coordinated/out', QUEUE_PREFIX: prefix,
      INGEST_ALLOW_HOSTS: '127.0.0.1', WORKER_THREADS: '1', WORKER_LOCK_SECONDS: '5', WORKER_HEARTBEAT_SECONDS: '1',
    };
    const serveEnv = { ...common, S3_ENDPOINT: proxy.endpoint, HOST: '127.0.0.1' };
    const connection = openRedis(redis.url);
    const { token } = await createTokenStore(connection, prefix).create({ tenant: 'lab', scopes: ['runs'] });
    connection.disconnect();

    let baseUrl = '';
    const startServe = async () => {
      serve = startCli(['serve', '--port', '0'], serveEnv);
      const line = await serve.waitForOutput(/spatialforge serving http:\/\/\S+/, 120_000);
      baseUrl = /http:\/\/[^\s]+/.exec(line)![0];
    };
    const killServe = async () => {
      serve!.child.kill('SIGKILL');
      await serve!.exited;
      serveLogs.push(serve!.output());
    };
    const api = async (path: string, init: RequestInit = {}) => {
      const response = await fetch(`${baseUrl}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, ...(init.headers as Record<string, string>) } });
      if (!response.ok) throw new Error(`${init.method ?? 'GET'} ${path}: HTTP ${response.status} ${await response.text()}`);
      return response;
    };
    const getRun = async (runId: string) => (await (await api(`/v1/runs/${runId}`)).json()) as RunState;
    /** Waits for `done`; fails when the run (its listing, every stage) stands still for `stallMs`, however long it takes otherwise. */
    const until = async (runId: string, what: string, done: (run: RunState) => boolean, stallMs: number, intervalMs = 100) => {
      const watch = new ProgressWatch(stallMs, `waiting for ${what}`);
      for (;;) {
        const run = await getRun(runId);
        if (done(run)) return run;
        watch.check(run.totals.inputs + runProgress(run), () => `${JSON.stringify(run)}\n${fleet?.output()}`);
        await new Promise((resolve) => setTimeout(resolve, intervalMs));
      }
    };

    fleet = startWorkerFleet(2, common);
    await Promise.all([startServe(), fleet.ready()]);
    const text = await readFile(manifest, 'utf8');
    const created = (await (await api(`/v1/runs/manifest?baseUri=${encodeURIComponent(corpus.url)}&batchSize=${BATCH_SIZE}&maxPerImage=3`, {
      method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: text,
    })).json()) as RunState;

    // Killed mid-listing: some batches listed, not all.
    await until(created.id, 'listing under way', (run) => run.totals.inputs >= 10 * BATCH_SIZE, 120_000, 50);
    await killServe();
    const listedAtKill = await listedInputs();
    assert.ok(listedAtKill < SCENES, `the first kill came before the listing was done (${listedAtKill} of ${SCENES} listed)`);

    await startServe();
    await until(created.id, 'the listing to finish', (run) => run.totals.inputs === SCENES, 120_000);
    // Killed again mid-run: the workers carry on without it, and a new coordinator answers for the run.
    const midRun = await until(created.id, 'half the images done', (run) => run.totals.completed >= SCENES / 2 || FINAL.has(run.status), 120_000, 200);
    assert.equal(midRun.status === 'running' || midRun.status === 'exporting', true, `the second kill came mid-run (${midRun.status})`);
    await killServe();
    await startServe();
    const finished = await until(created.id, 'the run to end', (run) => FINAL.has(run.status), 120_000, 250);

    assert.equal(finished.status, 'completed', finished.error);
    assert.deepEqual(
      { inputs: finished.totals.inputs, images: finished.totals.images, completed: finished.totals.completed, failed: finished.totals.failed, duplicates: finished.totals.duplicates },
      { inputs: SCENES, images: SCENES, completed: SCENES, failed: 0, duplicates: 0 },
    );
    for (const stage of finished.stages) assert.equal(stage.done, SCENES, `${stage.stage} counted each image once`);
    const dataset = (await (await api(`/v1/runs/${created.id}/dataset`)).json()) as { records: number; files: { path: string; url: string }[] };
    const qa = dataset.files.find((f) => f.path === 'qa.jsonl')!;
    // A presigned S3 URL (the bucket is on S3): it carries its own signature, no bearer token.
    const download = await fetch(qa.url);
    assert.equal(download.status, 200, await download.clone().text());
    const lines = (await download.text()).trim().split('\n');
    const perImage = new Map<string, number>();
    for (const line of lines) {
      const { imageId } = JSON.parse(line) as { imageId: string };
      perImage.set(imageId, (perImage.get(imageId) ?? 0) + 1);
    }
    assert.equal(dataset.records, SCENES, 'one record per image');
    assert.equal(perImage.size, SCENES, 'every image has QA pairs in qa.jsonl');
    assert.equal(lines.length, finished.totals.qaPairs, 'each QA pair once');
    assert.deepEqual(fleet.crashes.map((c) => c.output), [], 'no worker died');
    await recordReliability('coordinatorRestart', {
      command: 'node scripts/run-tests.mjs test/reliability-coordinator',
      images: SCENES,
      coordinatorKills: 2,
      listedWhenFirstKilled: listedAtKill,
      completedWhenSecondKilled: midRun.totals.completed,
      datasetRecords: dataset.records,
      recordsLost: SCENES - perImage.size,
      recordsDuplicated: dataset.records - perImage.size,
    });
    assert.deepEqual(await fleet.stop(), [0, 0]);

    /** The run's listed inputs, read straight from Redis (no coordinator is up to ask). */
    async function listedInputs(): Promise<number> {
      const client = openRedis(redis!.url);
      try {
        return Number(await client.hget(redisKeys(prefix).run(created.id), 'inputs'));
      } finally {
        client.disconnect();
      }
    }
  } catch (err) {
    if (serve) serveLogs.push(serve.output());
    throw new Error(`${(err as Error).message}\n--- serve logs ---\n${serveLogs.join('\n---\n').slice(-6000)}`, { cause: err });
  } finally {
    if (serve && serve.child.exitCode === null) serve.child.kill('SIGKILL');
    fleet?.destroy();
    await proxy?.close();
    await redis?.stop();
    await s3?.close();
    await corpus?.close();
    await removeDir(dir);
  }
});
