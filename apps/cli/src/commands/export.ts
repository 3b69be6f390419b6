import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { InputError } from '@spatialforge/core';
import { createFactory, factoryConfigFromEnv } from '@spatialforge/pipeline';
import { usageText } from '../help.js';

export function register(program: Command): void {
  program
    .command('export <run>')
    .description("Download a completed run's dataset from OUTPUT into a folder")
    .requiredOption('--out <dir>', 'folder to write the dataset files into')
    .addHelpText('after', usageText({ examples: ['spatialforge export run-mww0a5sa-ac4150 --out ./kitchens'], environment: 'REDIS_URL and OUTPUT (required)' }))
    .action(async (runId: string, flags: { out: string }) => {
      const factory = await createFactory(factoryConfigFromEnv());
      try {
        const dataset = await factory.coordinator.dataset(runId);
        if (!dataset) {
          const run = await factory.coordinator.getRun(runId);
          throw new InputError(
            run ? `run ${runId} has no dataset yet (it is ${run.status})` : `no run ${runId} in this factory (REDIS_URL, QUEUE_PREFIX)`,
            'no-dataset',
            runId,
          );
        }
        const out = resolve(flags.out);
        for (const file of dataset.files) {
          const target = join(out, file.path);
          await mkdir(dirname(target), { recursive: true });
          await writeFile(target, await factory.store.get(file.key));
        }
        process.stdout.write(`${dataset.files.length} files (${dataset.records} images, ${dataset.qaPairs} QA pairs) in ${out}\n`);
      } finally {
        await factory.close();
      }
    });
}
