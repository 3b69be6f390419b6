/**
 * depth: metric depth aligned with the image, and intrinsics, from the model in `options.models.depth`
 * (Depth Anything V2 metric, DepthPro, Metric3D v2). Intrinsics in DESIGN.md's order: provided by the
 * source → the depth model's focal length (DepthPro) → EXIF → the field-of-view prior; Metric3D is
 * given the best focal length known before it runs. Depth is stored as a float32 `.npy` (metres).
 * Fallback (no model): the depth the source provided; an image without one fails with `no-depth`.
 */
import { InputError, type RunOptions } from '@spatialforge/core';
import { writeNpy } from '@spatialforge/scene';
import { decodeRgb, depthEstimatorFor, focalPxFromFov, modelIdentity, preloadModels, resolveIntrinsics } from '@spatialforge/vision';
import type { DepthOutput, ImageStageHandler } from '../stage-handler.js';

/** The depth stage's output with the digest of the depth model's weights. */
export interface ModelDepthOutput extends DepthOutput {
  modelDigest?: string;
}

export const handler: ImageStageHandler<ModelDepthOutput> = {
  kind: 'image',
  identity: (options: RunOptions) => {
    const model = options.models?.depth;
    return model ? { model: modelIdentity(model), fovDegrees: options.fovDegrees } : { model: 'provided' };
  },
  async load() {
    await preloadModels('depth');
  },
  async run(ctx) {
    const frame = await ctx.frame();
    const model = ctx.options.models?.depth;
    if (!model) {
      if (!frame.depth) throw noDepthError(frame.input);
      return {
        depth: frame.depth,
        intrinsics: frame.intrinsics,
        intrinsicsSource: frame.intrinsics ? (frame.intrinsicsSource ?? 'provided') : undefined,
        source: 'provided',
      };
    }
    const estimator = await depthEstimatorFor(model);
    const image = await decodeRgb(await ctx.store.get(frame.image));
    const fromSource = frame.intrinsics && (frame.intrinsicsSource ?? 'provided');
    const provided = fromSource === 'provided' ? frame.intrinsics : undefined;
    const exif = fromSource === 'exif' ? frame.intrinsics : undefined;
    const focalHint = provided?.fx ?? exif?.fx ?? focalPxFromFov(ctx.options.fovDegrees, image.width);
    const { depth, focalPx } = await estimator.estimate(image, { focalPx: focalHint });
    const { intrinsics, source } = resolveIntrinsics({
      provided,
      depthModelFocalPx: focalPx,
      exif,
      width: image.width,
      height: image.height,
      fovDegrees: ctx.options.fovDegrees,
    });
    const uri = await ctx.putArtefact('depth.npy', writeNpy([depth.height, depth.width], depth.data), 'application/octet-stream');
    return { depth: { uri }, intrinsics, intrinsicsSource: source, source: model, modelDigest: estimator.digest };
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
