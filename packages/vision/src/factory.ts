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
import { getManifest } from './models/index.js';
import type { ModelManifest, ModelTask } from './manifest.js';
import { loadModel, type LoadOptions, type LoadedModel } from './runtime.js';
import { PRELOAD_MODELS, defaultVocabulary, readFilterSettings, splitList, type FilterSettings } from './settings.js';
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

/**
 * What identifies a model's weights without reading them: its name and each file's published (or
 * revision-pinned URL) identity. Stage cache keys hash it, so another export re-runs the stage.
 */
export function modelIdentity(name: string): { model: string; files: { name: string; sha256?: string; urls?: string[] }[] } {
  const manifest: ModelManifest = getManifest(name);
  return {
    model: manifest.name,
    files: manifest.files.map((f) => (f.sha256 ? { name: f.name, sha256: f.sha256 } : { name: f.name, urls: f.urls })),
  };
}

// One adapter per model per process, built on first use with the settings' defaults.
const detectors = new Map<string, Promise<Detector>>();
const segmenters = new Map<string, Promise<Segmenter>>();
const estimators = new Map<string, Promise<DepthEstimator>>();
const filters = new Map<string, Promise<SceneFilter>>();

function memo<T>(cache: Map<string, Promise<T>>, name: string, create: () => Promise<T>): Promise<T> {
  let adapter = cache.get(name);
  if (!adapter) {
    adapter = create();
    cache.set(name, adapter);
    adapter.catch(() => cache.delete(name));
  }
  return adapter;
}

/** The process's detector for `name` (created once). */
export const detectorFor = (name: string) => memo(detectors, name, () => createDetector(name));
export const segmenterFor = (name: string) => memo(segmenters, name, () => createSegmenter(name));
export const depthEstimatorFor = (name: string) => memo(estimators, name, () => createDepthEstimator(name));
export const sceneFilterFor = (name: string) => memo(filters, name, () => createSceneFilter(name));

const BY_TASK: Record<ModelTask, (name: string) => Promise<unknown>> = {
  detect: detectorFor,
  segment: segmenterFor,
  depth: depthEstimatorFor,
  filter: sceneFilterFor,
};

/**
 * Loads the PRELOAD_MODELS of one task (a worker's stage), so that a missing, corrupt or mismatched
 * model stops the worker at start with a ConfigError instead of failing its first batch.
 */
export async function preloadModels(task: ModelTask, env: Record<string, string | undefined> = process.env): Promise<string[]> {
  const names = splitList(PRELOAD_MODELS.read(env), ',');
  const mine = names.filter((name) => getManifest(name).task === task);
  for (const name of mine) await BY_TASK[task](name);
  return mine;
}
