import type { Command } from 'commander';
import { allFailures, createFactory, factoryConfigFromEnv, groupFailures, preflightRun } from '@spatialforge/pipeline';
import { addRunFlags, runOptionsFromFlags, type RunFlags } from '../run-flags.js';
import { progressView, summary } from '../progress.js';
import { usage } from '../help.js';

interface Flags extends RunFlags {
  wait?: boolean;
}

const FINAL = new Set(['completed', 'failed', 'cancelled']);

export function register(program: Command): void {
  addRunFlags(
    usage(
      program
        .command('submit <input>')
        .description(
          'Create a run on the factory at REDIS_URL and OUTPUT (talking to Redis and the store directly) and list INPUT into its ingest queue; ' +
            'running `spatialforge worker` processes do the work. Prints the run id.',
        )
        .option('--wait', 'follow the run until it ends, then print its summary'),
      {
        examples: ['spatialforge submit s3://corpora/kitchens/ --wait', 'spatialforge submit frames.jsonl --qa-max 12 --formats parquet,llava'],
        environment: 'REDIS_URL and OUTPUT (required), S3_ENDPOINT and AWS_* for S3',
      },
    ),
  ).action(async (input: string, flags: Flags) => {
    const config = factoryConfigFromEnv();
    const source = { kind: 'uri', uri: input } as const;
    // Refused here, before the run exists, when no stage could process the input.
    const { options, notes } = await preflightRun({ source, options: runOptionsFromFlags(flags) });
    for (const note of notes) process.stderr.write(`${note}\n`);
    const factory = await createFactory({ ...config, log: (line) => process.stderr.write(`${line}\n`) });
    try {
      const run = await factory.coordinator.createRun({ source, options });
      await factory.coordinator.whenListed(run.id);
      process.stdout.write(`${run.id}\n`);
      if (!flags.wait) return;
      const view = progressView();
      for (;;) {
        const state = (await factory.coordinator.getRun(run.id))!;
        view.update(state);
        if (FINAL.has(state.status)) {
          view.stop();
          const failures = groupFailures(await allFailures(factory.coordinator, run.id));
          process.stdout.write(`${summary(state, await factory.coordinator.dataset(run.id), `${factory.store.location} runs/${run.id}/dataset/`, failures)}\n`);
          if (state.status !== 'completed') process.exitCode = 1;
          return;
        }
        await new Promise((r) => setTimeout(r, 1000));
      }
    } finally {
      await factory.close();
    }
  });
}
