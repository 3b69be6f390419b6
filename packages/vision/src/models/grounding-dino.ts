import type { ModelManifest } from '../manifest.js';
import { IMAGENET_MEAN, IMAGENET_STD, hfUrl } from './hub.js';

const REPO = 'onnx-community/grounding-dino-tiny-ONNX';
const REVISION = 'ff690b0a8050566c290287545bd059350f3e9096';

/**
 * Grounding DINO tiny. The prompt is the vocabulary joined as "a. b. c." (lower case, BERT WordPiece);
 * logits score each of 900 queries against each of 256 text positions, boxes are (cx, cy, w, h)
 * relative to the image. Thresholds are the model card's (box 0.35, text 0.25).
 */
export const groundingDinoTiny: ModelManifest = {
  name: 'grounding-dino-tiny',
  task: 'detect',
  architecture: 'grounding-dino',
  description: 'Grounding DINO tiny (Swin-T), open-vocabulary detector with a BERT text encoder',
  licence: 'Apache-2.0',
  homepage: 'https://huggingface.co/IDEA-Research/grounding-dino-tiny',
  files: [
    { name: 'model.onnx', urls: [hfUrl(REPO, REVISION, 'onnx/model.onnx')] },
    { name: 'tokenizer.json', urls: [hfUrl(REPO, REVISION, 'tokenizer.json')] },
  ],
  graphs: {
    model: {
      file: 'model.onnx',
      inputs: [
        { name: 'pixel_values', type: 'float32', shape: ['batch', 3, 'height', 'width'] },
        { name: 'input_ids', type: 'int64', shape: ['batch', 'sequence'] },
        { name: 'token_type_ids', type: 'int64', shape: ['batch', 'sequence'] },
        { name: 'attention_mask', type: 'int64', shape: ['batch', 'sequence'] },
        { name: 'pixel_mask', type: 'int64', shape: ['batch', 'height', 'width'] },
      ],
      outputs: [
        { name: 'logits', type: 'float32', shape: ['batch', 900, 256] },
        { name: 'pred_boxes', type: 'float32', shape: ['batch', 900, 4] },
      ],
    },
  },
  preprocess: {
    resize: { mode: 'shortest-longest', shortestEdge: 800, longestEdge: 1333 },
    filter: 'bilinear',
    antialias: true,
    channelOrder: 'rgb',
    layout: 'nchw',
    rescale: 1 / 255,
    mean: IMAGENET_MEAN,
    std: IMAGENET_STD,
    padValue: [0, 0, 0],
  },
  tokenizer: { file: 'tokenizer.json', kind: 'wordpiece', maxLength: 256, padToken: '[PAD]' },
  postprocess: { scoreThreshold: 0.35, textThreshold: 0.25, nmsIou: 0.5 },
};
