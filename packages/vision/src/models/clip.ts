import type { ModelManifest } from '../manifest.js';
import { CLIP_MEAN, CLIP_STD, hfUrl } from './hub.js';

const REPO = 'Xenova/clip-vit-base-patch32';
const REVISION = '4c1807b705b1d015fb032789cc4d221b23025a6f';

/**
 * OpenAI CLIP ViT-B/32 as separate vision and text encoders (projected, unnormalised embeddings).
 * CLIPImageProcessor: shortest side to 224 (bicubic), centre crop 224, CLIP normalisation.
 */
export const clipVitB32: ModelManifest = {
  name: 'clip-vit-b32',
  task: 'filter',
  architecture: 'clip',
  description: 'OpenAI CLIP ViT-B/32 image and text encoders, for the scene filter',
  licence: 'MIT',
  homepage: 'https://github.com/openai/CLIP',
  files: [
    {
      name: 'vision_model.onnx',
      sha256: 'fd6e1402a588279d1723c7534d4bcba5bc0b14b47dfab0e46f8c47b8270d7d40',
      urls: [hfUrl(REPO, REVISION, 'onnx/vision_model.onnx')],
    },
    { name: 'text_model.onnx', urls: [hfUrl(REPO, REVISION, 'onnx/text_model.onnx')] },
    { name: 'tokenizer.json', urls: [hfUrl(REPO, REVISION, 'tokenizer.json')] },
  ],
  graphs: {
    vision: {
      file: 'vision_model.onnx',
      inputs: [{ name: 'pixel_values', type: 'float32', shape: ['batch', 3, 224, 224] }],
      outputs: [{ name: 'image_embeds', type: 'float32', shape: ['batch', 512] }],
    },
    text: {
      file: 'text_model.onnx',
      inputs: [
        { name: 'input_ids', type: 'int64', shape: ['batch', 'sequence'] },
        { name: 'attention_mask', type: 'int64', shape: ['batch', 'sequence'], optional: true },
      ],
      outputs: [{ name: 'text_embeds', type: 'float32', shape: ['batch', 512] }],
    },
  },
  preprocess: {
    resize: { mode: 'shortest-edge-crop', shortestEdge: 224, crop: 224 },
    filter: 'bicubic',
    antialias: true,
    channelOrder: 'rgb',
    layout: 'nchw',
    rescale: 1 / 255,
    mean: CLIP_MEAN,
    std: CLIP_STD,
    padValue: [0, 0, 0],
  },
  tokenizer: { file: 'tokenizer.json', kind: 'clip-bpe', maxLength: 77, padToken: '<|endoftext|>' },
  postprocess: { logitScale: 100 },
};
