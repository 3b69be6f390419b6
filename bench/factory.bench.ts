/**
 * The factory's own overhead, with stand-in stages (bench/factory-stage.ts) whose work is a fixed
 * wall time per image, so what is measured is the orchestration:
 *
 * 1. Coordinator enqueue rate: image references listed, written to the store as ingest batches and
 *    enqueued, per second (no worker running).
 * 2. Redis bytes per in-flight image: `used_memory` growth per image while a run's images wait (a) as
 *    listed inputs in the ingest queue and (b) as ingested images waiting for the next stage (image
 *    state + batch jobs), the larger counting; goal < 1 KB. Then the keys a finished run leaves.
 * 3. Orchestration efficiency: end-to-end images/s of a whole run through all eight stages, as a share
 *    of the slowest stage's standalone images/s (its handler alone on the same number of image slots,
 *    no queues); goal ≥ 97 % in the median round.
 *
 * Everything runs in this process against a private redis-server (AOF on, as the embedded default).
 * Run: npm run bench factory   (writes bench/results/factory.json)
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { STAGES, type StageName } from '@spatialforge/core';
import {
  StageRegistry, createFactory, resolveRunOptions, runImageStage, stageDigests, stageRegistry, type Factory, type ImageStageHandler,
  type IngestItem, type RunContext,
} from '@spatialforge/pipeline';
import { startRedis } from '@spatialforge/queue';
import { LocalStore } from '@spatialforge/storage';
import { atLeast, atMost, writeResults } from './report.js';

const ENQUEUE_IMAGES = 20_000;
const MEMORY_IMAGES = 5_000;
const FLOW_IMAGES = 1_500;
const FLOW_ROUNDS = 3;
const BATCH = 16;
const CONCURRENCY = 2;
const IMAGE_PARALLELISM = 4;
/** Fixed cost per image and stage, milliseconds: lift is the slowest. */
const COST_MS: Partial<Record<StageName, number>> = { ingest: 10, filter: 10, detect: 20, segment: 20, depth: 30, lift: 60, synthesize: 10 };

function benchRegistry(costs: Partial<Record<StageName, number>>): StageRegistry {
  return new StageRegistry(stageRegistry.all().map((definition) => {
    const url = new URL('./factory-stage.ts', import.meta.url);
    url.searchParams.set('kind', definition.kind);
    url.searchParams.set('ms', String(costs[definition.stage] ?? 0));
    // Stand-ins are timers, not CPU work: no worker threads.
    return { ...definition, cpuHeavy: false, module: url.href };
  }));
}

const syntheticSource = (count: number) => async function* (): AsyncGenerator<IngestItem> {
  for (let i = 0; i < count; i++) yield { input: `synthetic/image-${String(i).padStart(7, '0')}.jpg`, image: `synthetic/${i}` };
};

async function usedMemory(factory: Factory): Promise<number> {
  return Number(/used_memory:(\d+)/.exec(await factory.redis.info('memory'))![1]);
}

async function keyCount(factory: Factory): Promise<number> {
  let cursor = '0';
  let count = 0;
  do {
    const [next, keys] = await factory.redis.scan(cursor, 'MATCH', `${factory.prefix}:*`, 'COUNT', 1000);
    cursor = next;
    count += keys.length;
  } while (cursor !== '0');
  return count;
}

async function until(probe: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

interface FlowRound {
  standaloneImagesPerSecond: number;
  endToEndImagesPerSecond: number;
  /** From the run's creation to the slowest stage's first image, ms. */
  fillMs: number;
  /** From the slowest stage's last image to the dataset, ms. */
  drainMs: number;
  /** Share of the slowest stage's image slots busy between its first and last image. */
  slowestSlotUse: number;
}

/** The slowest stage's handler alone (with its stage cache writes), on the same number of image slots, no queues. */
async function measureStandalone(registry: StageRegistry, stage: StageName, slots: number, storeDir: string): Promise<number> {
  const store = new LocalStore(storeDir);
  const options = resolveRunOptions({ batchSize: BATCH });
  const path = registry.path(options);
  const context: RunContext = { runId: 'standalone', options, path, digests: await stageDigests(registry, options, path) };
  const handler = (await registry.handler(stage)) as ImageStageHandler;
  const start = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: slots }, async () => {
    while (next < FLOW_IMAGES) await runImageStage(handler, stage, `image-${next++}`, context, store);
  }));
  return FLOW_IMAGES / ((performance.now() - start) / 1000);
}

