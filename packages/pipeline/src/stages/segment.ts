/**
 * segment: instance masks from the detected boxes.
 * Fallback (no model in `options.models.segment`): the objects pass through unchanged; the lift stage
 * takes each box's dominant 3D cluster as the object (DESIGN.md's depth-based box refinement).
 */
import type { RunOptions } from '@spatialforge/core';
import type { ImageStageHandler, ObjectsOutput } from '../stage-handler.js';

export const handler: ImageStageHandler<ObjectsOutput> = {
  kind: 'image',
  identity: (options: RunOptions) => ({ version: 1, model: options.models?.segment ?? 'none' }),
  async run(ctx) {
    const detected = await ctx.output<ObjectsOutput>('detect');
    if (detected) return detected;
    const frame = await ctx.frame();
    return { objects: frame.objects ?? [], source: 'provided' };
  },
};
