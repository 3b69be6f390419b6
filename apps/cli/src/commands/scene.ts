/** `spatialforge scene FRAME.json --out DIR`: lift one frame to its scene graph, questions and picture. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { Units } from '@spatialforge/core';
import { liftFrame, loadFrameFile, renderScenePicture } from '@spatialforge/scene';
import { synthesizeQA } from '@spatialforge/qa';

interface SceneCommandOptions {
  out: string;
  seed: number;
  units: Units;
  maxQa: number;
}

function nonNegativeInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`expected a non-negative integer, got ${value}`);
  return n;
}

export function register(program: Command): void {
  program
    .command('scene')
    .description('Lift one RGB-D frame (a frame manifest) to scene.json, qa.jsonl and scene.png')
    .argument('<frame>', 'frame manifest (JSON): image, depth, intrinsics and objects (masks or boxes)')
    .requiredOption('--out <dir>', 'output folder')
    .option('--seed <n>', 'seed of the question sampling', nonNegativeInteger, 0)
    .addOption(new Option('--units <units>', 'units of the answers').choices(['metric', 'imperial']).default('metric'))
    .option('--max-qa <n>', 'most question-answer pairs for the frame', nonNegativeInteger, 50)
    .action(async (framePath: string, opts: SceneCommandOptions) => {
      const frame = await loadFrameFile(framePath);
      const scene = liftFrame(frame);
      const records = synthesizeQA(scene, { seed: opts.seed, units: opts.units, maxPerImage: opts.maxQa });
      await mkdir(opts.out, { recursive: true });
      await writeFile(join(opts.out, 'scene.json'), `${JSON.stringify(scene, null, 2)}\n`);
      await writeFile(join(opts.out, 'qa.jsonl'), records.map((record) => `${JSON.stringify(record)}\n`).join(''));
      await writeFile(join(opts.out, 'scene.png'), await renderScenePicture(frame, scene));
      const plane = scene.canonical
        ? `support plane found, camera ${scene.camera.height?.toFixed(2)} m above it, pitched ${((scene.camera.pitch ?? 0) * 180 / Math.PI).toFixed(1)}° down`
        : 'no support plane: camera-aligned axes, no questions that need "up"';
      console.log(`${framePath}: ${plane}`);
      console.log(`${scene.objects.length} objects lifted, ${scene.dropped.length} dropped, ${records.length} questions → ${opts.out} (scene.json, qa.jsonl, scene.png)`);
      for (const dropped of scene.dropped) console.log(`  dropped ${dropped.id} (${dropped.label}): ${dropped.reason}: ${dropped.detail}`);
    });
}
