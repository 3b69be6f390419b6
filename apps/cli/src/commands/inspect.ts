import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { inspectInput } from '@spatialforge/pipeline';
import { addImageFlags, runOptionsFromFlags, type RunFlags } from '../run-flags.js';
import { usage } from '../help.js';

interface Flags extends RunFlags {
  out: string;
}

export function register(program: Command): void {
  addImageFlags(
    usage(program
      .command('inspect <input>')
      .description('Lift one image or frame .json (with the perception models configured) and write the overlay picture: boxes, masks, 3D boxes and the QA')
      .option('--out <file>', 'picture to write (PNG)', 'inspect.png'), {
      examples: ['spatialforge inspect spatialforge-demo/input/scene-0000/frame.json', 'spatialforge inspect frame.json --detect-model yolox-nano --out yolox.png'],
      environment: 'MODEL_CACHE_DIR for the models named',
    }),
  ).action(async (input: string, flags: Flags) => {
    const result = await inspectInput(input, runOptionsFromFlags(flags));
    const out = resolve(flags.out);
    await writeFile(out, result.picture);
    const canonical = result.scene.canonical ? 'gravity-aligned' : 'not gravity-aligned (no support plane found)';
    process.stdout.write(
      `${out}: ${result.scene.objects.length} objects lifted (${result.scene.dropped.length} dropped), scene ${canonical}, ${result.qa.length} QA pairs\n`,
    );
  });
}
