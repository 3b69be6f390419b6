/**
 * Settings of the vision package: where model files live, how ONNX Runtime runs them, and the knobs of
 * the open-vocabulary detectors and the scene filter. Read once at start-up (see `readVisionSettings`).
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { enumSetting, numberSetting, stringSetting } from '@spatialforge/core';

export const MODEL_CACHE_DIR = stringSetting(
  'MODEL_CACHE_DIR',
  'Folder holding model files, one sub-folder per model (filled by `spatialforge models pull` or from MODEL_SOURCE)',
  join(homedir(), '.cache', 'spatialforge', 'models'),
);

export const MODEL_SOURCE = stringSetting(
  'MODEL_SOURCE',
  'Where a worker copies missing model files from at start: a local folder or an s3://bucket/prefix, holding <model>/<file> or flat <file> (digests are checked)',
);

export const ORT_EXECUTION_PROVIDER = enumSetting(
  'ORT_EXECUTION_PROVIDER',
  'ONNX Runtime execution provider: cpu, or cuda (needs onnxruntime-node installed with ONNXRUNTIME_NODE_INSTALL=cuda12 on Linux x64, CUDA 12 and cuDNN 9)',
  ['cpu', 'cuda'] as const,
  'cpu',
);

export const ORT_INTRA_OP_THREADS = numberSetting(
  'ORT_INTRA_OP_THREADS',
  'Threads ONNX Runtime uses inside one operator; 0 lets it choose (one per physical core)',
  0,
  { min: 0, max: 1024, integer: true },
);

export const ORT_INTER_OP_THREADS = numberSetting(
  'ORT_INTER_OP_THREADS',
  'Threads ONNX Runtime uses to run independent operators in parallel; 0 lets it choose',
  0,
  { min: 0, max: 1024, integer: true },
);

export const PRELOAD_MODELS = stringSetting(
  'PRELOAD_MODELS',
  'Comma-separated models a worker loads and verifies at start, each by the stage of its task (e.g. yolox-nano,deeplabv3-mobilenet-voc); a missing or corrupt one stops the worker',
  '',
);

export const DETECT_VOCABULARY = stringSetting(
  'DETECT_VOCABULARY',
  'Comma-separated object names an open-vocabulary detector looks for when a run gives no vocabulary',
  'person,chair,table,sofa,bed,desk,cabinet,shelf,lamp,monitor,laptop,keyboard,bottle,cup,mug,bowl,book,plant,box,bag,door,window,car,bicycle,tree,dog,cat',
);

export const FILTER_SCENE_THRESHOLD = numberSetting(
  'FILTER_SCENE_THRESHOLD',
  'The CLIP scene filter keeps an image when the positive (scene photo) prompts take at least this share of the softmax over all prompts',
  0.5,
  { min: 0, max: 1 },
);

/** SpatialVLM's CLIP labels as SpatialRGPT lists them (its Listing 1 follows SpatialVLM), with two typos fixed. */
export const SPATIALVLM_POSITIVE_PROMPTS = [
  'a DSLR photo of an indoor scene',
  'a DSLR photo of an outdoor scene',
  'an iphone photo of an indoor scene',
  'an iphone photo of an outdoor scene',
];
export const SPATIALVLM_NEGATIVE_PROMPTS = [
  'a close up shot of a single object',
  'a product displayed in front of a white background',
  'a painting',
  'a collage of images',
  'a screenshot of graphics user interface',
  'a piece of text',
];

export const FILTER_POSITIVE_PROMPTS = stringSetting(
  'FILTER_POSITIVE_PROMPTS',
  'CLIP prompts for images to keep, separated by |',
  SPATIALVLM_POSITIVE_PROMPTS.join('|'),
);

export const FILTER_NEGATIVE_PROMPTS = stringSetting(
  'FILTER_NEGATIVE_PROMPTS',
  'CLIP prompts for images to drop, separated by |',
  SPATIALVLM_NEGATIVE_PROMPTS.join('|'),
);

type Env = Record<string, string | undefined>;

export interface RuntimeSettings {
  cacheDir: string;
  source?: string;
  provider: 'cpu' | 'cuda';
  intraOpThreads: number;
  interOpThreads: number;
}

export function readRuntimeSettings(env: Env = process.env): RuntimeSettings {
  return {
    cacheDir: MODEL_CACHE_DIR.read(env),
    source: MODEL_SOURCE.read(env),
    provider: ORT_EXECUTION_PROVIDER.read(env),
    intraOpThreads: ORT_INTRA_OP_THREADS.read(env),
    interOpThreads: ORT_INTER_OP_THREADS.read(env),
  };
}

export function splitList(raw: string, separator: string): string[] {
  return raw.split(separator).map((s) => s.trim()).filter((s) => s.length > 0);
}

export function defaultVocabulary(env: Env = process.env): string[] {
  return splitList(DETECT_VOCABULARY.read(env), ',');
}

export interface FilterSettings {
  threshold: number;
  positive: string[];
  negative: string[];
}

export function readFilterSettings(env: Env = process.env): FilterSettings {
  return {
    threshold: FILTER_SCENE_THRESHOLD.read(env),
    positive: splitList(FILTER_POSITIVE_PROMPTS.read(env), '|'),
    negative: splitList(FILTER_NEGATIVE_PROMPTS.read(env), '|'),
  };
}
