/**
 * The frame manifest: one JSON document describing one RGB(-D) frame, and its loaded, in-memory form.
 * Pixel coordinates are in the image's own pixels, origin top-left, x right, y down.
 */

/** Pinhole intrinsics, in pixels. */
export interface Intrinsics {
  fx: number;
  fy: number;
  cx: number;
  cy: number;
}

/** Where a frame's intrinsics came from, in DESIGN.md's order of preference. */
export type IntrinsicsSource = 'provided' | 'depth-model' | 'exif' | 'fov-prior';

/** An axis-aligned 2D box `[x1, y1, x2, y2]` in pixels (x2, y2 exclusive). */
export type Box2D = [number, number, number, number];

export interface DepthRef {
  /** Path (relative to the manifest) or URI of a 16-bit PNG or a float32 `.npy` in metres. */
  uri: string;
  /** Metres per PNG unit (NYU: 0.001, TUM: 0.0002). Ignored for `.npy`, which is metres already. */
  scale?: number;
}

export interface FrameObjectBox {
  id: string;
  label: string;
  box: Box2D;
  /** Detector confidence in [0, 1], when a model found the object (carried to `SceneObject.score`). */
  score?: number;
}

export interface FrameObjectMask {
  id: string;
  label: string;
  /** Detector confidence in [0, 1], when a model found the object (carried to `SceneObject.score`). */
  score?: number;
  /** Instance mask image (8- or 16-bit PNG) relative to the manifest; pixels equal to `maskValue` belong to the object. */
  mask: string;
  maskValue: number;
}

export type FrameObject = FrameObjectBox | FrameObjectMask;

export interface FrameManifest {
  image: string;
  depth?: DepthRef;
  intrinsics?: Intrinsics;
  objects?: FrameObject[];
}

/** 8-bit RGB pixels, interleaved, row-major. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Metric depth along the optical axis (z in the camera frame), metres; 0 or NaN means no measurement. */
export interface DepthMap {
  width: number;
  height: number;
  data: Float32Array;
}

/** One object to lift: a box (its dominant 3D cluster is taken) or a per-pixel mask (1 = object). */
export interface ObjectInput {
  id: string;
  label: string;
  box?: Box2D;
  mask?: Uint8Array;
  /** Detector confidence in [0, 1], when the object came from a model. */
  score?: number;
}

/** A frame ready to lift: pixels, metric depth of the same size, intrinsics, objects. */
export interface Frame {
  imageId: string;
  rgb: RgbImage;
  depth: DepthMap;
  intrinsics: Intrinsics;
  intrinsicsSource: IntrinsicsSource;
  objects: ObjectInput[];
}
