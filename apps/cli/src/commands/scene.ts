/** `spatialforge scene FRAME.json --out DIR`: lift one frame to its scene graph, questions and picture. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { liftFrame, loadFrameFile, renderScenePicture } from '@spatialforge/scene';
import { synthesizeQA } from '@spatialforge/qa';
import { resolveRunOptions } from '@spatialforge/pipeline';
import { usage } from '../help.js';
import { addQaFlags, runOptionsFromFlags, type RunFlags } from '../run-flags.js';

interface SceneFlags extends Pick<RunFlags, 'qaMax' | 'qaQuota' | 'qaTypes' | 'units' | 'seed'> {
  out: string;
}

export function register(program: Command): void {
  addQaFlags(
    usage(
      program
        .command('scene')
        .description('Lift one RGB-D frame (a frame manifest) to scene.json, qa.jsonl and scene.png')
        .argument('<frame>', 'frame manifest (JSON): image, depth, intrinsics and objects (masks or boxes)')
        .requiredOption('--out <dir>', 'output folder'),
      { examples: ['spatialforge synth --scenes 3 --seed 11 --out synth', 'spatialforge scene synth/scene-0001/frame.json --out scene --qa-max 12 --units imperial'] },
    ),
  ).action(async (framePath: string, flags: SceneFlags) => {
    // The QA options of a run, checked as a run's are (the same names, defaults and limits).
    const { qa, units, seed } = resolveRunOptions(runOptionsFromFlags(flags));
    const frame = await loadFrameFile(framePath);
    const scene = liftFrame(frame);
    const records = synthesizeQA(scene, { ...qa, seed, units });
    await mkdir(flags.out, { recursive: true });
    await writeFile(join(flags.out, 'scene.json'), `${JSON.stringify(scene, null, 2)}\n`);
    await writeFile(join(flags.out, 'qa.jsonl'), records.map((record) => `${JSON.stringify(record)}\n`).join(''));
    await writeFile(join(flags.out, 'scene.png'), await renderScenePicture(frame, scene));
    const plane = scene.canonical
      ? `support plane found, camera ${scene.camera.height?.toFixed(2)} m above it, pitched ${((scene.camera.pitch ?? 0) * 180 / Math.PI).toFixed(1)}° down`
      : 'no support plane: camera-aligned axes, no questions that need "up"';
    console.log(`${framePath}: ${plane}`);
    console.log(`${scene.objects.length} objects lifted, ${scene.dropped.length} dropped, ${records.length} questions → ${flags.out} (scene.json, qa.jsonl, scene.png)`);
    for (const dropped of scene.dropped) console.log(`  dropped ${dropped.id} (${dropped.label}): ${dropped.reason}: ${dropped.detail}`);
  });
}
