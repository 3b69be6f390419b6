import type { Command } from 'commander';
import { createFactory, factoryConfigFromEnv } from '@spatialforge/pipeline';
import { addRunFlags, runOptionsFromFlags, type RunFlags } from '../run-flags.js';
import { progressView, summary } from '../progress.js';

interface Flags extends RunFlags {
  wait?: boolean;
}

const FINAL = new Set(['completed', 'failed', 'cancelled']);

export function register(program: Command): void {
  addRunFlags(
    program
      .command('submit <input>')
      .description(
        'Create a run on the factory at REDIS_URL and OUTPUT (talking to Redis and the store directly) and list INPUT into its ingest queue; ' +
          'running `spatialforge worker` processes do the work. Prints the run id.',
      )
      .option('--wait', 'follow the run until it ends, then print its summary'),
  ).action(async (input: string, flags: Flags) => {
    const factory = await createFactory(factoryConfigFromEnv());
    try {
      const run = await factory.coordinator.createRun({ source: { kind: 'uri', uri: input }, options: runOptionsFromFlags(flags) });
      await factory.coordinator.whenListed(run.id);
      process.stdout.write(`${run.id}\n`);
      if (!flags.wait) return;
      const view = progressView();
      for (;;) {
        const state = (await factory.coordinator.getRun(run.id))!;
        view.update(state);
        if (FINAL.has(state.status)) {
          view.stop();
          process.stdout.write(`${summary(state, await factory.coordinator.dataset(run.id), `${factory.store.location} runs/${run.id}/dataset/`)}\n`);
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
