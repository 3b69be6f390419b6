/** The adapters' public contracts: what the perception stages call. */
import type { Box2D, DepthMap, RgbImage } from '@spatialforge/core';

export interface Detection {
  label: string;
  /** Confidence in [0, 1]. */
  score: number;
  /** Pixels of the input image, [x1, y1, x2, y2]. */
  box: Box2D;
}

/** Every adapter records which weights produced its output (stage outputs key on it). */
export interface ModelAdapter {
  readonly model: string;
  /** sha256 of the model's file (or of its files' digests, for multi-file models). */
  readonly digest: string;
}

export interface Detector extends ModelAdapter {
  /**
   * Detects objects in each image. Open-vocabulary detectors look for `vocabulary` (or their default);
   * closed-set ones keep only the classes named in it when it is given.
   */
  detect(images: RgbImage[], vocabulary?: string[]): Promise<Detection[][]>;
}

export interface Segmenter extends ModelAdapter {
  /**
   * One width × height mask (1 = object) per box. `labels[i]`, when given, names box i's object
   * (semantic segmenters use it to pick the class; promptable ones ignore it).
   */
  segment(image: RgbImage, boxes: Box2D[], labels?: string[]): Promise<Uint8Array[]>;
}

export interface DepthEstimate {
  /** Metres along the optical axis, at the input image's size; 0 where the model gives nothing usable. */
  depth: DepthMap;
  /** Focal length the model estimated, in pixels of the input image (DepthPro). */
  focalPx?: number;
}

export interface DepthEstimateOptions {
  /** Known or estimated horizontal focal length of the input image, pixels (Metric3D needs one). */
  focalPx?: number;
}

export interface DepthEstimator extends ModelAdapter {
  estimate(image: RgbImage, options?: DepthEstimateOptions): Promise<DepthEstimate>;
}

export interface SceneClassification {
  keep: boolean;
  /** Share of the softmax over all prompts that the positive (scene photo) prompts take. */
  score: number;
  /** The prompt with the highest probability. */
  best: string;
}

export interface SceneFilter extends ModelAdapter {
  classify(image: RgbImage): Promise<SceneClassification>;
}
