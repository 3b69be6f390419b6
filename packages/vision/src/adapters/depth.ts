/**
 * Metric depth estimators. Each model's depth map is cropped to the part of the input the image covers
 * and resized back to the image bilinearly; values outside (0, maxDepth] become 0 (no measurement).
 *  - Depth Anything V2 metric: the output is metres.
 *  - DepthPro: metres, plus the focal length in pixels of the 1536-wide input, scaled to the image.
 *  - Metric3D v2: depth of a canonical camera with a 1000 px focal length at the input scale; metric
 *    depth = prediction × (fx · scale) / 1000 with fx the image's focal length (Metric3D hubconf.py).
 */
import { InputError, type DepthMap, type RgbImage } from '@spatialforge/core';
import type { ResizePlan } from '../manifest.js';
import { preprocessImage } from '../preprocess.js';
import { resample } from '../resample.js';
import type { LoadedModel } from '../runtime.js';
import type { DepthEstimate, DepthEstimateOptions, DepthEstimator } from '../types.js';
import { floatData, floatTensor } from './tensors.js';

/** The model-input region the image covers, resized to the image; `factor` scales the values. */
function depthToImage(prediction: Float32Array, predWidth: number, predHeight: number, plan: ResizePlan, image: RgbImage, factor: number, maxDepth: number): DepthMap {
  // The prediction may be at a different resolution than the model input (e.g. a stride); map the region.
  const sx = predWidth / plan.canvasWidth;
  const sy = predHeight / plan.canvasHeight;
  const x0 = Math.max(0, Math.round(plan.offsetX * sx));
  const y0 = Math.max(0, Math.round(plan.offsetY * sy));
  const region = {
    x: x0,
    y: y0,
    width: Math.min(predWidth - x0, Math.round(plan.resizedWidth * sx)),
    height: Math.min(predHeight - y0, Math.round(plan.resizedHeight * sy)),
  };
  const data = resample(prediction, predWidth, predHeight, 1, image.width, image.height, { filter: 'bilinear', antialias: false }, region);
  for (let i = 0; i < data.length; i++) {
    const d = data[i] * factor;
    data[i] = d > 0 && d <= maxDepth ? d : 0;
  }
  return { width: image.width, height: image.height, data };
}

export class MetricDepthEstimator implements DepthEstimator {
  readonly model: string;
  readonly digest: string;

  constructor(private readonly loaded: LoadedModel) {
    this.model = loaded.manifest.name;
    this.digest = loaded.digest;
  }

  async estimate(image: RgbImage, options: DepthEstimateOptions = {}): Promise<DepthEstimate> {
    const { manifest, graphs } = this.loaded;
    const graph = graphs.model;
    const { data, shape, plan } = preprocessImage(image, manifest.preprocess);
    const out = await graph.run({ [graph.spec.inputs[0].name]: floatTensor(data, shape) });
    const depthName = graph.spec.outputs[0].name;
    const dims = out[depthName].dims as number[];
    const [predHeight, predWidth] = dims.slice(-2);
    const prediction = floatData(out[depthName], depthName);
    const maxDepth = manifest.postprocess.maxDepth ?? Infinity;
    switch (manifest.architecture) {
      case 'depthpro': {
        const focalName = graph.spec.outputs[1].name;
        const focalInput = floatData(out[focalName], focalName)[0];
        return {
          depth: depthToImage(prediction, predWidth, predHeight, plan, image, 1, maxDepth),
          focalPx: focalInput / plan.scaleX,
        };
      }
      case 'metric3d': {
        if (!(options.focalPx && options.focalPx > 0)) {
          throw new InputError(
            `${manifest.name} needs the image's focal length (pixels) to turn canonical depth into metres`,
            'depth-needs-focal',
            undefined,
            'focalPx',
          );
        }
        const canonical = manifest.postprocess.canonicalFocalPx ?? 1000;
        const factor = (options.focalPx * plan.scaleX) / canonical;
        return { depth: depthToImage(prediction, predWidth, predHeight, plan, image, factor, maxDepth) };
      }
      default:
        return { depth: depthToImage(prediction, predWidth, predHeight, plan, image, 1, maxDepth) };
    }
  }
}
