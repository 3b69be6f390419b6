/**
 * SAM / SlimSAM box-prompted segmentation (Hugging Face SamProcessor conventions): the encoder runs once
 * per image; the decoder runs once per box, given in encoder-input pixels; of its three candidate masks
 * the one with the highest predicted IoU is kept. Mask logits (256×256) are upsampled to the padded
 * 1024×1024 input, cropped to the resized image, resized to the original image and thresholded at 0.
 */
import type { Box2D, RgbImage } from '@spatialforge/core';
import { preprocessImage } from '../preprocess.js';
import { resample } from '../resample.js';
import type { LoadedModel } from '../runtime.js';
import type { Segmenter } from '../types.js';
import { floatData, floatTensor } from './tensors.js';

export class SamSegmenter implements Segmenter {
  readonly model: string;
  readonly digest: string;

  constructor(private readonly loaded: LoadedModel) {
    this.model = loaded.manifest.name;
    this.digest = loaded.digest;
  }

  async segment(image: RgbImage, boxes: Box2D[]): Promise<Uint8Array[]> {
    if (boxes.length === 0) return [];
    const { encoder, decoder } = this.loaded.graphs;
    const { data, shape, plan } = preprocessImage(image, this.loaded.manifest.preprocess);
    const embedded = await encoder.run({ pixel_values: floatTensor(data, shape) });
    const threshold = this.loaded.manifest.postprocess.maskThreshold ?? 0;
    const masks: Uint8Array[] = [];
    for (const box of boxes) {
      const prompt = new Float32Array([
        box[0] * plan.scaleX + plan.offsetX,
        box[1] * plan.scaleY + plan.offsetY,
        box[2] * plan.scaleX + plan.offsetX,
        box[3] * plan.scaleY + plan.offsetY,
      ]);
      const out = await decoder.run({
        input_boxes: floatTensor(prompt, [1, 1, 4]),
        image_embeddings: embedded.image_embeddings,
        image_positional_embeddings: embedded.image_positional_embeddings,
      });
      const iou = floatData(out.iou_scores, 'iou_scores');
      const logits = floatData(out.pred_masks, 'pred_masks');
      const dims = out.pred_masks.dims as number[];
      const [candidates, mh, mw] = dims.slice(-3);
      let best = 0;
      for (let c = 1; c < candidates; c++) if (iou[c] > iou[best]) best = c;
      const chosen = logits.subarray(best * mh * mw, (best + 1) * mh * mw);
      const bilinear = { filter: 'bilinear' as const, antialias: false };
      const padded = resample(chosen, mw, mh, 1, plan.canvasWidth, plan.canvasHeight, bilinear);
      const full = resample(padded, plan.canvasWidth, plan.canvasHeight, 1, image.width, image.height, bilinear, {
        x: plan.offsetX,
        y: plan.offsetY,
        width: plan.resizedWidth,
        height: plan.resizedHeight,
      });
      const mask = new Uint8Array(full.length);
      for (let i = 0; i < full.length; i++) mask[i] = full[i] > threshold ? 1 : 0;
      masks.push(mask);
    }
    return masks;
  }
}
