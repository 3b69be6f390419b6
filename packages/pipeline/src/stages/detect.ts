/**
 * detect: objects with labels and 2D boxes.
 * Fallback (no model in `options.models.detect`): the objects the source provided (boxes or masks).
 */
import type { RunOptions } from '@spatialforge/core';
import type { ImageStageHandler, ObjectsOutput } from '../stage-handler.js';

export const handler: ImageStageHandler<ObjectsOutput> = {
  kind: 'image',
  identity: (options: RunOptions) => ({ version: 1, model: options.models?.detect ?? 'provided', vocabulary: options.vocabulary }),
  async run(ctx) {
    const frame = await ctx.frame();
    return { objects: frame.objects ?? [], source: 'provided' };
  },
};
