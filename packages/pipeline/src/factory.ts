/**
 * The factory: a coordinator and, optionally, stage workers over one Redis and one object store.
 * `spatialforge run`/`demo` put everything in one process; `spatialforge serve` embeds the coordinator
 * (the service calls `createFactory` and serves `factory.coordinator`); `spatialforge worker` starts
 * workers only. All of them are this same code.
 */
import { ConfigError, type StageName } from '@spatialforge/core';
import { listSource } from '@spatialforge/ingest';
import { metrics, setQueueDepthSource, setWorkersSource } from '@spatialforge/metrics';
import { checkRedis, openRedis, queuePrefixSetting, redactRedisUrl, redisUrlSetting, type Redis } from '@spatialforge/queue';
import { openStore, type ObjectStore, type OpenStoreOptions } from '@spatialforge/storage';
import { PipelineCoordinator, type SourceLister } from './coordinator.js';
import { ListingLeases } from './listing-leases.js';
import { RunStateStore } from './run-state.js';
import {
  heartbeatSecondsSetting, lockSecondsSetting, outputSetting, stageAttemptsSetting, workerConcurrencySetting, workerThreads,
} from './settings.js';
import { StageQueues } from './stage-queues.js';
import { stageRegistry, type StageRegistry } from './stage-registry.js';
import { StageWorkers } from './stage-workers.js';
import { WorkerRegistry } from './worker-registry.js';

export interface FactoryConfig {
  redisUrl: string;
  /** Store location: a folder or s3://bucket/prefix. */
  output: string;
  /** Passed to openStore (tests give s3rver's endpoint and credentials here). */
  storeOptions?: OpenStoreOptions;
  /** @defaultValue QUEUE_PREFIX */
  prefix?: string;
  /** @defaultValue the stage registry (benchmarks pass their own) */
  registry?: StageRegistry;
  /** @defaultValue listing with @spatialforge/ingest */
  lister?: SourceLister;
  /** Refuse local paths in sources (runs submitted over REST). @defaultValue false */
  forbidLocalPaths?: boolean;
  /** S3 buckets sources may read, "*" for any (runs submitted over REST: SOURCE_S3_BUCKETS). @defaultValue any */
  allowS3Buckets?: readonly string[];
  /** @defaultValue STAGE_ATTEMPTS */
  attempts?: number;
  /** First retry delay, ms. @defaultValue 1000 */
  backoffMs?: number;
  /** @defaultValue WORKER_LOCK_SECONDS */
  lockSeconds?: number;
  /** Stalls (worker deaths mid-batch) a batch survives before it fails and its images are marked failed `stalled`. @defaultValue 10 */
  maxStalledCount?: number;
  /** @defaultValue WORKER_HEARTBEAT_SECONDS */
  heartbeatSeconds?: number;
  /** Listing lease, ms: how soon another coordinator resumes a dead one's listing. @defaultValue 30000 */
  listingLeaseMs?: number;
  log?: (line: string) => void;
}

export interface WorkerStartOptions {
  /** @defaultValue WORKER_CONCURRENCY */
  concurrency?: number;
  /** @defaultValue WORKER_THREADS (one per core) */
  threads?: number;
  /** Images of one batch run at once on I/O-bound stages. @defaultValue 4 */
  imageParallelism?: number;
}

export interface Factory {
  readonly coordinator: PipelineCoordinator;
  readonly store: ObjectStore;
  readonly registry: StageRegistry;
  readonly prefix: string;
  readonly redis: Redis;
  /** Takes over unfinished runs now and every few seconds (see PipelineCoordinator.resumeRuns); sets the metric sources. */
  startCoordinator(): Promise<void>;
  /** Starts stage workers in this process; resolves once their handlers are loaded (ready). */
  startWorkers(stages: StageName[], options?: WorkerStartOptions): Promise<StageWorkers>;
  /** Stops workers (letting current batches finish), the coordinator, and the connections. */
  close(): Promise<void>;
}

const SWEEP_MS = 5000;

/**
 * Checks Redis (reachable, noeviction) and the store (reachable, writable), then wires the factory.
 * Errors name the unreachable URL or location.
 */
