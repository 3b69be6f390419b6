/**
 * Camera intrinsics in DESIGN.md's order of preference: provided by the source → the depth model's
 * focal length (DepthPro) → the EXIF 35 mm-equivalent focal length → a horizontal field-of-view prior.
 * Pixels; the principal point, when not provided, is the image centre (width / 2, height / 2).
 */
import { InputError, type Intrinsics, type IntrinsicsSource } from '@spatialforge/core';

export interface IntrinsicsInput {
  provided?: Intrinsics;
  /** Focal length the depth model estimated, pixels of this image. */
  depthModelFocalPx?: number;
  /** EXIF FocalLengthIn35mmFilm, millimetres. */
  exifFocal35mm?: number;
  /** Intrinsics already derived from EXIF (e.g. by ingest); used at the EXIF step, before `exifFocal35mm`. */
  exif?: Intrinsics;
  width: number;
  height: number;
  /** Horizontal field of view assumed when nothing else is known, degrees. */
  fovDegrees: number;
}

export interface ResolvedIntrinsics {
  intrinsics: Intrinsics;
  source: IntrinsicsSource;
}

/** Diagonal of the 36 × 24 mm frame that 35 mm-equivalent focal lengths refer to, millimetres. */
const FULL_FRAME_DIAGONAL_MM = Math.hypot(36, 24);

function usable(value: number | undefined): value is number {
  return value !== undefined && Number.isFinite(value) && value > 0;
}

function centred(focalPx: number, width: number, height: number): Intrinsics {
  return { fx: focalPx, fy: focalPx, cx: width / 2, cy: height / 2 };
}

/** Focal length in pixels from a 35 mm-equivalent focal length, matching diagonals (as DepthPro's loader does). */
export function focalPxFromFocal35mm(focal35mm: number, width: number, height: number): number {
  return (focal35mm * Math.hypot(width, height)) / FULL_FRAME_DIAGONAL_MM;
}

/** Focal length in pixels giving `fovDegrees` across `width` pixels. */
export function focalPxFromFov(fovDegrees: number, width: number): number {
  return width / 2 / Math.tan((fovDegrees * Math.PI) / 360);
}

export function resolveIntrinsics(input: IntrinsicsInput): ResolvedIntrinsics {
  const { provided, width, height } = input;
  if (provided && [provided.fx, provided.fy].every(usable) && Number.isFinite(provided.cx) && Number.isFinite(provided.cy)) {
    return { intrinsics: { ...provided }, source: 'provided' };
  }
  if (usable(input.depthModelFocalPx)) {
    return { intrinsics: centred(input.depthModelFocalPx, width, height), source: 'depth-model' };
  }
  if (input.exif && usable(input.exif.fx) && usable(input.exif.fy)) {
    return { intrinsics: { ...input.exif }, source: 'exif' };
  }
  if (usable(input.exifFocal35mm)) {
    return { intrinsics: centred(focalPxFromFocal35mm(input.exifFocal35mm, width, height), width, height), source: 'exif' };
  }
  if (!(input.fovDegrees > 0 && input.fovDegrees < 180)) {
    throw new InputError(`field-of-view prior ${input.fovDegrees}° is not in (0, 180)`, 'bad-fov', undefined, 'fovDegrees');
  }
  return { intrinsics: centred(focalPxFromFov(input.fovDegrees, width), width, height), source: 'fov-prior' };
}