/** A whole run through every stage, in this process; returns its rate and where the time went. */
async function measureFlow(
  registry: StageRegistry, slowest: StageName, slots: number, redisUrl: string, storeDir: string, prefix: string, log: (line: string) => void,
): Promise<Omit<FlowRound, 'standaloneImagesPerSecond'>> {
  const flow = await createFactory({ redisUrl, output: storeDir, prefix, registry, lister: syntheticSource(FLOW_IMAGES), log });
  try {
    await flow.startCoordinator();
    await flow.startWorkers([...STAGES], { concurrency: CONCURRENCY, imageParallelism: IMAGE_PARALLELISM });
    const start = performance.now();
    const run = await flow.coordinator.createRun({ source: { kind: 'urls', urls: ['synthetic'] }, options: { batchSize: BATCH } });
    await until(async () => (await flow.coordinator.getRun(run.id))!.status === 'completed', 180_000, 'the flow run');
    const end = performance.now();
    const module = (await import(registry.get(slowest).module)) as typeof import('./factory-stage.js');
    const spans = module.spans.filter(([spanStart]) => spanStart >= start);
    const firstStart = Math.min(...spans.map((s) => s[0]));
    const lastEnd = Math.max(...spans.map((s) => s[1]));
    const busy = spans.reduce((sum, [a, b]) => sum + (b - a), 0);
    return {
      endToEndImagesPerSecond: FLOW_IMAGES / ((end - start) / 1000),
      fillMs: firstStart - start,
      drainMs: end - lastEnd,
      slowestSlotUse: busy / (slots * (lastEnd - firstStart)),
    };
  } finally {
    await flow.close();
  }
}

