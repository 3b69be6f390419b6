/** synthesize: spatial question-answer pairs from the scene graph (the QA catalog's templates). */
import type { QARecord, RunOptions, SceneGraph } from '@spatialforge/core';
import { synthesizeQA } from '@spatialforge/qa';
import type { ImageStageHandler } from '../stage-handler.js';

export const handler: ImageStageHandler<QARecord[]> = {
  kind: 'image',
  identity: (options: RunOptions) => ({ version: 1, qa: options.qa, units: options.units, seed: options.seed }),
  async run(ctx) {
    const scene = await ctx.output<SceneGraph>('lift');
    if (!scene) throw new Error(`run has no lift output for ${ctx.imageId}`);
    return synthesizeQA(scene, { ...ctx.options.qa, units: ctx.options.units, seed: ctx.options.seed });
  },
  summarize(records) {
    const qaByType: Record<string, number> = {};
    for (const record of records) qaByType[record.type] = (qaByType[record.type] ?? 0) + 1;
    return { qaByType };
  },
};
