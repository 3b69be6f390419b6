/**
 * depth: metric depth aligned with the image, and intrinsics.
 * Fallback (no model in `options.models.depth`): the depth the source provided; an image without one
 * fails with `no-depth`.
 */
import { InputError, type RunOptions } from '@spatialforge/core';
import type { DepthOutput, ImageStageHandler } from '../stage-handler.js';

export const handler: ImageStageHandler<DepthOutput> = {
  kind: 'image',
  identity: (options: RunOptions) => ({ version: 1, model: options.models?.depth ?? 'provided' }),
  async run(ctx) {
    const frame = await ctx.frame();
    if (!frame.depth) throw noDepthError(frame.input);
    return {
      depth: frame.depth,
      intrinsics: frame.intrinsics,
      intrinsicsSource: frame.intrinsics ? (frame.intrinsicsSource ?? 'provided') : undefined,
      source: 'provided',
    };
  },
};

export function noDepthError(input: string): InputError {
  return new InputError(
    `${input} has no depth map and no depth model is configured: configure one (options.models.depth, e.g. --depth-model) or give RGB-D frames with depth`,
    'no-depth',
    input,
    'depth',
  );
}
