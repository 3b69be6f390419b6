/**
 * Building adapters by model name. Each factory loads the model (verifying its files and graphs; a
 * ConfigError stops the caller at start) and returns the adapter for the model's architecture.
 */
import { ConfigError } from '@spatialforge/core';
import { ClipSceneFilter } from './adapters/clip-filter.js';
import { DeepLabSegmenter } from './adapters/deeplab.js';
import { MetricDepthEstimator } from './adapters/depth.js';
import { GroundingDinoDetector } from './adapters/grounding-dino.js';
import { OwlDetector } from './adapters/owl.js';
import { SamSegmenter } from './adapters/sam.js';
import { YoloxDetector } from './adapters/yolox.js';
import type { ModelTask } from './manifest.js';
import { getManifest } from './models/index.js';
import { loadModel, type LoadOptions, type LoadedModel } from './runtime.js';
import { defaultVocabulary, readFilterSettings, type FilterSettings } from './settings.js';
import type { DepthEstimator, Detector, SceneFilter, Segmenter } from './types.js';

export interface DetectorOptions extends LoadOptions {
  scoreThreshold?: number;
  nmsIou?: number;
  /** Grounding DINO: minimum probability of a box's best phrase. */
  textThreshold?: number;
  /** Open-vocabulary detectors' vocabulary when `detect` gets none (default: DETECT_VOCABULARY). */
  vocabulary?: string[];
  /** Most images per ONNX run when the export allows batches. */
  maxBatch?: number;
}

export interface SceneFilterOptions extends LoadOptions {
  /** Overrides of FILTER_SCENE_THRESHOLD / FILTER_POSITIVE_PROMPTS / FILTER_NEGATIVE_PROMPTS. */
  filter?: Partial<FilterSettings>;
}

async function loadFor(task: ModelTask, name: string, options: LoadOptions): Promise<LoadedModel> {
  const manifest = options.manifest ?? getManifest(name);
  if (manifest.task !== task) {
    throw new ConfigError(`model ${manifest.name} is a ${manifest.task} model, not a ${task} model`);
  }
  return loadModel(manifest.name, { ...options, manifest });
}

export async function createDetector(name: string, options: DetectorOptions = {}): Promise<Detector> {
  const loaded = await loadFor('detect', name, options);
  const vocabulary = options.vocabulary ?? defaultVocabulary();
  switch (loaded.manifest.architecture) {
    case 'yolox':
      return new YoloxDetector(loaded, options);
    case 'owlv2':
    case 'owlvit':
      return OwlDetector.create(loaded, { ...options, vocabulary });
    case 'grounding-dino':
      return GroundingDinoDetector.create(loaded, { ...options, vocabulary });
    default:
      throw new ConfigError(`no detector adapter for ${loaded.manifest.architecture}`);
  }
}

export async function createSegmenter(name: string, options: LoadOptions = {}): Promise<Segmenter> {
  const loaded = await loadFor('segment', name, options);
  switch (loaded.manifest.architecture) {
    case 'sam':
      return new SamSegmenter(loaded);
    case 'deeplabv3':
      return new DeepLabSegmenter(loaded);
    default:
      throw new ConfigError(`no segmenter adapter for ${loaded.manifest.architecture}`);
  }
}

export async function createDepthEstimator(name: string, options: LoadOptions = {}): Promise<DepthEstimator> {
  return new MetricDepthEstimator(await loadFor('depth', name, options));
}

export async function createSceneFilter(name = 'clip-vit-b32', options: SceneFilterOptions = {}): Promise<SceneFilter> {
  const loaded = await loadFor('filter', name, options);
  return ClipSceneFilter.create(loaded, { ...readFilterSettings(), ...options.filter });
}
