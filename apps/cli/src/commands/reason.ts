/** `spatialforge reason`: answer a spatial question about a frame with a reasoning trace. */
import { readFile } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { InputError, type SceneGraph, type Units } from '@spatialforge/core';
import { liftFrame, loadFrameFile } from '@spatialforge/scene';
import { llmConfigFromSettings, reason } from '@spatialforge/research';
import { usageText } from '../help.js';

/** A scene graph JSON (from `spatialforge scene`) is used as is; a frame manifest is loaded and lifted. */
async function sceneFrom(path: string): Promise<SceneGraph> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new InputError(`${path}: cannot read JSON (${(err as Error).message})`, 'invalid-manifest', path);
  }
  const maybeScene = parsed as Partial<SceneGraph>;
  if (maybeScene.camera && Array.isArray(maybeScene.objects) && maybeScene.objects.every((o) => Array.isArray(o.centre))) return parsed as SceneGraph;
  return liftFrame(await loadFrameFile(path));
}

export function register(program: Command): void {
  program
    .command('reason')
    .description('Answer a spatial question about a frame (frame manifest or scene.json) with its reasoning steps')
    .argument('<frame>', 'frame manifest (frame.json) or scene graph (scene.json)')
    .argument('<question>', 'e.g. "Which of the lamp, the mug and the box is closest to the chair?"')
    .addOption(new Option('--units <units>', 'units of lengths in the answer').choices(['metric', 'imperial']).default('metric'))
    .option('--builtin', 'use the built-in planner even when LLM_ENDPOINT and LLM_MODEL are set')
    .option('--json', 'print the whole result as JSON')
    .addHelpText('after', '\nWith LLM_ENDPOINT and LLM_MODEL set (and LLM_API_KEY if needed), a tool-calling language model plans the measurements.')
    .addHelpText('after', usageText({ examples: ['spatialforge reason spatialforge-demo/input/scene-0000/frame.json "How far is the chair from the table?"', 'spatialforge reason scene/scene.json "Is the lamp left of the box?" --builtin'], environment: 'LLM_ENDPOINT, LLM_MODEL, LLM_API_KEY (optional)' }))
    .action(async (frame: string, question: string, opts: { units: Units; builtin?: boolean; json?: boolean }) => {
      const scene = await sceneFrom(frame);
      const result = await reason(scene, question, { units: opts.units, llm: opts.builtin ? undefined : llmConfigFromSettings() });
      if (opts.json) {
        console.log(JSON.stringify(result, null, 2));
        return;
      }
      console.log(result.answer);
      console.log('');
      result.steps.forEach((step, i) => console.log(`${i + 1}. ${step.text}`));
      if (result.fact) console.log(`\nfact: ${JSON.stringify(result.fact)}`);
    });
}
