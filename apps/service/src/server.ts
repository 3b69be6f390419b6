/**
 * `spatialforge serve`: the coordinator (and, for a one-box deployment, every stage's workers) behind
 * the REST API. With REDIS_URL unset it starts a private redis-server under the data folder, and with
 * OUTPUT unset it stores everything in that folder too, so a laptop needs nothing else.
 */
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import type { StageName } from '@spatialforge/core';
import { sourceS3BucketList } from '@spatialforge/ingest';
import { enableDefaultMetrics, metricsRegistry } from '@spatialforge/metrics';
import { createFactory, outputSetting, type Factory } from '@spatialforge/pipeline';
import { openRedis, queuePrefixSetting, redisUrlSetting, startRedis, type Redis, type RedisServer } from '@spatialforge/queue';
import type { OpenStoreOptions } from '@spatialforge/storage';
import { buildApp } from './app.js';
import { readServiceSettings, type ServiceSettings } from './settings.js';
import { createTokenStore } from './token-store.js';

export interface ServeOptions {
  /** Overrides of PORT, HOST, BODY_LIMIT_BYTES, ... */
  settings?: Partial<ServiceSettings>;
  /** Stages whose workers run in this process (a one-box deployment); none by default. */
  workerStages?: StageName[];
  /** Folder for the private Redis and the local store when REDIS_URL / OUTPUT are unset. @defaultValue ./spatialforge-data */
  dataDir?: string;
  /** @defaultValue REDIS_URL, else a private redis-server in `<dataDir>/redis` */
  redisUrl?: string;
  /** @defaultValue OUTPUT, else `<dataDir>/store` */
  output?: string;
  storeOptions?: OpenStoreOptions;
  /** @defaultValue QUEUE_PREFIX */
  prefix?: string;
  /** S3 buckets submitted sources may read ("*": any). @defaultValue SOURCE_S3_BUCKETS (unset: none) */
  sourceS3Buckets?: readonly string[];
  /** Batch jobs per stage at once for in-process workers. @defaultValue WORKER_CONCURRENCY */
  workerConcurrency?: number;
  /** Threads for CPU-heavy stages of in-process workers. @defaultValue WORKER_THREADS */
  workerThreads?: number;
  logger?: FastifyServerOptions['logger'];
  log?: (line: string) => void;
}

export interface RunningService {
  app: FastifyInstance;
  factory: Factory;
  /** Base URL, e.g. http://127.0.0.1:8080 */
  url: string;
  redisUrl: string;
  /** Where the admin token of a fresh private deployment was written, when one was. */
  bootstrapTokenFile?: string;
  close(): Promise<void>;
}

export async function startService(options: ServeOptions = {}): Promise<RunningService> {
  const settings = { ...readServiceSettings(), ...options.settings };
  const dataDir = resolve(options.dataDir ?? 'spatialforge-data');
  let redisServer: RedisServer | undefined;
  let redisUrl = options.redisUrl ?? redisUrlSetting.read();
  if (!redisUrl) {
    redisServer = await startRedis({ dir: join(dataDir, 'redis') });
    redisUrl = redisServer.url;
  }
  const output = options.output ?? outputSetting.read() ?? join(dataDir, 'store');
  const prefix = options.prefix ?? queuePrefixSetting.read();

  let factory: Factory | undefined;
  let redis: Redis | undefined;
  try {
    factory = await createFactory({
      redisUrl, output, storeOptions: options.storeOptions, prefix, log: options.log,
      forbidLocalPaths: true,
      allowS3Buckets: options.sourceS3Buckets ?? sourceS3BucketList(),
    });
    await factory.startCoordinator();
    if (options.workerStages?.length) {
      await factory.startWorkers(options.workerStages, { concurrency: options.workerConcurrency, threads: options.workerThreads });
    }
    // Fails fast while Redis is down (the factory's own connection waits forever, as BullMQ needs), and
    // pipelines the token checks of concurrent requests into shared round trips.
    redis = openRedis(redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false, enableAutoPipelining: true, lazyConnect: true });
    redis.on('error', () => { /* counted and logged by the factory's connection */ });
    await redis.connect();
    const tokens = createTokenStore(redis, prefix);
    const bootstrapTokenFile = redisServer ? await bootstrapAdminToken(tokens, dataDir) : undefined;

    enableDefaultMetrics();
    const app = await buildApp(
      { coordinator: factory.coordinator, store: factory.store, tokens, redis, keyPrefix: prefix, metrics: metricsRegistry, settings },
      { logger: options.logger },
    );
    await app.listen({ port: settings.port, host: settings.host });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : settings.port;
    const shownHost = settings.host === '0.0.0.0' || settings.host === '::' ? '127.0.0.1' : settings.host;
    const started = factory;
    const connection = redis;
    return {
      app,
      factory,
      url: `http://${shownHost}:${port}`,
      redisUrl,
      bootstrapTokenFile,
      async close() {
        await app.close();
        await started.close();
        connection.disconnect();
        await redisServer?.stop();
      },
    };
  } catch (err) {
    redis?.disconnect();
    await factory?.close().catch(() => {});
    await redisServer?.stop();
    throw err;
  }
}

/**
 * A private deployment starts with no tokens and nobody could create one (its Redis is private), so
 * the first start creates an admin token and writes it to a file only the owner can read.
 */
async function bootstrapAdminToken(tokens: ReturnType<typeof createTokenStore>, dataDir: string): Promise<string | undefined> {
  if ((await tokens.list()).length > 0) return undefined;
  const { token } = await tokens.create({ tenant: 'default', scopes: ['runs', 'admin'], label: 'created at first start' });
  const file = join(dataDir, 'admin-token');
  await mkdir(dataDir, { recursive: true });
  await writeFile(file, `${token}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
  return file;
}