async function main(): Promise<void> {
  // Stores on tmpfs where there is one: the disk's fsync rate is the store's figure, not the orchestration's.
  const dir = await mkdtemp(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'sf-bench-factory-'));
  const redis = await startRedis({ dir: join(dir, 'redis') });
  const quiet = (line: string) => process.stderr.write(`${line}\n`);
  try {
    // 1. Enqueue rate.
    const enqueue = await createFactory({
      redisUrl: redis.url, output: join(dir, 'store-enqueue'), prefix: 'benchenqueue',
      registry: benchRegistry({}), lister: syntheticSource(ENQUEUE_IMAGES), log: quiet,
    });
    const enqueueStart = performance.now();
    const listed = await enqueue.coordinator.createRun({ source: { kind: 'urls', urls: ['synthetic'] }, options: { batchSize: BATCH } });
    await enqueue.coordinator.whenListed(listed.id);
    const enqueueSeconds = (performance.now() - enqueueStart) / 1000;
    await enqueue.coordinator.cancelRun(listed.id);
    await enqueue.close();

    // 2. Memory per in-flight image, then keys left after the run.
    const memory = await createFactory({
      redisUrl: redis.url, output: join(dir, 'store-memory'), prefix: 'benchmemory',
      registry: benchRegistry({}), lister: syntheticSource(MEMORY_IMAGES), log: quiet,
    });
    await memory.coordinator.getRun('warm-up');
    const base = await usedMemory(memory);
    const run = await memory.coordinator.createRun({ source: { kind: 'urls', urls: ['synthetic'] }, options: { batchSize: BATCH } });
    await memory.coordinator.whenListed(run.id);
    const queuedBytes = (await usedMemory(memory)) - base;
    const ingestWorkers = await memory.startWorkers(['ingest'], { concurrency: CONCURRENCY, imageParallelism: IMAGE_PARALLELISM });
    await until(async () => (await memory.coordinator.getRun(run.id))!.stages[0]!.done === MEMORY_IMAGES, 120_000, 'ingest');
    await ingestWorkers.close();
    const waitingBytes = (await usedMemory(memory)) - base;
    await memory.startWorkers(STAGES.filter((s) => s !== 'ingest'), { concurrency: CONCURRENCY, imageParallelism: IMAGE_PARALLELISM });
    await until(async () => (await memory.coordinator.getRun(run.id))!.status === 'completed', 180_000, 'the memory run');
    const finishedBytes = (await usedMemory(memory)) - base;
    const keysLeft = await keyCount(memory);
    await memory.close();

    // 3. Orchestration efficiency: rounds alternate standalone and end to end (fresh stores: no cache
    // hits), so a busy neighbour on the machine hits both alike; the median round counts.
    const costs = benchRegistry(COST_MS);
    const slowest = (Object.entries(COST_MS) as [StageName, number][]).sort((a, b) => b[1] - a[1])[0]![0];
    const slots = CONCURRENCY * IMAGE_PARALLELISM;
    const rounds: FlowRound[] = [];
    for (let round = 0; round < FLOW_ROUNDS; round++) {
      const standalone = await measureStandalone(costs, slowest, slots, join(dir, `store-standalone-${round}`));
      rounds.push({ standaloneImagesPerSecond: standalone, ...(await measureFlow(costs, slowest, slots, redis.url, join(dir, `store-flow-${round}`), `benchflow${round}`, quiet)) });
    }
    const median = [...rounds].sort((a, b) => a.endToEndImagesPerSecond / a.standaloneImagesPerSecond - b.endToEndImagesPerSecond / b.standaloneImagesPerSecond)[Math.floor(FLOW_ROUNDS / 2)]!;
    const standaloneRate = median.standaloneImagesPerSecond;
    const endToEndRate = median.endToEndImagesPerSecond;

    const efficiencies = rounds.map((r) => r.endToEndImagesPerSecond / r.standaloneImagesPerSecond);
    const bytesPerInFlightImage = Math.max(queuedBytes, waitingBytes) / MEMORY_IMAGES;
    const enqueueRate = ENQUEUE_IMAGES / enqueueSeconds;
    const store = dir.startsWith('/dev/shm') ? 'local folder on tmpfs' : 'local folder';
    writeResults({
      bench: 'factory',
      title: `the factory's own overhead: stand-in stages that cost a fixed time per image (timers), a private redis-server with AOF, the store as a ${store}, batches of ${BATCH}, ${CONCURRENCY} batch slots and ${slots} image slots per stage, one process`,
      headline: [
        { measure: `coordinator enqueue rate (${ENQUEUE_IMAGES} image references listed, stored as batches, enqueued)`, value: `${enqueueRate.toFixed(0)} refs/s` },
        { measure: `Redis bytes per in-flight image (${MEMORY_IMAGES} images; queued for ingest / between stages)`, value: `${bytesPerInFlightImage.toFixed(0)} B`, reference: `${(queuedBytes / MEMORY_IMAGES).toFixed(0)} / ${(waitingBytes / MEMORY_IMAGES).toFixed(0)} B` },
        { measure: `keys left after a finished ${MEMORY_IMAGES}-image run`, value: String(keysLeft), reference: `${(finishedBytes / 1024).toFixed(0)} KiB` },
        { measure: `end to end through all eight stages, ${FLOW_IMAGES} images (median round)`, value: `${endToEndRate.toFixed(1)} images/s`, reference: `${slowest} alone on its ${slots} slots (${COST_MS[slowest]} ms/image): ${standaloneRate.toFixed(1)} images/s` },
        { measure: `orchestration efficiency, rounds`, value: efficiencies.map((e) => `${(e * 100).toFixed(1)} %`).join(', '), reference: `median round: fill ${median.fillMs.toFixed(0)} ms, drain ${median.drainMs.toFixed(0)} ms, ${slowest} slots busy ${(median.slowestSlotUse * 100).toFixed(1)} %` },
      ],
      goals: [
        atLeast(`orchestration efficiency, median of ${FLOW_ROUNDS} rounds (% of the slowest stage alone)`, (endToEndRate / standaloneRate) * 100, 97,
          `the run pays for filling the pipeline (the first batch passes five stages before ${slowest} starts) and draining it (synthesize and export after ${slowest}'s last image), which the stage alone does not, and for ${slowest}'s slots idle between batch hand-offs (fill, drain and slot use are in the row above); on a loaded machine the stand-in stages' timers also fire late`),
        atMost('Redis memory per in-flight image (bytes)', bytesPerInFlightImage, 1024),
      ],
      figures: {
        setup: { batchSize: BATCH, concurrencyPerStage: CONCURRENCY, imageSlotsPerStage: slots, redis: 'private redis-server, AOF everysec', store },
        enqueue: { images: ENQUEUE_IMAGES, seconds: enqueueSeconds, imageReferencesPerSecond: enqueueRate },
        redisMemory: {
          images: MEMORY_IMAGES,
          bytesPerImageQueuedForIngest: queuedBytes / MEMORY_IMAGES,
          bytesPerImageWaitingBetweenStages: waitingBytes / MEMORY_IMAGES,
          bytesPerInFlightImage,
          bytesLeftAfterFinishedRun: finishedBytes,
          keysLeftAfterFinishedRun: keysLeft,
        },
        orchestration: {
          images: FLOW_IMAGES,
          costMsPerImage: COST_MS,
          slowestStage: slowest,
          slowestStandaloneImagesPerSecond: standaloneRate,
          endToEndImagesPerSecond: endToEndRate,
          efficiency: endToEndRate / standaloneRate,
          rounds,
        },
      },
    });
  } finally {
    await redis.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
