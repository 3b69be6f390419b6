/**
 * segment: instance masks from the detected boxes, by the model in `options.models.segment` (SAM /
 * SlimSAM box prompts, or DeepLabV3 classes inside each box). The masks of one image are stored as one
 * 8-bit label PNG artefact (object k has value k + 1); a box whose mask comes out empty stays a box.
 * Fallback (no model): the objects pass through unchanged; the lift stage takes each box's dominant 3D
 * cluster as the object (DESIGN.md's depth-based box refinement).
 */
import type { FrameObject, FrameObjectBox, RunOptions } from '@spatialforge/core';
import { decodeRgb, encodeLabelMask, modelIdentity, preloadModels, segmenterFor } from '@spatialforge/vision';
import type { ImageStageHandler, ObjectsOutput } from '../stage-handler.js';

/** The segment stage's output with the digest of the segmenter's weights. */
export interface SegmentOutput extends ObjectsOutput {
  modelDigest?: string;
}

/** Objects an 8-bit label image can hold. */
const MAX_MASKS = 255;

export const handler: ImageStageHandler<SegmentOutput> = {
  kind: 'image',
  identity: (options: RunOptions) => {
    const model = options.models?.segment;
    return { model: model ? modelIdentity(model) : 'none' };
  },
  async load() {
    await preloadModels('segment');
  },
  async run(ctx) {
    const frame = await ctx.frame();
    const detected = (await ctx.output<ObjectsOutput>('detect')) ?? { objects: frame.objects ?? [], source: 'provided' };
    const model = ctx.options.models?.segment;
    if (!model) return detected;
    const boxed = detected.objects.filter((o): o is FrameObjectBox => 'box' in o).slice(0, MAX_MASKS);
    if (boxed.length === 0) return detected;
    const segmenter = await segmenterFor(model);
    const image = await decodeRgb(await ctx.store.get(frame.image));
    const masks = await segmenter.segment(image, boxed.map((o) => o.box), boxed.map((o) => o.label));
    const nonEmpty = masks.map((m) => m.some((v) => v === 1));
    const kept = masks.filter((_, i) => nonEmpty[i]);
    const key = kept.length > 0 ? await ctx.putArtefact('masks.png', await encodeLabelMask(kept, image.width, image.height), 'image/png') : undefined;
    const valueOf = new Map<FrameObjectBox, number>();
    let value = 0;
    boxed.forEach((o, i) => {
      if (nonEmpty[i]) valueOf.set(o, ++value);
    });
    const objects: FrameObject[] = detected.objects.map((o) => {
      const maskValue = 'box' in o ? valueOf.get(o) : undefined;
      if (maskValue === undefined || !key) return o;
      return { id: o.id, label: o.label, mask: key, maskValue, ...(o.score !== undefined ? { score: o.score } : {}) };
    });
    return { objects, source: `${detected.source}+${model}`, modelDigest: segmenter.digest };
  },
};
