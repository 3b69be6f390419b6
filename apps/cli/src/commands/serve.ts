/**
 * `spatialforge serve`: the REST API, dashboard and /metrics over the coordinator; with --workers (or
 * SERVE_WORKERS=true) the stage workers run in the same process, a one-box deployment.
 */
import type { Command } from 'commander';
import { STAGES, type StageName } from '@spatialforge/core';
import { parseStageList } from '@spatialforge/pipeline';
import { usageText } from '../help.js';

export function register(program: Command): void {
  program
    .command('serve')
    .description('Serve the REST API (/v1, OpenAPI at /docs), the dashboard (/) and Prometheus metrics (/metrics)')
    .option('--port <port>', 'TCP port (default: PORT, 8080)', (v) => Number.parseInt(v, 10))
    .option('--host <host>', 'interface to bind (default: HOST, 0.0.0.0)')
    .option('--workers [stages]', 'also run stage workers in this process: all stages, or a comma-separated list')
    .option('--data <dir>', 'folder for the private Redis and the local store when REDIS_URL / OUTPUT are unset', 'spatialforge-data')
    .addHelpText('after', usageText({ examples: ['spatialforge serve', 'spatialforge serve --workers --port 8080', 'REDIS_URL=redis://redis:6379 OUTPUT=s3://datasets/sf spatialforge serve'], environment: 'REDIS_URL and OUTPUT, or neither (a private Redis and store under --data); PORT, HOST, RATE_LIMIT_PER_MINUTE, SOURCE_S3_BUCKETS' }))
    .action(async (options: { port?: number; host?: string; workers?: boolean | string; data: string }) => {
      // Loaded here, not at the top: every CLI start imports every command module.
      const { startService, SERVE_WORKERS } = await import('@spatialforge/service');
      const workerStages: StageName[] =
        typeof options.workers === 'string'
          ? parseStageList(options.workers, '--workers')
          : options.workers || SERVE_WORKERS.read()
            ? [...STAGES]
            : [];
      const service = await startService({
        settings: { ...(options.port !== undefined ? { port: options.port } : {}), ...(options.host ? { host: options.host } : {}) },
        workerStages,
        dataDir: options.data,
        logger: { level: 'info' },
        log: (line) => console.error(line),
      });
      console.error(`spatialforge serving ${service.url} (dashboard ${service.url}/, API docs ${service.url}/docs, metrics ${service.url}/metrics)`);
      console.error(workerStages.length ? `in-process workers: ${workerStages.join(', ')}` : 'no in-process workers: start them with spatialforge worker --stages …');
      if (service.bootstrapTokenFile) {
        console.error(`first start: an admin token for tenant "default" is in ${service.bootstrapTokenFile} (more: REDIS_URL=${service.redisUrl} spatialforge tokens create --tenant <name>)`);
      }
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        console.error(`${signal}: stopping (running batches finish first)`);
        service.close().then(
          () => process.exit(0),
          (err: Error) => {
            console.error(`error while stopping: ${err.message}`);
            process.exit(1);
          },
        );
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
    });
}
