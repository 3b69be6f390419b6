/**
 * Grounding DINO open-vocabulary detector. The prompt is "phrase1 . phrase2 . …" in BERT WordPiece
 * tokens; each of the model's queries predicts a box (cx, cy, w, h relative to the image) and a logit per
 * text token. A box's label is the phrase whose tokens score highest, its score that probability
 * (sigmoid); boxes under the box threshold or whose best phrase is under the text threshold are dropped.
 */
import type { RgbImage } from '@spatialforge/core';
import { join } from 'node:path';
import { clampBox, nms } from '../boxes.js';
import { preprocessImage } from '../preprocess.js';
import type { LoadedModel } from '../runtime.js';
import { WordPieceTokenizer } from '../tokenizers/wordpiece.js';
import type { Detection, Detector } from '../types.js';
import { floatData, floatTensor, int64Tensor, sigmoid } from './tensors.js';

export interface GroundingDinoOptions {
  scoreThreshold?: number;
  textThreshold?: number;
  nmsIou?: number;
  vocabulary: string[];
}

interface Prompt {
  ids: number[];
  /** Token index range [start, end) of each phrase in `ids`. */
  spans: [number, number][];
}

export class GroundingDinoDetector implements Detector {
  readonly model: string;
  readonly digest: string;
  private readonly boxThreshold: number;
  private readonly textThreshold: number;
  private readonly nmsIou: number;

  private constructor(
    private readonly loaded: LoadedModel,
    private readonly tokenizer: WordPieceTokenizer,
    private readonly options: GroundingDinoOptions,
  ) {
    const post = loaded.manifest.postprocess;
    this.model = loaded.manifest.name;
    this.digest = loaded.digest;
    this.boxThreshold = options.scoreThreshold ?? post.scoreThreshold ?? 0.35;
    this.textThreshold = options.textThreshold ?? post.textThreshold ?? 0.25;
    this.nmsIou = options.nmsIou ?? post.nmsIou ?? 0.5;
  }

  static async create(loaded: LoadedModel, options: GroundingDinoOptions): Promise<GroundingDinoDetector> {
    const spec = loaded.manifest.tokenizer;
    if (!spec) throw new Error(`model ${loaded.manifest.name} has no tokenizer`);
    return new GroundingDinoDetector(loaded, await WordPieceTokenizer.load(join(loaded.dir, spec.file)), options);
  }

  /** "[CLS] a . b . [SEP]" with each phrase's token span, cut to the model's text length. */
  prompt(vocabulary: string[]): Prompt {
    const maxLength = this.loaded.manifest.tokenizer?.maxLength ?? 256;
    const [dot] = this.tokenizer.tokenize('.');
    const ids = [this.tokenizer.clsId];
    const spans: [number, number][] = [];
    for (const phrase of vocabulary) {
      const tokens = this.tokenizer.tokenize(phrase);
      if (ids.length + tokens.length + 2 > maxLength) break;
      spans.push([ids.length, ids.length + tokens.length]);
      ids.push(...tokens, dot);
    }
    ids.push(this.tokenizer.sepId);
    return { ids, spans };
  }

  async detect(images: RgbImage[], vocabulary?: string[]): Promise<Detection[][]> {
    const phrases = vocabulary && vocabulary.length > 0 ? vocabulary : this.options.vocabulary;
    const prompt = this.prompt(phrases);
    const pre = this.loaded.manifest.preprocess;
    const length = prompt.ids.length;
    const results: Detection[][] = [];
    // Images of different sizes give tensors of different sizes: one image per run.
    for (const image of images) {
      const { data, shape } = preprocessImage(image, pre);
      const out = await this.loaded.graphs.model.run({
        pixel_values: floatTensor(data, shape),
        input_ids: int64Tensor(prompt.ids, [1, length]),
        token_type_ids: int64Tensor(new Array(length).fill(0), [1, length]),
        attention_mask: int64Tensor(new Array(length).fill(1), [1, length]),
        pixel_mask: int64Tensor(new Array(shape[2] * shape[3]).fill(1), [1, shape[2], shape[3]]),
      });
      const logits = floatData(out.logits, 'logits');
      const boxes = floatData(out.pred_boxes, 'pred_boxes');
      const [, queries, textLength] = out.logits.dims as number[];
      const found: Detection[] = [];
      for (let q = 0; q < queries; q++) {
        let best = -1;
        let bestProb = 0;
        prompt.spans.forEach(([start, end], p) => {
          for (let t = start; t < end; t++) {
            const prob = sigmoid(logits[q * textLength + t]);
            if (prob > bestProb) {
              bestProb = prob;
              best = p;
            }
          }
        });
        if (best < 0 || bestProb < this.boxThreshold || bestProb < this.textThreshold) continue;
        const [cx, cy, w, h] = [boxes[q * 4], boxes[q * 4 + 1], boxes[q * 4 + 2], boxes[q * 4 + 3]];
        // Relative to the resized image, which is the whole input image (no padding for one image).
        found.push({
          label: phrases[best],
          score: bestProb,
          box: clampBox(
            [(cx - w / 2) * image.width, (cy - h / 2) * image.height, (cx + w / 2) * image.width, (cy + h / 2) * image.height],
            image.width,
            image.height,
          ),
        });
      }
      results.push(nms(found, this.nmsIou));
    }
    return results;
  }
}
