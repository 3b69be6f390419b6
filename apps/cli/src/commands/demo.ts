import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { InputError } from '@spatialforge/core';
import { writeDemoInput } from '@spatialforge/pipeline';
import { executeLocalRun } from '../local-run.js';
import { addRunFlags, runOptionsFromFlags, type RunFlags } from '../run-flags.js';

interface Flags extends RunFlags {
  scenes: string;
  out: string;
  width: string;
  height: string;
  newRun?: boolean;
}

export function register(program: Command): void {
  addRunFlags(
    program
      .command('demo')
      .description('Synthesise RGB-D scenes into OUT/input and run the whole factory on them in this process: a dataset in OUT/dataset')
      .option('--scenes <n>', 'synthetic scenes', '200')
      .option('--out <dir>', 'output folder', 'spatialforge-demo')
      .option('--width <px>', 'scene image width, pixels', '640')
      .option('--height <px>', 'scene image height, pixels', '480')
      .option('--new-run', 'start a new run in an output folder that holds a run of another configuration'),
  ).action(async (flags: Flags) => {
    const out = resolve(flags.out);
    const options = runOptionsFromFlags(flags);
    const scenes = Number(flags.scenes);
    if (!Number.isInteger(scenes) || scenes < 1) throw new InputError(`--scenes ${flags.scenes} must be a whole number ≥ 1`, 'invalid-option', undefined, '--scenes');
    process.stderr.write(`writing ${scenes} synthetic scenes to ${join(out, 'input')}\n`);
    const input = await writeDemoInput(join(out, 'input'), {
      scenes,
      seed: options.seed ?? 0,
      width: Number(flags.width),
      height: Number(flags.height),
    });
    await executeLocalRun({ input, out, options, newRun: flags.newRun });
  });
}
