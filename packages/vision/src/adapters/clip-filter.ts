/**
 * SpatialVLM's scene filter: CLIP zero-shot classification of an image against positive prompts (scene
 * photos) and negative ones (close-ups, products, paintings, collages, screenshots, text). Probabilities
 * are the softmax of logit_scale × cosine similarity over all prompts; the image is kept when the positive
 * prompts' share reaches the threshold.
 */
import type { RgbImage } from '@spatialforge/core';
import { join } from 'node:path';
import { preprocessImage } from '../preprocess.js';
import type { LoadedModel } from '../runtime.js';
import type { FilterSettings } from '../settings.js';
import { ClipTokenizer } from '../tokenizers/clip-bpe.js';
import type { SceneClassification, SceneFilter } from '../types.js';
import { floatData, floatTensor, int64Tensor } from './tensors.js';

function normalise(v: Float32Array): Float32Array {
  let norm = 0;
  for (const x of v) norm += x * x;
  norm = Math.sqrt(norm) || 1;
  return v.map((x) => x / norm);
}

export class ClipSceneFilter implements SceneFilter {
  readonly model: string;
  readonly digest: string;
  private readonly prompts: string[];
  private textEmbeddings?: Promise<Float32Array[]>;

  private constructor(
    private readonly loaded: LoadedModel,
    private readonly tokenizer: ClipTokenizer,
    private readonly settings: FilterSettings,
  ) {
    this.model = loaded.manifest.name;
    this.digest = loaded.digest;
    this.prompts = [...settings.positive, ...settings.negative];
    if (settings.positive.length === 0 || settings.negative.length === 0) {
      throw new Error('the scene filter needs at least one positive and one negative prompt');
    }
  }

  static async create(loaded: LoadedModel, settings: FilterSettings): Promise<ClipSceneFilter> {
    const spec = loaded.manifest.tokenizer;
    if (!spec) throw new Error(`model ${loaded.manifest.name} has no tokenizer`);
    return new ClipSceneFilter(loaded, await ClipTokenizer.load(join(loaded.dir, spec.file)), settings);
  }

  /** Unit-length text embeddings of every prompt, computed once. */
  private embedPrompts(): Promise<Float32Array[]> {
    this.textEmbeddings ??= (async () => {
      const spec = this.loaded.manifest.tokenizer as NonNullable<typeof this.loaded.manifest.tokenizer>;
      const graph = this.loaded.graphs.text;
      const padId = this.tokenizer.idOf(spec.padToken);
      const unpadded = this.prompts.map((p) => this.tokenizer.encode(p, { maxLength: spec.maxLength, padId }));
      // Pad to the longest prompt, or to the export's fixed length when it has one.
      const fixed = graph.session.inputMetadata.find((m) => m.name === 'input_ids');
      const fixedLength = fixed && fixed.isTensor && typeof fixed.shape[1] === 'number' && fixed.shape[1] > 0 ? fixed.shape[1] : undefined;
      const length = fixedLength ?? Math.max(...unpadded.map((e) => e.ids.length));
      const encoded = this.prompts.map((p) =>
        this.tokenizer.encode(p, { maxLength: spec.maxLength, padTo: length, padId }),
      );
      const dims = [encoded.length, length];
      const feeds = { input_ids: int64Tensor(encoded.flatMap((e) => e.ids), dims) };
      if (graph.inputNames.includes('attention_mask')) {
        Object.assign(feeds, { attention_mask: int64Tensor(encoded.flatMap((e) => e.mask), dims) });
      }
      const out = await graph.run(feeds);
      const name = graph.spec.outputs[0].name;
      const flat = floatData(out[name], name);
      const size = flat.length / encoded.length;
      return encoded.map((_, i) => normalise(flat.slice(i * size, (i + 1) * size)));
    })();
    return this.textEmbeddings;
  }

  async classify(image: RgbImage): Promise<SceneClassification> {
    const texts = await this.embedPrompts();
    const graph = this.loaded.graphs.vision;
    const { data, shape } = preprocessImage(image, this.loaded.manifest.preprocess);
    const out = await graph.run({ pixel_values: floatTensor(data, shape) });
    const name = graph.spec.outputs[0].name;
    const imageEmbedding = normalise(floatData(out[name], name));
    const scale = this.loaded.manifest.postprocess.logitScale ?? 100;
    const logits = texts.map((t) => scale * t.reduce((sum, x, i) => sum + x * imageEmbedding[i], 0));
    const max = Math.max(...logits);
    const exp = logits.map((l) => Math.exp(l - max));
    const total = exp.reduce((a, b) => a + b, 0);
    const probs = exp.map((e) => e / total);
    const score = probs.slice(0, this.settings.positive.length).reduce((a, b) => a + b, 0);
    const best = probs.indexOf(Math.max(...probs));
    return { keep: score >= this.settings.threshold, score, best: this.prompts[best] };
  }
}
