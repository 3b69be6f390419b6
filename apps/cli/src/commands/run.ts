import { resolve } from 'node:path';
import type { Command } from 'commander';
import { executeLocalRun } from '../local-run.js';
import { addRunFlags, runOptionsFromFlags, type RunFlags } from '../run-flags.js';

interface Flags extends RunFlags {
  out: string;
  newRun?: boolean;
  concurrency?: string;
  threads?: string;
}

export function register(program: Command): void {
  addRunFlags(
    program
      .command('run <input>')
      .description(
        'Run the whole factory in this process on INPUT (a folder, .jsonl or .txt manifest, frame .json, s3:// prefix or URL) ' +
          'and write the dataset to OUT/dataset. Without REDIS_URL it starts its own redis-server. Started again with the same --out, it resumes.',
      )
      .requiredOption('--out <dir>', 'output folder (dataset, run state, stage cache)')
      .option('--new-run', 'start a new run in an output folder that holds a run of another configuration (reusing its stage outputs)')
      .option('--concurrency <n>', 'batch jobs per stage at once (default: WORKER_CONCURRENCY)')
      .option('--threads <n>', 'threads for CPU-heavy stages (default: WORKER_THREADS, one per core)'),
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
