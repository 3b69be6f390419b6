/** `spatialforge benchmark`: a balanced, held-out test split of a generated dataset. */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { InputError } from '@spatialforge/core';
import { buildBenchmark, loadEvalDataset } from '@spatialforge/research';
import { wholeNumber } from '../arguments.js';
import { usageText } from '../help.js';

/** A run folder holds its dataset either at its top or in `dataset/`. */
async function datasetOfRun(runDir: string): Promise<string> {
  for (const dir of [runDir, join(runDir, 'dataset')]) {
    for (const marker of ['qa.jsonl', 'data']) {
      if (await stat(join(dir, marker)).then(() => true, () => false)) return dir;
    }
  }
  throw new InputError(`${runDir} holds no dataset (looked for qa.jsonl or data/ in it and in ${join(runDir, 'dataset')})`, 'dataset-layout', runDir);
}

function share(value: string): number {
  const n = Number(value);
  if (!(n > 0 && n <= 1)) throw new InvalidArgumentError(`expected a share in (0, 1], got ${value}`);
  return n;
}

function quota(value: string, previous: Record<string, number> = {}): Record<string, number> {
  const m = /^([a-z_]+)=(\d+)$/.exec(value);
  if (!m) throw new InvalidArgumentError(`expected TYPE=N, e.g. closest_to=20, got ${value}`);
  return { ...previous, [m[1]]: Number(m[2]) };
}

export function register(program: Command): void {
  program
    .command('benchmark')
    .description('Build a balanced test split (per-type quotas, held-out images, near-duplicates removed, dataset card) for `spatialforge eval`')
    .option('--run-dir <dir>', 'a run folder (its dataset is read from it or its dataset/ folder)')
    .option('--dataset <path>', 'a dataset folder: qa.jsonl with images/, or data/*.parquet')
    .requiredOption('--out <dir>', 'benchmark folder to write')
    .option('--per-type <n>', 'test questions per type', wholeNumber, 50)
    .option('--quota <type=n>', 'quota for one type (repeatable)', quota)
    .option('--max-held-out <share>', 'most images held out of training, as a share', share, 0.5)
    .option('--seed <n>', 'seed of the draw', wholeNumber, 0)
    .addHelpText('after', usageText({ examples: ['spatialforge benchmark --run-dir spatialforge-demo --out bench --per-type 20', 'spatialforge benchmark --dataset out/dataset --out bench --quota closest_to=40'] }))
    .action(async (opts: { runDir?: string; dataset?: string; out: string; perType: number; quota?: Record<string, number>; maxHeldOut: number; seed: number }) => {
      if (!opts.runDir === !opts.dataset) throw new InputError('give either --run-dir or --dataset', 'benchmark-source', undefined, 'dataset');
      const source = opts.dataset ?? (await datasetOfRun(opts.runDir!));
      const dataset = await loadEvalDataset(source);
      const { split, files } = await buildBenchmark(dataset, opts.out, { perType: opts.perType, quotas: opts.quota, maxHeldOutShare: opts.maxHeldOut, seed: opts.seed });
      const short = Object.entries(split.counts).filter(([, c]) => c.questions < c.quota);
      console.log(`${split.test.length} test questions from ${split.heldOutImages.length} held-out images; ${split.train.length} training questions; ${split.duplicatesRemoved} near-duplicates removed`);
      if (short.length) console.log(`short of quota: ${short.map(([type, c]) => `${type} ${c.questions}/${c.quota}`).join(', ')}`);
      console.log(`wrote ${files.qa}, ${files.train}, ${files.heldOut}, ${files.card}`);
    });
}
