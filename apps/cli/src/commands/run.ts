import { resolve } from 'node:path';
import type { Command } from 'commander';
import { executeLocalRun } from '../local-run.js';
import { addRunFlags, runOptionsFromFlags, type RunFlags } from '../run-flags.js';
import { usage } from '../help.js';

interface Flags extends RunFlags {
  out: string;
  newRun?: boolean;
  concurrency?: string;
  threads?: string;
}

export function register(program: Command): void {
  addRunFlags(
    usage(program
      .command('run <input>')
      .description(
        'Run the whole factory in this process on INPUT (a folder, .jsonl or .txt manifest, frame .json, s3:// prefix or URL) ' +
          'and write the dataset to OUT/dataset. Without REDIS_URL it starts its own redis-server. Started again with the same --out, it resumes.',
      )
      .requiredOption('--out <dir>', 'output folder (dataset, run state, stage cache)')
      .option('--new-run', 'start a new run in an output folder that holds a run of another configuration (reusing its stage outputs)')
      .option('--concurrency <n>', 'batch jobs per stage at once (default: WORKER_CONCURRENCY)')
      .option('--threads <n>', 'threads for CPU-heavy stages (default: WORKER_THREADS, one per core)'), {
      examples: [
        'spatialforge run spatialforge-demo/input --out again',
        'spatialforge run photos/ --out out --depth-model metric3d-v2-vit-small --detect-model yolox-nano',
        'spatialforge run frames.jsonl --out out --qa-max 12 --formats parquet,llava',
      ],
      environment: 'none needed: without REDIS_URL a private redis-server keeps its data in OUT/.redis; MODEL_CACHE_DIR for models. ' +
        'At the end OUT holds failures.jsonl and summary.json; `spatialforge status --out OUT` shows the run again',
    }),
  ).action(async (input: string, flags: Flags) => {
    await executeLocalRun({
      input,
      out: resolve(flags.out),
      options: runOptionsFromFlags(flags),
      newRun: flags.newRun,
      concurrency: flags.concurrency ? Number(flags.concurrency) : undefined,
      threads: flags.threads ? Number(flags.threads) : undefined,
    });
  });
}
