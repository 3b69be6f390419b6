import type { ModelManifest, Preprocess } from '../manifest.js';
import { IMAGENET_MEAN, IMAGENET_MEAN_255, IMAGENET_STD, hfUrl } from './hub.js';

// Hugging Face DPTImageProcessor as Depth Anything configures it: 518×518 target, keep the aspect
// ratio scaling as little as possible, sides rounded to a multiple of 14 (the ViT patch), bicubic.
const depthAnythingPreprocess: Preprocess = {
  resize: { mode: 'keep-aspect-multiple', width: 518, height: 518, multipleOf: 14 },
  filter: 'bicubic',
  antialias: true,
  channelOrder: 'rgb',
  layout: 'nchw',
  rescale: 1 / 255,
  mean: IMAGENET_MEAN,
  std: IMAGENET_STD,
  padValue: [0, 0, 0],
};

function depthAnythingMetric(scene: 'indoor' | 'outdoor', maxDepth: number): ModelManifest {
  const hfName = `Depth-Anything-V2-Metric-${scene === 'indoor' ? 'Indoor' : 'Outdoor'}-Small-hf`;
  return {
    name: `depth-anything-v2-metric-${scene}-small`,
    task: 'depth',
    architecture: 'depth-anything-v2',
    description: `Depth Anything V2 small, metric depth fine-tuned on ${scene === 'indoor' ? 'Hypersim (indoor, ≤ 20 m)' : 'Virtual KITTI 2 (outdoor, ≤ 80 m)'}`,
    licence: 'Apache-2.0',
    homepage: `https://huggingface.co/depth-anything/${hfName}`,
    // No public ONNX export of the metric checkpoints is known; the Hugging Face checkpoint exports cleanly.
    files: [{ name: 'model.onnx', urls: [] }],
    exportHint:
      `optimum-cli export onnx --model depth-anything/${hfName} --task depth-estimation OUT_DIR, ` +
      `then: spatialforge models pull depth-anything-v2-metric-${scene}-small --from OUT_DIR`,
    graphs: {
      model: {
        file: 'model.onnx',
        inputs: [{ name: 'pixel_values', type: 'float32', shape: ['batch', 3, 'height', 'width'] }],
        // Metres: the metric head ends in sigmoid × max_depth.
        outputs: [{ name: 'predicted_depth', type: 'float32', shape: ['batch', 'height', 'width'] }],
      },
    },
    preprocess: depthAnythingPreprocess,
    postprocess: { maxDepth },
  };
}

export const depthAnythingV2MetricIndoorSmall = depthAnythingMetric('indoor', 20);
export const depthAnythingV2MetricOutdoorSmall = depthAnythingMetric('outdoor', 80);

const DEPTHPRO_REPO = 'onnx-community/DepthPro-ONNX';
// "Upload ONNX weights w/ focal length output node".
const DEPTHPRO_REVISION = 'b8f0ddf17609790a6ea9aef9c47b3e9d1e4ef9a2';

/**
 * Apple DepthPro: a 1536×1536 stretched input in [-1, 1]; outputs metric depth at 1536×1536 and the
 * estimated horizontal focal length in pixels of that 1536-wide input.
 */
export const depthPro: ModelManifest = {
  name: 'depthpro',
  task: 'depth',
  architecture: 'depthpro',
  description: 'Apple DepthPro, metric depth and focal length from one image, 1536×1536 (fp32, 3.8 GB of weights)',
  licence: 'Apple Sample Code License (apple-ascl)',
  homepage: 'https://github.com/apple/ml-depth-pro',
  files: [
    { name: 'model.onnx', urls: [hfUrl(DEPTHPRO_REPO, DEPTHPRO_REVISION, 'onnx/model.onnx')] },
    { name: 'model.onnx_data', urls: [hfUrl(DEPTHPRO_REPO, DEPTHPRO_REVISION, 'onnx/model.onnx_data')] },
  ],
  graphs: {
    model: {
      file: 'model.onnx',
      inputs: [{ name: 'pixel_values', type: 'float32', shape: ['batch', 3, 1536, 1536] }],
      outputs: [
        { name: 'predicted_depth', type: 'float32', shape: ['batch', 1536, 1536] },
        { name: 'focallength_px', type: 'float32', shape: ['batch'] },
      ],
    },
  },
  preprocess: {
    resize: { mode: 'stretch', width: 1536, height: 1536 },
    filter: 'bilinear',
    antialias: true,
    channelOrder: 'rgb',
    layout: 'nchw',
    rescale: 1 / 255,
    mean: [0.5, 0.5, 0.5],
    std: [0.5, 0.5, 0.5],
    padValue: [0, 0, 0],
  },
  postprocess: { maxDepth: 1e4 },
};

const METRIC3D_REPO = 'onnx-community/metric3d-vit-small';
const METRIC3D_REVISION = 'ee63b95d92d2f629b3e019e88f57eea7c1e97d4b';

/**
 * Metric3D v2 ViT-S. Its depth refers to a canonical camera with a 1000 px focal length at the model
 * input's scale: metric depth = prediction × (fx × scale) / 1000, where scale is the resize factor
 * (Metric3D hubconf / onnx/test.onnx.py: resize to fit 616×1064 keeping the aspect ratio, pad centred
 * with the ImageNet mean, crop the padding off the prediction, resize back bilinearly).
 */
export const metric3dVitSmall: ModelManifest = {
  name: 'metric3d-v2-vit-small',
  task: 'depth',
  architecture: 'metric3d',
  description: 'Metric3D v2 ViT-S, canonical-camera metric depth rescaled by the focal length, 616×1064',
  // Metric3D's code and weights; the ONNX repository's card says CC0-1.0.
  licence: 'BSD-2-Clause',
  homepage: 'https://github.com/YvanYin/Metric3D',
  files: [{ name: 'model.onnx', urls: [hfUrl(METRIC3D_REPO, METRIC3D_REVISION, 'onnx/model.onnx')] }],
  graphs: {
    model: {
      file: 'model.onnx',
      inputs: [{ name: 'pixel_values', type: 'float32', shape: ['batch', 3, 616, 1064] }],
      outputs: [{ name: 'predicted_depth', type: 'float32', shape: ['batch', 616, 1064] }],
    },
  },
  preprocess: {
    resize: { mode: 'letterbox', width: 1064, height: 616, align: 'center', rounding: 'floor' },
    filter: 'bilinear',
    antialias: false,
    channelOrder: 'rgb',
    layout: 'nchw',
    rescale: 1,
    mean: IMAGENET_MEAN_255,
    std: [58.395, 57.12, 57.375],
    padValue: IMAGENET_MEAN_255,
  },
  postprocess: { canonicalFocalPx: 1000, maxDepth: 300 },
};
