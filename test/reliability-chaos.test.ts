/**
 * The chaos run (issue 7, Faults): a corpus of 2,000 small synthetic RGB-D scenes plus a sprinkle of
 * truly bad inputs goes through four `spatialforge worker` processes while, on a seeded schedule,
 * workers are killed with SIGKILL (and replaced), Redis is shut down and started again on the same
 * port and append-only file, and every S3 request passes a proxy that delays, drops or answers 503 to
 * a share of them. Afterwards the exported dataset holds exactly one record per valid image, none lost
 * and none duplicated, and only the bad inputs failed, each with its code. The figures go to
 * bench/results/reliability.json.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { RunOptions, RunState } from '@spatialforge/core';
import { seededRandom } from '@spatialforge/geometry';
import { createFactory, type Factory } from '@spatialforge/pipeline';
import { startRedis, type RedisServer } from '@spatialforge/queue';
import { startS3rver, type S3rverHandle } from '@spatialforge/storage/testing';
import { removeDir, runCli, tempDir, uniquePrefix } from './factory-support.js';
import { writeChaosCorpus } from './support/chaos-corpus.js';
import { recordReliability } from './support/reliability-report.js';
import { startFaultProxy, type FaultProxy } from './support/s3-fault-proxy.js';
import { startWorkerFleet, type WorkerFleet } from './support/worker-fleet.js';
import { ProgressWatch, SOAK_SAFETY_TIMEOUT_MS, runProgress } from './support/progress-watch.js';

const SEED = 7_2024;
const SCENES = 2000;
/** Image size, pixels: small, so the run is about the factory's bookkeeping rather than lifting. */
const WIDTH = 96;
const HEIGHT = 72;
const WORKERS = 4;
const KILLS = 10;
/** Redis is shut down and started again when this share of the inputs has reached a final state. */
const REDIS_RESTARTS_AT = [0.35, 0.7];
const FAULT_SHARES = { delayed: 0.03, dropped: 0.02, unavailable: 0.03 };
/**
 * The stages: filter, detect and segment are left out. Without models they pass the provided data
 * through by the same image-stage code as depth, which stays in as the I/O-bound hop; each would add
 * three S3 round trips per image and nothing new to break.
 */
const OPTIONS: Partial<RunOptions> = { batchSize: 8, qa: { maxPerImage: 2 }, stages: ['ingest', 'depth', 'lift', 'synthesize', 'export'] };
/** Bounds: generous for a loaded 2-core machine, but a hung run fails the test rather than CI. */
/**
 * The run fails when nothing moves for this long (not on a total: a busy machine is slower, not stuck).
 * Long enough for a Redis restart plus a killed worker's batches waiting out their lock (WORKER_LOCK_SECONDS 5).
 */
const STALL_MS = 3 * 60_000;
const FINAL = new Set(['completed', 'failed', 'cancelled']);

type ChaosEvent = { at: number; kind: 'kill'; slot: number; delayMs: number } | { at: number; kind: 'redis' };

/** The seeded schedule: kills at random points of the run, each of a random worker after a random pause. */
function schedule(random: () => number): ChaosEvent[] {
  const events: ChaosEvent[] = REDIS_RESTARTS_AT.map((at) => ({ at, kind: 'redis' as const }));
  for (let i = 0; i < KILLS; i++) {
    events.push({ at: 0.02 + 0.93 * random(), kind: 'kill', slot: Math.floor(random() * WORKERS), delayMs: Math.floor(random() * 1500) });
  }
  return events.sort((a, b) => a.at - b.at);
}

/** Rows and distinct image ids of a dataset's Parquet shards, and its qa.jsonl per image. */
async function readDataset(dir: string): Promise<{ rows: number; ids: Set<string>; qaPairs: number; jsonlIds: Set<string>; jsonlLines: number }> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  let rows: number;
  let ids: Set<string>;
  let qaPairs: number;
  try {
    const reader = await connection.runAndReadAll(`SELECT image_id, len(qa) FROM read_parquet('${join(dir, 'data', '*.parquet')}')`);
    const all = reader.getRows() as [string, bigint | number][];
    rows = all.length;
    ids = new Set(all.map(([id]) => id));
    qaPairs = all.reduce((sum, [, pairs]) => sum + Number(pairs), 0);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
  const lines = (await readFile(join(dir, 'qa.jsonl'), 'utf8')).trim().split('\n');
  const jsonlIds = new Set(lines.map((line) => (JSON.parse(line) as { imageId: string }).imageId));
  return { rows, ids, qaPairs, jsonlIds, jsonlLines: lines.length };
}

