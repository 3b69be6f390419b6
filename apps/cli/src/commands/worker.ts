import type { Command } from 'commander';
import { parseWorkerStages, workerPortSetting, workerStagesSetting } from '@spatialforge/pipeline';
import { startWorkerProcess } from '@spatialforge/worker';
import { usageText } from '../help.js';

interface Flags {
  stages?: string;
  concurrency?: string;
  threads?: string;
  port?: string;
}

export function register(program: Command): void {
  program
    .command('worker')
    .description(
      'Run stage workers against REDIS_URL and OUTPUT (the distributed mode): pull batch jobs, run the stages, hand images on. ' +
        'Serves /healthz, /readyz and /metrics on WORKER_PORT. SIGTERM finishes the batches in hand and exits 0.',
    )
    .option('--stages <list>', 'stages to serve, comma-separated, or "all" (default: WORKER_STAGES, else all)')
    .option('--concurrency <n>', 'batch jobs per stage at once (default: WORKER_CONCURRENCY)')
    .option('--threads <n>', 'threads for CPU-heavy stages (default: WORKER_THREADS, one per core)')
    .option('--port <port>', 'health and metrics port (default: WORKER_PORT; 0 picks a free one)')
    .addHelpText('after', usageText({ examples: ['spatialforge worker --stages ingest,filter,lift,synthesize,export', 'spatialforge worker --stages detect,segment,depth --concurrency 1'], environment: 'REDIS_URL and OUTPUT (required); WORKER_* settings, MODEL_CACHE_DIR, ORT_EXECUTION_PROVIDER' }))
    .action(async (flags: Flags) => {
      const stages = flags.stages !== undefined
        ? parseWorkerStages(flags.stages, '--stages')
        : parseWorkerStages(workerStagesSetting.read() ?? 'all', 'WORKER_STAGES');
      const log = (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);
      const worker = await startWorkerProcess({
        stages,
        concurrency: flags.concurrency !== undefined ? Number(flags.concurrency) : undefined,
        threads: flags.threads !== undefined ? Number(flags.threads) : undefined,
        port: flags.port !== undefined ? Number(flags.port) : workerPortSetting.read(),
        log,
      });
      log(`worker ready: stages ${stages.join(',')}, http port ${worker.port}`);
      await new Promise<void>((resolve) => {
        const stop = (signal: NodeJS.Signals) => {
          log(`${signal}: finishing the batches in hand`);
          void worker.close().then(resolve);
        };
        process.once('SIGTERM', stop);
        process.once('SIGINT', stop);
      });
      log('worker stopped');
      process.exit(0);
    });
}
