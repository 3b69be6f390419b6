/**
 * A whole spatialforge deployment for the service tests and the API benchmark: a private
 * redis-server, a local store, the coordinator and every stage's workers in this process behind the
 * REST service on a loopback port, and a synthetic RGB-D corpus served over loopback HTTP (REST
 * sources may not name local paths, so the frames are fetched by URL like a user's would be).
 */
import { createServer, type Server } from 'node:http';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, normalize } from 'node:path';
import { randomUUID } from 'node:crypto';
import { STAGES, type RunState, type StageName } from '@spatialforge/core';
import { writeDemoInput } from '@spatialforge/pipeline';
import { openRedis, startRedis, type RedisServer } from '@spatialforge/queue';
import type { OpenStoreOptions } from '@spatialforge/storage';
import { createTokenStore, startService, type RunningService, type Scope, type ServeOptions, type ServiceSettings, type TokenStore } from '@spatialforge/service';

export interface HarnessOptions {
  /** Synthetic scenes in the corpus. */
  scenes: number;
  /** Image size, pixels. @defaultValue 320 × 240 */
  width?: number;
  height?: number;
  seed?: number;
  settings?: Partial<ServiceSettings>;
  /** Batch jobs per stage at once. @defaultValue 2 */
  workerConcurrency?: number;
  /** Store location. @defaultValue a folder in the harness's temporary directory */
  output?: string;
  /** Store options (an s3rver's endpoint and credentials). */
  storeOptions?: OpenStoreOptions;
  /** Stages whose workers start with the service (more can be started with `service.factory.startWorkers`, or as `spatialforge worker`). @defaultValue all */
  workerStages?: StageName[];
  logger?: ServeOptions['logger'];
}

export interface Harness {
  dir: string;
  /** Redis key prefix (QUEUE_PREFIX) and store location of this deployment, for workers started elsewhere. */
  prefix: string;
  output: string;
  service: RunningService;
  tokens: TokenStore;
  /** The corpus manifest on disk (references relative to its folder). */
  manifestPath: string;
  manifestText: string;
  /** Loopback URL the corpus folder is served from (ends with `/`). */
  corpusUrl: string;
  token(tenant: string, scopes?: Scope[]): Promise<{ token: string; id: string }>;
  /** fetch against the service with a bearer token. */
  api(token: string | undefined, path: string, init?: RequestInit): Promise<Response>;
  /** Uploads the corpus manifest as a tenant; returns the created run. */
  submit(token: string, query?: string): Promise<RunState>;
  waitFor(token: string, runId: string, done: (run: RunState) => boolean, timeoutMs?: number): Promise<RunState>;
  close(): Promise<void>;
}

/** Serves a folder read-only on 127.0.0.1 (the corpus, as a web server would). */
async function serveFolder(root: string): Promise<{ server: Server; url: string }> {
  const server = createServer(async (request, response) => {
    const path = normalize(join(root, decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname)));
    if (!path.startsWith(root)) {
      response.writeHead(403).end();
      return;
    }
    try {
      if (!(await stat(path)).isFile()) throw new Error('not a file');
      response.end(await readFile(path));
    } catch {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { server, url: `http://127.0.0.1:${port}/` };
}

export async function startHarness(options: HarnessOptions): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), 'sf-service-'));
  const corpusDir = join(dir, 'corpus');
  const manifestPath = await writeDemoInput(corpusDir, { scenes: options.scenes, seed: options.seed ?? 1, width: options.width ?? 320, height: options.height ?? 240 });
  const corpus = await serveFolder(corpusDir);
  // URL ingest refuses loopback addresses unless allowed: the corpus server is on 127.0.0.1.
  process.env.INGEST_ALLOW_HOSTS = '127.0.0.1';
  const prefix = `svc${randomUUID().slice(0, 8)}`;
  const output = options.output ?? join(dir, 'store');
  let redis: RedisServer | undefined;
  let service: RunningService | undefined;
  try {
    redis = await startRedis({ dir: join(dir, 'redis'), appendOnly: false });
    service = await startService({
      redisUrl: redis.url,
      output,
      storeOptions: options.storeOptions,
      dataDir: dir,
      prefix,
      workerStages: options.workerStages ?? [...STAGES],
      workerConcurrency: options.workerConcurrency ?? 2,
      workerThreads: 1,
      settings: { port: 0, host: '127.0.0.1', ...options.settings },
      logger: options.logger,
    });
  } catch (err) {
    corpus.server.close();
    await redis?.stop();
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  const running = service;
  const connection = openRedis(redis.url);
  const tokens = createTokenStore(connection, prefix);
  const redisServer = redis;

  const api = (token: string | undefined, path: string, init: RequestInit = {}) =>
    fetch(`${running.url}${path}`, { ...init, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(init.headers as Record<string, string>) } });
  const manifestText = await readFile(manifestPath, 'utf8');

  return {
    dir,
    prefix,
    output,
    service: running,
    tokens,
    manifestPath,
    manifestText,
    corpusUrl: corpus.url,
    async token(tenant, scopes = ['runs']) {
      const { token, record } = await tokens.create({ tenant, scopes });
      return { token, id: record.id };
    },
    api,
    async submit(token, query = '') {
      const response = await api(token, `/v1/runs/manifest?baseUri=${encodeURIComponent(corpus.url)}${query}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-ndjson' },
        body: manifestText,
      });
      if (response.status !== 201) throw new Error(`submit: HTTP ${response.status} ${await response.text()}`);
      return (await response.json()) as RunState;
    },
    async waitFor(token, runId, done, timeoutMs = 240_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const response = await api(token, `/v1/runs/${runId}`);
        if (response.status !== 200) throw new Error(`GET run ${runId}: HTTP ${response.status} ${await response.text()}`);
        const run = (await response.json()) as RunState;
        if (done(run)) return run;
        if (Date.now() > deadline) throw new Error(`run ${runId} did not reach the expected state in ${timeoutMs / 1000} s: ${JSON.stringify(run.stages)}`);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    },
    async close() {
      await running.close();
      connection.disconnect();
      await redisServer.stop();
      await new Promise((resolve) => corpus.server.close(resolve));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export const FINAL_STATUSES = new Set(['completed', 'failed', 'cancelled']);