test('chaos: 2,000 images, workers SIGKILLed, Redis restarted, S3 faults: one record per valid image, only bad inputs fail', { timeout: SOAK_SAFETY_TIMEOUT_MS }, async () => {
  const started = Date.now();
  const dir = await tempDir('chaos');
  const redisDir = join(dir, 'redis');
  let redis: RedisServer | undefined;
  let s3: S3rverHandle | undefined;
  let proxy: FaultProxy | undefined;
  let fleet: WorkerFleet | undefined;
  let factory: Factory | undefined;
  try {
    const corpus = await writeChaosCorpus(join(dir, 'corpus'), { scenes: SCENES, seed: SEED, width: WIDTH, height: HEIGHT });
    const inputs = corpus.valid + corpus.bad.size;
    const corpusSeconds = (Date.now() - started) / 1000;
    redis = await startRedis({ dir: redisDir, appendOnly: true });
    const redisPort = redis.port;
    s3 = await startS3rver(['chaos']);
    proxy = await startFaultProxy({ target: s3.endpoint, seed: SEED, shares: FAULT_SHARES, delayMs: [50, 600] });
    const prefix = uniquePrefix();
    const output = 's3://chaos/out';
    const env = {
      ...s3.env, S3_ENDPOINT: proxy.endpoint, REDIS_URL: redis.url, OUTPUT: output, QUEUE_PREFIX: prefix,
      // Two lift threads each: a thread waits on S3 for much of an image this small.
      WORKER_THREADS: '2', WORKER_CONCURRENCY: '2', WORKER_LOCK_SECONDS: '5', WORKER_HEARTBEAT_SECONDS: '1',
      // A killed worker's temporary export folder is left behind: keep it inside the test's folder.
      TMPDIR: join(dir, 'tmp'),
    };
    await mkdir(env.TMPDIR, { recursive: true });
    fleet = startWorkerFleet(WORKERS, env);
    factory = await createFactory({
      redisUrl: redis.url, output, prefix, heartbeatSeconds: 1,
      storeOptions: { s3: { ...s3.options, endpoint: proxy.endpoint, maxAttempts: 5 } },
    });
    await factory.startCoordinator();
    await fleet.ready();

    const created = await factory.coordinator.createRun({ source: { kind: 'uri', uri: corpus.manifest }, options: OPTIONS });
    const random = seededRandom(SEED + 1);
    const events = schedule(random);
    let redisRestarts = 0;
    let busyKills = 0;
    let exportKilled = false;
    const watch = new ProgressWatch(STALL_MS, 'the chaos run');
    let run: RunState | undefined;
    for (;;) {
      run = await factory.coordinator.getRun(created.id);
      assert.ok(run, 'the run exists');
      if (FINAL.has(run.status)) break;
      watch.check(runProgress(run), () => `${JSON.stringify(run!.stages)}\n${fleet!.output()}`);
      const progress = (run.totals.completed + run.totals.failed + run.totals.duplicates) / inputs;
      while (events.length > 0 && events[0]!.at <= progress) {
        const event = events.shift()!;
        if (event.kind === 'redis') {
          // A worker starting up checks Redis once and exits if it cannot reach it: restart Redis only under running ones.
          await fleet.ready();
          await redis.stop(); // SIGTERM: Redis writes its append-only file out and exits
          redis = await startRedis({ dir: redisDir, appendOnly: true, port: redisPort });
          redisRestarts++;
        } else {
          await fleet.slotReady(event.slot);
          await new Promise((resolve) => setTimeout(resolve, event.delayMs));
          if (await isBusy(factory, fleet.members()[event.slot]!.child.pid!)) busyKills++;
          await fleet.killAndReplace(event.slot);
        }
      }
      if (run.status === 'exporting' && !exportKilled) {
        // The export is one job on one worker: kill that worker mid-export.
        const pid = await busyPid(factory);
        const slot = fleet.members().findIndex((member) => member.child.pid === pid);
        if (slot >= 0) {
          await new Promise((resolve) => setTimeout(resolve, Math.floor(random() * 1000)));
          await fleet.killAndReplace(slot);
          exportKilled = true;
          busyKills++;
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const runSeconds = (Date.now() - started) / 1000 - corpusSeconds;
    assert.equal(run.status, 'completed', `${run.error ?? ''}\n${fleet.output()}`);
    assert.equal(events.length, 0, 'every scheduled fault happened');

    // Read the dataset back as a user would, with the proxy out of the way.
    proxy.enabled = false;
    const exportDir = join(dir, 'dataset');
    const exported = await runCli(['export', created.id, '--out', exportDir], { ...env, REDIS_URL: redis.url, S3_ENDPOINT: s3.endpoint });
    assert.equal(exported.code, 0, exported.output);
    const dataset = await readDataset(exportDir);
    const failures = await factory.coordinator.failures(created.id, { offset: 0, limit: 10_000 });
    const faults = proxy.counts();
    const figures = {
      command: 'node scripts/run-tests.mjs test/reliability-chaos',
      imagesProcessed: inputs,
      validImages: corpus.valid,
      imageSize: `${WIDTH}x${HEIGHT}`,
      stages: OPTIONS.stages,
      workers: WORKERS,
      workersKilled: fleet.kills,
      workersKilledMidBatch: busyKills,
      exportWorkerKilled: exportKilled,
      workerCrashes: fleet.crashes.length,
      redisRestarts,
      storageRequests: faults.requests,
      storageFaults: { delayed: faults.delayed, dropped: faults.dropped, droppedAfterUpstream: faults.droppedAfterUpstream, unavailable503: faults.unavailable },
      badInputsTried: corpus.bad.size,
      badInputsFailed: failures.length,
      datasetRecords: dataset.rows,
      recordsLost: corpus.valid - dataset.ids.size,
      recordsDuplicated: dataset.rows - dataset.ids.size,
      qaPairs: run.totals.qaPairs,
      seconds: { corpus: Math.round(corpusSeconds), run: Math.round(runSeconds), total: Math.round((Date.now() - started) / 1000) },
    };
    console.log(`chaos run figures: ${JSON.stringify(figures, null, 2)}`);
    await recordReliability('chaos', figures);

    assert.deepEqual(fleet.crashes.map((c) => c.output), [], 'no worker died unless killed');
    assert.ok(faults.delayed > 0 && faults.dropped > 0 && faults.unavailable > 0, `every kind of storage fault was injected: ${JSON.stringify(faults)}`);
    assert.equal(figures.recordsDuplicated, 0, 'no image has two records');
    assert.equal(figures.recordsLost, 0, 'no valid image is missing from the dataset');
    assert.equal(dataset.rows, corpus.valid, 'one record per valid image');
    assert.deepEqual(dataset.jsonlIds, dataset.ids, 'qa.jsonl and the Parquet shards hold the same images');
    assert.equal(dataset.jsonlLines, run.totals.qaPairs, 'qa.jsonl holds every QA pair once');
    assert.equal(dataset.qaPairs, run.totals.qaPairs, 'the Parquet shards hold every QA pair once');
    assert.deepEqual(
      new Map(failures.map((f) => [f.input, f.code])),
      corpus.bad,
      'exactly the bad inputs failed, each with its code',
    );
    assert.equal(failures.length, corpus.bad.size, 'each bad input failed once');
    assert.deepEqual(
      { inputs: run.totals.inputs, images: run.totals.images, duplicates: run.totals.duplicates, completed: run.totals.completed, failed: run.totals.failed },
      { inputs, images: corpus.valid, duplicates: 0, completed: corpus.valid, failed: corpus.bad.size },
    );
    for (const stage of run.stages) {
      if (stage.stage === 'ingest') assert.equal(stage.done + stage.failed, inputs, 'ingest counted each input once');
      else assert.equal(stage.done, corpus.valid, `${stage.stage} counted each image once`);
    }

    // SIGTERM: the workers (the last replacement up too) finish what they hold and exit 0.
    await fleet.ready();
    assert.deepEqual(await fleet.stop(), Array(WORKERS).fill(0));
  } finally {
    fleet?.destroy();
    await factory?.close();
    await proxy?.close();
    await redis?.stop();
    await s3?.close();
    await removeDir(dir);
  }
});

/** Whether the worker process `pid` reports a batch in hand. */
async function isBusy(factory: Factory, pid: number): Promise<boolean> {
  return (await factory.coordinator.workers()).some((w) => w.busy && w.id.includes(`-${pid}-`));
}

/** The process id of a busy worker (the one exporting, when only the export is left), waiting up to 20 s. */
async function busyPid(factory: Factory): Promise<number | undefined> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const busy = (await factory.coordinator.workers()).find((w) => w.busy && w.stages.includes('export'));
    const pid = busy ? Number(/-(\d+)-[0-9a-f]+$/.exec(busy.id)?.[1]) : undefined;
    if (pid) return pid;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return undefined;
}