export async function createFactory(config: FactoryConfig): Promise<Factory> {
  await checkRedis(config.redisUrl);
  const store = openStore(config.output, config.storeOptions);
  await store.verify();
  const prefix = config.prefix ?? queuePrefixSetting.read();
  if (prefix.includes(':')) throw new ConfigError(`QUEUE_PREFIX=${prefix} must not contain ':'`, 'QUEUE_PREFIX');
  const registry = config.registry ?? stageRegistry;
  const redis = openRedis(config.redisUrl);
  let lastRedisError = '';
  redis.on('error', (err: Error) => {
    metrics.redisErrors.inc();
    if (err.message !== lastRedisError) config.log?.(`Redis at ${redactRedisUrl(config.redisUrl)}: ${err.message}`);
    lastRedisError = err.message;
  });
  const topology = { connection: redis, prefix };
  const attempts = config.attempts ?? stageAttemptsSetting.read();
  const backoffMs = config.backoffMs ?? 1000;
  const heartbeatMs = (config.heartbeatSeconds ?? heartbeatSecondsSetting.read()) * 1000;
  const state = new RunStateStore(redis, prefix);
  const queues = new StageQueues(topology, registry, { attempts, backoffMs });
  const forbidLocalPaths = config.forbidLocalPaths ?? false;
  const { allowS3Buckets } = config;
  const lister: SourceLister = config.lister ?? ((request) => listSource(request.source, { forbidLocalPaths, allowS3Buckets, onSkipped: config.log }));
  const coordinator = new PipelineCoordinator({
    state, leases: new ListingLeases(redis, prefix), workerRegistry: new WorkerRegistry(redis, prefix), queues, registry, store, lister, heartbeatMs,
    listingLeaseMs: config.listingLeaseMs, log: config.log,
  });
  const workers: StageWorkers[] = [];
  let sweeper: NodeJS.Timeout | undefined;

  return {
    coordinator,
    store,
    registry,
    prefix,
    redis,
    async startCoordinator() {
      setQueueDepthSource(() => queues.depths());
      setWorkersSource(async () => {
        const counts = new Map<string, number>();
        for (const worker of await coordinator.workers()) for (const stage of worker.stages) counts.set(stage, (counts.get(stage) ?? 0) + 1);
        return registry.all().map(({ stage }) => ({ stage, workers: counts.get(stage) ?? 0 }));
      });
      await coordinator.resumeRuns();
      sweeper = setInterval(() => void coordinator.resumeRuns().catch((err: Error) => config.log?.(`resuming runs: ${err.message}`)), SWEEP_MS);
      sweeper.unref();
    },
    async startWorkers(stages, options = {}) {
      const runtime = new StageWorkers({
        topology,
        registry,
        stages,
        concurrency: options.concurrency ?? workerConcurrencySetting.read(),
        threads: options.threads ?? workerThreads(),
        imageParallelism: options.imageParallelism,
        lockDurationMs: (config.lockSeconds ?? lockSecondsSetting.read()) * 1000,
        maxStalledCount: config.maxStalledCount,
        attempts,
        backoffMs,
        store,
        storeSpec: { location: config.output, options: config.storeOptions },
        heartbeatMs,
        log: config.log,
      });
      workers.push(runtime);
      if (!sweeper) setQueueDepthSource(() => queues.depths());
      await runtime.start();
      return runtime;
    },
    async close() {
      if (sweeper) clearInterval(sweeper);
      await Promise.all(workers.map((w) => w.close()));
      await coordinator.close();
      await queues.close();
      await store.close?.();
      setQueueDepthSource(undefined);
      setWorkersSource(undefined);
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

/** REDIS_URL and OUTPUT, both required (the distributed commands: worker, submit, status, export). */
export function factoryConfigFromEnv(env: Record<string, string | undefined> = process.env): FactoryConfig {
  const redisUrl = redisUrlSetting.read(env);
  if (!redisUrl) throw new ConfigError('REDIS_URL is not set: name the Redis the factory uses (e.g. redis://localhost:6379)', 'REDIS_URL');
  const output = outputSetting.read(env);
  if (!output) throw new ConfigError('OUTPUT is not set: name the object store the factory uses (a folder, or s3://bucket/prefix)', 'OUTPUT');
  return { redisUrl, output };
}
