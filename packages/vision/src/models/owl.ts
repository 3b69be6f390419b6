import type { ModelManifest } from '../manifest.js';
import { CLIP_MEAN, CLIP_STD, hfUrl } from './hub.js';

const OWLV2_REPO = 'Xenova/owlv2-base-patch16-ensemble';
const OWLV2_REVISION = '5214a97dfca652cbd56e34edb76c5e2680ae6f2b';

/**
 * OWLv2 base/16 (ensemble checkpoint). Hugging Face's Owlv2ImageProcessor pads the image to a square
 * (bottom and right, grey 0.5) and resizes it to 960×960, so predicted boxes are relative to the padded
 * square; that is a top-left letterbox with pad 127.5. Text queries are CLIP-tokenised to 16 tokens.
 */
export const owlv2Base: ModelManifest = {
  name: 'owlv2-base',
  task: 'detect',
  architecture: 'owlv2',
  description: 'OWLv2 base patch16 ensemble, open-vocabulary detector (text queries), 960×960',
  licence: 'Apache-2.0',
  homepage: 'https://huggingface.co/google/owlv2-base-patch16-ensemble',
  files: [
    { name: 'model.onnx', urls: [hfUrl(OWLV2_REPO, OWLV2_REVISION, 'onnx/model.onnx')] },
    { name: 'tokenizer.json', urls: [hfUrl(OWLV2_REPO, OWLV2_REVISION, 'tokenizer.json')] },
  ],
  graphs: {
    model: {
      file: 'model.onnx',
      inputs: [
        { name: 'input_ids', type: 'int64', shape: ['num_queries', 16] },
        { name: 'pixel_values', type: 'float32', shape: ['batch', 3, 960, 960] },
        { name: 'attention_mask', type: 'int64', shape: ['num_queries', 16] },
      ],
      outputs: [
        { name: 'logits', type: 'float32', shape: ['batch', 3600, 'num_queries'] },
        { name: 'pred_boxes', type: 'float32', shape: ['batch', 3600, 4] },
      ],
    },
  },
  preprocess: {
    resize: { mode: 'letterbox', width: 960, height: 960, align: 'top-left', rounding: 'round' },
    filter: 'bilinear',
    antialias: true,
    channelOrder: 'rgb',
    layout: 'nchw',
    rescale: 1 / 255,
    mean: CLIP_MEAN,
    std: CLIP_STD,
    padValue: [127.5, 127.5, 127.5],
  },
  tokenizer: { file: 'tokenizer.json', kind: 'clip-bpe', maxLength: 16, padToken: '!' },
  // Hugging Face's zero-shot-object-detection pipeline keeps sigmoid scores above 0.1.
  postprocess: { scoreThreshold: 0.1, nmsIou: 0.3 },
};

const OWLVIT_REPO = 'Xenova/owlvit-base-patch32';

/** OWL-ViT base/32: the image is stretched to 768×768, so boxes are relative to the whole image. */
export const owlvitBase: ModelManifest = {
  name: 'owlvit-base',
  task: 'detect',
  architecture: 'owlvit',
  description: 'OWL-ViT base patch32, open-vocabulary detector (text queries), 768×768',
  licence: 'Apache-2.0',
  homepage: 'https://huggingface.co/google/owlvit-base-patch32',
  files: [
    { name: 'model.onnx', urls: [hfUrl(OWLVIT_REPO, 'main', 'onnx/model.onnx')] },
    { name: 'tokenizer.json', urls: [hfUrl(OWLVIT_REPO, 'main', 'tokenizer.json')] },
  ],
  graphs: {
    model: {
      file: 'model.onnx',
      inputs: [
        { name: 'input_ids', type: 'int64', shape: ['num_queries', 16] },
        { name: 'pixel_values', type: 'float32', shape: ['batch', 3, 768, 768] },
        { name: 'attention_mask', type: 'int64', shape: ['num_queries', 16] },
      ],
      outputs: [
        { name: 'logits', type: 'float32', shape: ['batch', 576, 'num_queries'] },
        { name: 'pred_boxes', type: 'float32', shape: ['batch', 576, 4] },
      ],
    },
  },
  preprocess: {
    resize: { mode: 'stretch', width: 768, height: 768 },
    filter: 'bicubic',
    antialias: true,
    channelOrder: 'rgb',
    layout: 'nchw',
    rescale: 1 / 255,
    mean: CLIP_MEAN,
    std: CLIP_STD,
    padValue: [0, 0, 0],
  },
  tokenizer: { file: 'tokenizer.json', kind: 'clip-bpe', maxLength: 16, padToken: '!' },
  postprocess: { scoreThreshold: 0.1, nmsIou: 0.3 },
};
