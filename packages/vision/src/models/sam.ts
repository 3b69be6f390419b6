import type { ModelManifest } from '../manifest.js';
import { IMAGENET_MEAN, IMAGENET_MEAN_255, IMAGENET_STD, hfUrl } from './hub.js';

const REPO = 'Xenova/slimsam-77-uniform';
// The `boxes` branch holds the export whose decoder takes box prompts (transformers.js PR #563).
const REVISION = 'boxes';

/**
 * SlimSAM-77 (a pruned SAM ViT-B). The encoder runs once per image: longest side resized to 1024,
 * ImageNet-normalised, zero-padded bottom-right to 1024×1024. The decoder runs per box prompt
 * (x1, y1, x2, y2 in encoder-input pixels) and returns 3 candidate 256×256 mask logits with IoU scores.
 */
export const slimsam77: ModelManifest = {
  name: 'slimsam-77',
  task: 'segment',
  architecture: 'sam',
  description: 'SlimSAM-77-uniform (SAM ViT-B pruned), box-prompted masks, encoder + decoder graphs',
  licence: 'Apache-2.0',
  homepage: 'https://github.com/czg1225/SlimSAM',
  files: [
    { name: 'vision_encoder.onnx', urls: [hfUrl(REPO, REVISION, 'onnx/vision_encoder.onnx')] },
    { name: 'prompt_encoder_mask_decoder.onnx', urls: [hfUrl(REPO, REVISION, 'onnx/prompt_encoder_mask_decoder.onnx')] },
  ],
  graphs: {
    encoder: {
      file: 'vision_encoder.onnx',
      inputs: [{ name: 'pixel_values', type: 'float32', shape: ['batch', 3, 1024, 1024] }],
      outputs: [
        { name: 'image_embeddings', type: 'float32', shape: ['batch', 256, 64, 64] },
        { name: 'image_positional_embeddings', type: 'float32', shape: ['batch', 256, 64, 64] },
      ],
    },
    decoder: {
      file: 'prompt_encoder_mask_decoder.onnx',
      inputs: [
        { name: 'input_boxes', type: 'float32', shape: ['batch', 'boxes', 4] },
        { name: 'image_embeddings', type: 'float32', shape: ['batch', 256, 64, 64] },
        { name: 'image_positional_embeddings', type: 'float32', shape: ['batch', 256, 64, 64] },
      ],
      outputs: [
        { name: 'iou_scores', type: 'float32', shape: ['batch', 'boxes', 3] },
        { name: 'pred_masks', type: 'float32', shape: ['batch', 'boxes', 3, 256, 256] },
      ],
    },
  },
  preprocess: {
    resize: { mode: 'letterbox', width: 1024, height: 1024, align: 'top-left', rounding: 'round' },
    filter: 'bilinear',
    antialias: true,
    channelOrder: 'rgb',
    layout: 'nchw',
    rescale: 1 / 255,
    mean: IMAGENET_MEAN,
    std: IMAGENET_STD,
    padValue: IMAGENET_MEAN_255,
  },
  postprocess: { maskThreshold: 0 },
};
