/**
 * filter: keep scene-level photos, drop close-ups, screenshots, paintings and text — SpatialVLM's CLIP
 * prompts (FILTER_POSITIVE_PROMPTS / FILTER_NEGATIVE_PROMPTS, threshold FILTER_SCENE_THRESHOLD).
 * Fallback (no model in `options.models.filter`): keep every image.
 */
import type { RunOptions } from '@spatialforge/core';
import { decodeRgb, modelIdentity, preloadModels, readFilterSettings, sceneFilterFor } from '@spatialforge/vision';
import type { FilterOutput, ImageStageHandler } from '../stage-handler.js';

/** The filter's output with the digest of the weights that decided. */
export interface ModelFilterOutput extends FilterOutput {
  modelDigest?: string;
}

export const handler: ImageStageHandler<ModelFilterOutput> = {
  kind: 'image',
  identity: (options: RunOptions) => {
    const model = options.models?.filter;
    return model ? { model: modelIdentity(model), settings: readFilterSettings() } : { model: 'none' };
  },
  async load() {
    await preloadModels('filter');
  },
  async run(ctx) {
    const model = ctx.options.models?.filter;
    if (!model) return { keep: true, reason: 'no filter model configured: every image is kept', model: 'none' };
    const filter = await sceneFilterFor(model);
    const frame = await ctx.frame();
    const result = await filter.classify(await decodeRgb(await ctx.store.get(frame.image)));
    const share = result.score.toFixed(2);
    return {
      keep: result.keep,
      reason: result.keep ? `scene photo (scene prompts ${share}; best "${result.best}")` : `not a scene photo: "${result.best}" (scene prompts ${share})`,
      score: result.score,
      model,
      modelDigest: filter.digest,
    };
  },
  summarize: (output) => (output.keep ? {} : { dropReason: output.reason }),
};
