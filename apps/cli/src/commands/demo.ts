import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { writeDemoInput } from '@spatialforge/pipeline';
import { executeLocalRun } from '../local-run.js';
import { addRunFlags, runOptionsFromFlags, type RunFlags } from '../run-flags.js';
import { integerFrom } from '../arguments.js';
import { usage } from '../help.js';

interface Flags extends RunFlags {
  scenes: number;
  out: string;
  width: number;
  height: number;
  newRun?: boolean;
}

export function register(program: Command): void {
  addRunFlags(
    usage(program
      .command('demo')
      .description('Synthesise RGB-D scenes into OUT/input and run the whole factory on them in this process: a dataset in OUT/dataset')
      .option('--scenes <n>', 'synthetic scenes, written to OUT/input/scene-0000/, scene-0001/, …', integerFrom(1), 200)
      .option('--out <dir>', 'output folder', 'spatialforge-demo')
      .option('--width <px>', 'scene image width, pixels', integerFrom(64, 4096), 640)
      .option('--height <px>', 'scene image height, pixels', integerFrom(48, 4096), 480)
      .option('--new-run', 'start a new run in an output folder that holds a run of another configuration'), {
      examples: ['spatialforge demo', 'spatialforge demo --scenes 20 --out small-demo --qa-max 8'],
      environment: 'none needed: without REDIS_URL a private redis-server keeps its data in OUT/.redis',
    }),
  ).action(async (flags: Flags) => {
    const out = resolve(flags.out);
    const options = runOptionsFromFlags(flags);
    const { scenes } = flags;
    process.stderr.write(`writing ${scenes} synthetic scenes to ${join(out, 'input')}\n`);
    const input = await writeDemoInput(join(out, 'input'), {
      scenes,
      seed: options.seed ?? 0,
      width: flags.width,
      height: flags.height,
    });
    await executeLocalRun({ input, out, options, newRun: flags.newRun });
  });
}
