/**
 * YOLOX detector (COCO-80). Pre- and postprocessing follow Megvii's demo/ONNXRuntime/onnx_inference.py:
 * letterbox top-left (pad 114, BGR 0–255), grid decode `(xy + grid) · stride`, `exp(wh) · stride`,
 * score = objectness × class probability, class-aware NMS.
 */
import type { RgbImage } from '@spatialforge/core';
import { centreBoxToImage, nms } from '../boxes.js';
import type { ResizePlan } from '../manifest.js';
import { imageTensorShape, imageTensorSize, planResize, writeImageTensor } from '../preprocess.js';
import { PreprocessPool, type PreparedBatch } from '../preprocess-pool.js';
import { chunk } from '../prefetch.js';
import type { LoadedModel } from '../runtime.js';
import type { Detection, Detector } from '../types.js';
import { floatData, floatTensor } from './tensors.js';

export interface YoloxOptions {
  scoreThreshold?: number;
  nmsIou?: number;
  /** Most images per run when the export's batch dimension is dynamic (default 8). */
  maxBatch?: number;
}

interface Grid {
  x: Float32Array;
  y: Float32Array;
  stride: Float32Array;
}

/** Anchor grid of the output rows: for each stride, row-major cells of the (height/stride × width/stride) map. */
function makeGrid(width: number, height: number, strides: number[]): Grid {
  const cells = strides.reduce((n, s) => n + (width / s) * (height / s), 0);
  const grid = { x: new Float32Array(cells), y: new Float32Array(cells), stride: new Float32Array(cells) };
  let i = 0;
  for (const s of strides) {
    for (let gy = 0; gy < height / s; gy++) {
      for (let gx = 0; gx < width / s; gx++, i++) {
        grid.x[i] = gx;
        grid.y[i] = gy;
        grid.stride[i] = s;
      }
    }
  }
  return grid;
}

export class YoloxDetector implements Detector {
  readonly model: string;
  readonly digest: string;
  private readonly labels: readonly string[];
  private readonly scoreThreshold: number;
  private readonly nmsIou: number;
  private readonly batchSize: number;
  private readonly inputName: string;
  private readonly outputName: string;
  private grid?: Grid;
  /** Input buffers free for reuse by single-batch calls. */
  private readonly spare: Float32Array[] = [];
  private readonly pool = new PreprocessPool();

  constructor(private readonly loaded: LoadedModel, options: YoloxOptions = {}) {
    const { manifest } = loaded;
    this.model = manifest.name;
    this.digest = loaded.digest;
    this.labels = manifest.labels ?? [];
    this.scoreThreshold = options.scoreThreshold ?? manifest.postprocess.scoreThreshold ?? 0.3;
    this.nmsIou = options.nmsIou ?? manifest.postprocess.nmsIou ?? 0.45;
    const graph = loaded.graphs.model;
    this.batchSize = graph.dynamicBatch ? Math.max(1, options.maxBatch ?? 8) : 1;
    this.inputName = graph.spec.inputs[0].name;
    this.outputName = graph.spec.outputs[0].name;
  }

  /** Letterboxes a batch into one input tensor on this thread. */
  private prepare(images: RgbImage[]): PreparedBatch {
    const pre = this.loaded.manifest.preprocess;
    const plans = images.map((img) => planResize(img.width, img.height, pre.resize));
    const length = imageTensorSize(plans[0]) * images.length;
    const index = this.spare.findIndex((b) => b.length === length);
    const data = index >= 0 ? this.spare.splice(index, 1)[0] : new Float32Array(length);
    images.forEach((img, b) => writeImageTensor(img, plans[b], pre, data, b));
    return { data, shape: imageTensorShape(plans[0], pre, images.length), plans };
  }

  private async run(batch: PreparedBatch): Promise<Float32Array> {
    const output = await this.loaded.graphs.model.run({ [this.inputName]: floatTensor(batch.data, batch.shape) });
    return floatData(output[this.outputName], this.outputName);
  }

  async detect(images: RgbImage[], vocabulary?: string[]): Promise<Detection[][]> {
    const wanted = vocabulary && vocabulary.length > 0 ? new Set(vocabulary.map((v) => v.toLowerCase())) : undefined;
    const batches = chunk(images, this.batchSize);
    const decodeBatch = (output: Float32Array, batch: PreparedBatch, k: number) =>
      batches[k].map((img, b) => this.decode(output, b, batch.shape, batch.plans[b], img, wanted));
    if (batches.length === 1) {
      const batch = this.prepare(batches[0]);
      const output = await this.run(batch);
      this.spare.push(batch.data);
      return decodeBatch(output, batch, 0);
    }
    // Several runs: the worker preprocesses batch k + 1 while ONNX Runtime runs batch k on this thread.
    const pre = this.loaded.manifest.preprocess;
    const results: Detection[][] = [];
    let next: Promise<PreparedBatch> | undefined = this.pool.prepare(batches[0], pre);
    for (let k = 0; k < batches.length; k++) {
      const current = await (next as Promise<PreparedBatch>);
      next = k + 1 < batches.length ? this.pool.prepare(batches[k + 1], pre) : undefined;
      next?.catch(() => undefined);
      try {
        results.push(...decodeBatch(await this.run(current), current, k));
      } finally {
        this.pool.release(current);
      }
    }
    return results;
  }

  decode(output: Float32Array, batchIndex: number, inputShape: number[], plan: ResizePlan, image: RgbImage, wanted?: Set<string>): Detection[] {
    const width = inputShape[3];
    const height = inputShape[2];
    const strides = this.loaded.manifest.postprocess.strides ?? [8, 16, 32];
    this.grid ??= makeGrid(width, height, strides);
    const grid = this.grid;
    const anchors = grid.x.length;
    const classes = this.labels.length;
    const rowLength = 5 + classes;
    const base = batchIndex * anchors * rowLength;
    const threshold = this.scoreThreshold;
    const candidates: Detection[] = [];
    for (let a = 0; a < anchors; a++) {
      const row = base + a * rowLength;
      const objectness = output[row + 4];
      if (objectness < threshold) continue;
      const stride = grid.stride[a];
      const cx = (output[row] + grid.x[a]) * stride;
      const cy = (output[row + 1] + grid.y[a]) * stride;
      const w = Math.exp(output[row + 2]) * stride;
      const h = Math.exp(output[row + 3]) * stride;
      for (let c = 0; c < classes; c++) {
        const score = objectness * output[row + 5 + c];
        if (score < threshold) continue;
        const label = this.labels[c];
        if (wanted && !wanted.has(label)) continue;
        candidates.push({
          label,
          score,
          box: centreBoxToImage(cx, cy, w, h, plan, image.width, image.height),
        });
      }
    }
    return nms(candidates, this.nmsIou);
  }
}
