/**
 * OWLv2 / OWL-ViT open-vocabulary detector. Text queries are CLIP-tokenised to the export's fixed length;
 * each image patch predicts one box (cx, cy, w, h relative to the model input) and a logit per query.
 * As Hugging Face's post_process_object_detection: score = sigmoid(max logit), label = that query;
 * then per-label NMS.
 */
import type { RgbImage } from '@spatialforge/core';
import { join } from 'node:path';
import { centreBoxToImage, nms } from '../boxes.js';
import type { ResizePlan } from '../manifest.js';
import { imageTensorShape, imageTensorSize, planResize, writeImageTensor } from '../preprocess.js';
import { chunk } from '../prefetch.js';
import type { LoadedModel } from '../runtime.js';
import { ClipTokenizer } from '../tokenizers/clip-bpe.js';
import type { Detection, Detector } from '../types.js';
import { floatData, floatTensor, int64Tensor, sigmoid } from './tensors.js';

export interface OwlOptions {
  scoreThreshold?: number;
  nmsIou?: number;
  /** Used when `detect` gets no vocabulary. */
  vocabulary: string[];
  maxBatch?: number;
}

export class OwlDetector implements Detector {
  readonly model: string;
  readonly digest: string;
  private readonly scoreThreshold: number;
  private readonly nmsIou: number;
  private readonly batchSize: number;

  private readonly padId: number;

  private constructor(
    private readonly loaded: LoadedModel,
    private readonly tokenizer: ClipTokenizer,
    private readonly options: OwlOptions,
  ) {
    this.padId = tokenizer.idOf(loaded.manifest.tokenizer?.padToken ?? '!');
    if (this.padId === undefined) throw new Error(`tokenizer of ${loaded.manifest.name} has no pad token`);
    this.model = loaded.manifest.name;
    this.digest = loaded.digest;
    this.scoreThreshold = options.scoreThreshold ?? loaded.manifest.postprocess.scoreThreshold ?? 0.1;
    this.nmsIou = options.nmsIou ?? loaded.manifest.postprocess.nmsIou ?? 0.3;
    this.batchSize = loaded.graphs.model.dynamicBatch ? Math.max(1, options.maxBatch ?? 4) : 1;
  }

  static async create(loaded: LoadedModel, options: OwlOptions): Promise<OwlDetector> {
    const spec = loaded.manifest.tokenizer;
    if (!spec) throw new Error(`model ${loaded.manifest.name} has no tokenizer`);
    return new OwlDetector(loaded, await ClipTokenizer.load(join(loaded.dir, spec.file)), options);
  }

  async detect(images: RgbImage[], vocabulary?: string[]): Promise<Detection[][]> {
    const queries = vocabulary && vocabulary.length > 0 ? vocabulary : this.options.vocabulary;
    const spec = this.loaded.manifest.tokenizer as NonNullable<typeof this.loaded.manifest.tokenizer>;
    const encoded = queries.map((q) =>
      this.tokenizer.encode(q, { maxLength: spec.maxLength, padTo: spec.maxLength, padId: this.padId }),
    );
    const pre = this.loaded.manifest.preprocess;
    const graph = this.loaded.graphs.model;
    const results: Detection[][] = [];
    for (const batch of chunk(images, this.batchSize)) {
      const plans = batch.map((img) => planResize(img.width, img.height, pre.resize));
      const pixels = new Float32Array(imageTensorSize(plans[0]) * batch.length);
      batch.forEach((img, b) => writeImageTensor(img, plans[b], pre, pixels, b));
      // Hugging Face OWL models take input_ids of shape [batch × queries, length].
      const ids = batch.flatMap(() => encoded.flatMap((e) => e.ids));
      const mask = batch.flatMap(() => encoded.flatMap((e) => e.mask));
      const dims = [batch.length * queries.length, spec.maxLength];
      const out = await graph.run({
        pixel_values: floatTensor(pixels, imageTensorShape(plans[0], pre, batch.length)),
        input_ids: int64Tensor(ids, dims),
        attention_mask: int64Tensor(mask, dims),
      });
      const logits = floatData(out.logits, 'logits');
      const boxes = floatData(out.pred_boxes, 'pred_boxes');
      const patches = (out.pred_boxes.dims[1] as number);
      batch.forEach((img, b) => results.push(this.decode(logits, boxes, b, patches, queries, plans[b], img)));
    }
    return results;
  }

  private decode(logits: Float32Array, boxes: Float32Array, b: number, patches: number, queries: string[], plan: ResizePlan, image: RgbImage): Detection[] {
    const q = queries.length;
    const found: Detection[] = [];
    for (let p = 0; p < patches; p++) {
      const row = (b * patches + p) * q;
      let best = 0;
      for (let j = 1; j < q; j++) if (logits[row + j] > logits[row + best]) best = j;
      const score = sigmoid(logits[row + best]);
      if (score < this.scoreThreshold) continue;
      const k = (b * patches + p) * 4;
      const [cx, cy, w, h] = [boxes[k] * plan.canvasWidth, boxes[k + 1] * plan.canvasHeight, boxes[k + 2] * plan.canvasWidth, boxes[k + 3] * plan.canvasHeight];
      found.push({
        label: queries[best],
        score,
        box: centreBoxToImage(cx, cy, w, h, plan, image.width, image.height),
      });
    }
    return nms(found, this.nmsIou);
  }
}
