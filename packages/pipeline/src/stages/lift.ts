/**
 * lift: the frame (image, depth, intrinsics and objects from the stages before) → a 3D scene graph in
 * the canonical frame. CPU-heavy: the registry runs it in a worker thread.
 */
import type { Frame, FrameManifest, RunOptions, SceneGraph } from '@spatialforge/core';
import { DEFAULT_LIFT_OPTIONS, liftFrame, loadFrame } from '@spatialforge/scene';
import type { DepthOutput, ImageStageContext, ImageStageHandler, ObjectsOutput } from '../stage-handler.js';
import { noDepthError } from './depth.js';

export const handler: ImageStageHandler<SceneGraph> = {
  kind: 'image',
  identity: (options: RunOptions) => ({ lift: DEFAULT_LIFT_OPTIONS, seed: options.seed, fovDegrees: options.fovDegrees }),
  async run(ctx) {
    return liftFrame(await frameToLift(ctx), { seed: ctx.options.seed });
  },
};

/** The frame as lift sees it: the ingested image with the depth, intrinsics and objects of the stages before. */
export async function frameToLift(ctx: ImageStageContext): Promise<Frame> {
  const frame = await ctx.frame();
  const depth = await ctx.output<DepthOutput>('depth');
  const objects = (await ctx.output<ObjectsOutput>('segment')) ?? (await ctx.output<ObjectsOutput>('detect'));
  const depthRef = depth?.depth ?? frame.depth;
  if (!depthRef) throw noDepthError(frame.input);
  const intrinsics = depth?.intrinsics ?? frame.intrinsics;
  const manifest: FrameManifest = { image: frame.image, depth: depthRef, intrinsics, objects: objects?.objects ?? frame.objects ?? [] };
  const loaded = await loadFrame(manifest, (key) => ctx.store.get(key), {
    imageId: frame.imageId,
    sourceName: frame.input,
    fovDegrees: ctx.options.fovDegrees,
  });
  loaded.intrinsicsSource = intrinsics ? (depth?.intrinsicsSource ?? frame.intrinsicsSource ?? 'provided') : 'fov-prior';
  return loaded;
}
