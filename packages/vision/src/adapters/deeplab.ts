/**
 * DeepLabV3 semantic segmentation turned into per-box masks. The logits (257×257×21, NHWC) are resized
 * bilinearly to the image and arg-maxed, as the export's reference code does. A box's mask is the pixels
 * inside it of the class its label maps to in VOC; a label VOC lacks takes the box's dominant
 * non-background class instead.
 */
import type { Box2D, RgbImage } from '@spatialforge/core';
import { preprocessImage } from '../preprocess.js';
import { resample } from '../resample.js';
import type { LoadedModel } from '../runtime.js';
import type { Segmenter } from '../types.js';
import { vocClassOf } from './labels.js';
import { floatData, floatTensor } from './tensors.js';

export class DeepLabSegmenter implements Segmenter {
  readonly model: string;
  readonly digest: string;

  constructor(private readonly loaded: LoadedModel) {
    this.model = loaded.manifest.name;
    this.digest = loaded.digest;
  }

  /** Per-pixel VOC class of the image (width × height, row-major). */
  async classMap(image: RgbImage): Promise<Uint8Array> {
    const graph = this.loaded.graphs.model;
    const { data, shape } = preprocessImage(image, this.loaded.manifest.preprocess);
    const out = await graph.run({ [graph.spec.inputs[0].name]: floatTensor(data, shape) });
    const outName = graph.spec.outputs[0].name;
    const [, h, w, classes] = out[outName].dims as number[];
    const logits = resample(floatData(out[outName], outName), w, h, classes, image.width, image.height, {
      filter: 'bilinear',
      antialias: false,
    });
    const map = new Uint8Array(image.width * image.height);
    for (let i = 0; i < map.length; i++) {
      const base = i * classes;
      let best = 0;
      for (let c = 1; c < classes; c++) if (logits[base + c] > logits[base + best]) best = c;
      map[i] = best;
    }
    return map;
  }

  async segment(image: RgbImage, boxes: Box2D[], labels?: string[]): Promise<Uint8Array[]> {
    if (boxes.length === 0) return [];
    const map = await this.classMap(image);
    return boxes.map((box, i) => maskForBox(map, image.width, image.height, box, labels?.[i]));
  }
}

/** Integer pixel range [x0, x1) × [y0, y1) a box covers, clipped to the image. */
function pixelRange(box: Box2D, width: number, height: number): [number, number, number, number] {
  return [
    Math.max(0, Math.floor(box[0])),
    Math.max(0, Math.floor(box[1])),
    Math.min(width, Math.ceil(box[2])),
    Math.min(height, Math.ceil(box[3])),
  ];
}

export function maskForBox(map: Uint8Array, width: number, height: number, box: Box2D, label?: string): Uint8Array {
  const [x0, y0, x1, y1] = pixelRange(box, width, height);
  let target = label === undefined ? undefined : vocClassOf(label);
  if (target === undefined) {
    const counts = new Uint32Array(256);
    for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) counts[map[y * width + x]]++;
    let dominant = 0;
    let most = 0;
    for (let c = 1; c < counts.length; c++) {
      if (counts[c] > most) {
        dominant = c;
        most = counts[c];
      }
    }
    target = dominant;
  }
  const mask = new Uint8Array(width * height);
  if (target === 0) return mask;
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) if (map[y * width + x] === target) mask[y * width + x] = 1;
  }
  return mask;
}
