import type { Command } from 'commander';
import { SpatialforgeError } from '@spatialforge/core';
// Settings modules only: a health check runs every few seconds and must stay light.
import { workerPortSetting } from '@spatialforge/pipeline/settings';
import { PORT } from '@spatialforge/service/settings';

/**
 * `spatialforge healthcheck`: the container health check of docker/. One image runs either `serve`
 * (HTTP on PORT) or `worker` (HTTP on WORKER_PORT), so it asks both and passes when either answers.
 */
export function register(program: Command): void {
  program
    .command('healthcheck')
    .description('Exit 0 when the service (PORT) or the worker (WORKER_PORT) on this host answers /healthz; for container health checks')
    .option('--url <url>', 'check this URL instead')
    .option('--timeout <ms>', 'time allowed per request, milliseconds', '2000')
    .action(async (flags: { url?: string; timeout: string }) => {
      const urls = flags.url
        ? [flags.url]
        : [`http://127.0.0.1:${PORT.read()}/healthz`, `http://127.0.0.1:${workerPortSetting.read()}/healthz`];
      const failures: string[] = [];
      for (const url of urls) {
        try {
          const response = await fetch(url, { signal: AbortSignal.timeout(Number(flags.timeout)) });
          if (response.ok) return;
          failures.push(`${url}: HTTP ${response.status}`);
        } catch (err) {
          failures.push(`${url}: ${(err as Error).message}`);
        }
      }
      throw new SpatialforgeError(`unhealthy: ${failures.join('; ')}`, 'unhealthy');
    });
}
