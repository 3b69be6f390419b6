import type { Command } from 'commander';
import { SpatialforgeError } from '@spatialforge/core';
// Settings modules only: a health check runs every few seconds and must stay light.
import { workerPortSetting } from '@spatialforge/pipeline/settings';
import { PORT } from '@spatialforge/service/settings';
import { usageText } from '../help.js';
import { integerFrom } from '../arguments.js';

/**
 * `spatialforge healthcheck`: the container health check of docker/. One image runs either `serve`
 * (HTTP on PORT) or `worker` (HTTP on WORKER_PORT), so it asks both and passes when either answers.
 */
export function register(program: Command): void {
  program
    .command('healthcheck')
    .description('Exit 0 when the service (PORT) or the worker (WORKER_PORT) on this host answers /healthz; for container health checks')
    .option('--url <url>', 'check this URL instead')
    .option('--timeout <ms>', 'time allowed per request, milliseconds', integerFrom(1), 2000)
    .addHelpText('after', usageText({ examples: ['spatialforge healthcheck', 'spatialforge healthcheck --url http://127.0.0.1:9464/healthz --timeout 500'], environment: 'PORT, WORKER_PORT' }))
    .action(async (flags: { url?: string; timeout: number }) => {
      const urls = flags.url
        ? [flags.url]
        : [`http://127.0.0.1:${PORT.read()}/healthz`, `http://127.0.0.1:${workerPortSetting.read()}/healthz`];
      const failures: string[] = [];
      for (const url of urls) {
        try {
          const response = await fetch(url, { signal: AbortSignal.timeout(flags.timeout) });
          if (response.ok) return;
          failures.push(`${url}: HTTP ${response.status}`);
        } catch (err) {
          failures.push(`${url}: ${(err as Error).message}`);
        }
      }
      throw new SpatialforgeError(`unhealthy: ${failures.join('; ')}`, 'unhealthy');
    });
}
