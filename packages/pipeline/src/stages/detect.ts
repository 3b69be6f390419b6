/**
 * detect: objects with labels and 2D boxes, from the model in `options.models.detect` (YOLOX for
 * COCO-80; OWLv2 / OWL-ViT / Grounding DINO for `options.vocabulary`, default DETECT_VOCABULARY).
 * Fallback (no model): the objects the source provided (boxes or masks).
 */
import type { FrameObjectBox, RunOptions } from '@spatialforge/core';
import { decodeRgb, detectorFor, modelIdentity, preloadModels } from '@spatialforge/vision';
import type { ImageStageHandler, ObjectsOutput } from '../stage-handler.js';

/** A detected object, with the detector's confidence in [0, 1]. */
export interface DetectedObject extends FrameObjectBox {
  score: number;
}

/** The detect stage's output with the digest of the detector's weights. */
export interface DetectOutput extends ObjectsOutput {
  modelDigest?: string;
}

export const handler: ImageStageHandler<DetectOutput> = {
  kind: 'image',
  identity: (options: RunOptions) => {
    const model = options.models?.detect;
    return { model: model ? modelIdentity(model) : 'provided', vocabulary: options.vocabulary };
  },
  async load() {
    await preloadModels('detect');
  },
  async run(ctx) {
    const frame = await ctx.frame();
    const model = ctx.options.models?.detect;
    if (!model) return { objects: frame.objects ?? [], source: 'provided' };
    const detector = await detectorFor(model);
    const [detections] = await detector.detect([await decodeRgb(await ctx.store.get(frame.image))], ctx.options.vocabulary);
    const objects: DetectedObject[] = detections.map((d, i) => ({
      id: `${d.label.trim().toLowerCase().replace(/[^a-z0-9]+/g, '-')}-${i}`,
      label: d.label,
      box: d.box,
      score: d.score,
    }));
    return { objects, source: model, modelDigest: detector.digest };
  },
};
