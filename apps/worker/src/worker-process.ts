/**
 * A stage worker process: stage workers over REDIS_URL and OUTPUT, plus a small HTTP endpoint for
 * Kubernetes and Prometheus (`/healthz`: the process is alive; `/readyz`: handlers and models are
 * loaded and jobs are being taken; `/metrics`). SIGTERM (or SIGINT) stops taking jobs, lets the
 * batches in hand finish (BullMQ `worker.close()`), and exits 0.
 */
import { createServer, type Server } from 'node:http';
import { ConfigError, type StageName } from '@spatialforge/core';
import { enableDefaultMetrics, metricsText } from '@spatialforge/metrics';
import { createFactory, outputSetting, type Factory, type StageWorkers } from '@spatialforge/pipeline';
import { redisUrlSetting } from '@spatialforge/queue';
import type { OpenStoreOptions } from '@spatialforge/storage';

export interface WorkerProcessOptions {
  stages: StageName[];
  concurrency?: number;
  threads?: number;
  /** HTTP port for /healthz, /readyz, /metrics; 0 picks a free one. */
  port: number;
  /** @defaultValue REDIS_URL */
  redisUrl?: string;
  /** @defaultValue OUTPUT */
  output?: string;
  storeOptions?: OpenStoreOptions;
  log?: (line: string) => void;
}

export interface WorkerProcess {
  /** The HTTP port actually bound. */
  port: number;
  readonly ready: boolean;
  /** Stops taking jobs, finishes the batches in hand, closes connections and the HTTP endpoint. */
  close(): Promise<void>;
}

export async function startWorkerProcess(options: WorkerProcessOptions): Promise<WorkerProcess> {
  const redisUrl = options.redisUrl ?? redisUrlSetting.read();
  if (!redisUrl) throw new ConfigError('REDIS_URL is not set: a worker needs the Redis its coordinator uses (e.g. redis://redis:6379)', 'REDIS_URL');
  const output = options.output ?? outputSetting.read();
  if (!output) throw new ConfigError('OUTPUT is not set: a worker needs the object store its coordinator uses (e.g. s3://bucket/prefix)', 'OUTPUT');
  enableDefaultMetrics();

  let factory: Factory | undefined;
  let workers: StageWorkers | undefined;
  let closing = false;
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (path === '/healthz') return respond(response, 200, 'ok\n');
    if (path === '/readyz') {
      return workers?.ready && !closing ? respond(response, 200, 'ready\n') : respond(response, 503, closing ? 'stopping\n' : 'loading\n');
    }
    if (path === '/metrics') {
      void metricsText().then(
        ({ contentType, body }) => respond(response, 200, body, contentType),
        (err: Error) => respond(response, 500, `${err.message}\n`),
      );
      return;
    }
    respond(response, 404, 'not found\n');
  });
  const port = await listen(server, options.port);

  try {
    factory = await createFactory({ redisUrl, output, storeOptions: options.storeOptions, log: options.log });
    workers = await factory.startWorkers(options.stages, { concurrency: options.concurrency, threads: options.threads });
  } catch (err) {
    await factory?.close();
    server.close();
    throw err;
  }
  return {
    port,
    get ready() {
      return Boolean(workers?.ready) && !closing;
    },
    async close() {
      closing = true;
      await factory?.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function respond(response: import('node:http').ServerResponse, status: number, body: string, contentType = 'text/plain; charset=utf-8'): void {
  response.writeHead(status, { 'content-type': contentType });
  response.end(body);
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' ? new ConfigError(`WORKER_PORT ${port} is in use: pick another port (0 picks a free one)`, 'WORKER_PORT') : err));
    server.listen(port, () => resolve((server.address() as { port: number }).port));
  });
}
