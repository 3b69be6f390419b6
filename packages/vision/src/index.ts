/**
 * @spatialforge/vision: the model registry, the ONNX Runtime session cache, and the perception adapters
 * (detect, segment, depth, scene filter) the pipeline's stages call.
 */
export * from './types.js';
export type * from './manifest.js';
export { MODELS, getManifest, listManifests, COCO_CLASSES, VOC_CLASSES } from './models/index.js';
export {
  inspectModel,
  verifyInstalled,
  modelDir,
  modelDigest,
  sha256File,
  describeProblem,
  fixFor,
  type FileStatus,
  type FileState,
  type ModelStatus,
} from './cache.js';
export { pullModel, ModelDownloadError, type PullOptions, type PullProgress, type PullResult, type PulledFile } from './pull.js';
export { loadModel, verifyModels, releaseModels, cudaProviderAvailable, type LoadOptions, type LoadedModel, type ModelGraph } from './runtime.js';
export { prefetchMap, chunk, type PrefetchOptions } from './prefetch.js';
export { resolveIntrinsics, focalPxFromFocal35mm, focalPxFromFov, type IntrinsicsInput, type ResolvedIntrinsics } from './intrinsics.js';
export { planResize, preprocessImage, writeImageTensor } from './preprocess.js';
export { iou, nms, clampBox } from './boxes.js';
export {
  createDetector,
  createSegmenter,
  createDepthEstimator,
  createSceneFilter,
  detectorFor,
  segmenterFor,
  depthEstimatorFor,
  sceneFilterFor,
  preloadModels,
  modelIdentity,
  type DetectorOptions,
  type SceneFilterOptions,
} from './factory.js';
export { decodeRgb, encodeLabelMask } from './image-io.js';
export {
  readRuntimeSettings,
  readFilterSettings,
  defaultVocabulary,
  SPATIALVLM_POSITIVE_PROMPTS,
  SPATIALVLM_NEGATIVE_PROMPTS,
  type RuntimeSettings,
  type FilterSettings,
} from './settings.js';
export { YoloxDetector } from './adapters/yolox.js';
export { DeepLabSegmenter } from './adapters/deeplab.js';
export { vocClassOf } from './adapters/labels.js';
