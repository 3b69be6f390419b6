/**
 * An object inside a 2D box from a handful of depth samples (projected lidar, a subsampled cloud, or
 * a box too far for a dense cluster). Its depth is the dominant depth mode of the box's samples: the
 * samples off the support plane are split into depth modes where consecutive depths jump by more than
 * the object could be deep, and the box's object is the mode that best fills the box (most samples
 * times the share of the box's width and height they span). Its extent is the 2D box carried through
 * the camera to that depth (the frustum at the mode's depth); see `frustumExtent`.
 */
import { selectRank, type OrganizedCloud } from '@spatialforge/geometry';
import type { Box2D, Intrinsics, Vec3 } from '@spatialforge/core';
import type { CanonicalTransform } from './canonical.js';

/** Least depth gap between two modes, metres, and as a share of the depth (lidar range noise grows with it). */
const MIN_GAP = 0.3;
const GAP_PER_METRE = 0.03;
/**
 * Samples this close above the support plane (or below it) are the ground, not the object: metres,
 * at least the plane fit's own threshold, growing by 0.5 % of the depth (a plane fitted near the camera
 * drifts from the real ground with distance).
 */
const GROUND_DISTANCE = 0.08;
const GROUND_PER_METRE = 0.005;
/** A depth mode needs this share of the box's samples off the ground (and 3 samples) to be the object. */
const MIN_MODE_SHARE = 0.1;
const MIN_MODE_COUNT = 3;
/** Rows below a box where the ground under it is read, as a share of the box's height (at least 10 rows: a far ring of lidar returns is several rows from the next). */
const GROUND_BAND = 0.5;
/** Samples under a box farther than this from the plane (metres, or 2 % of their depth) are not the ground. */
const GROUND_SEARCH = 0.3;
const GROUND_SEARCH_PER_METRE = 0.02;

/** The pixel rectangle of a box clipped to the image, whole pixels [x0, y0, x1, y1) . */
export function pixelRect(box: Box2D, width: number, height: number): [number, number, number, number] {
  return [Math.max(0, Math.floor(box[0])), Math.max(0, Math.floor(box[1])), Math.min(width, Math.ceil(box[2])), Math.min(height, Math.ceil(box[3]))];
}

/** Pass as `owner` to `samplesInBox` to take every pixel with depth, claimed or not. */
export const ANY_OWNER = -2;

/**
 * Pixels with depth inside the box, every `stride`-th row and column, that are unclaimed
 * (`claimed[p] < 0`) or claimed by `owner`.
 */
export function samplesInBox(cloud: OrganizedCloud, box: Box2D, claimed: Int32Array, stride = 1, owner = -1): Int32Array {
  const { width, height, positions } = cloud;
  const [x0, y0, x1, y1] = pixelRect(box, width, height);
  const out: number[] = [];
  for (let v = y0; v < y1; v += stride) {
    for (let u = x0, p = v * width + x0; u < x1; u += stride, p += stride) if (positions[3 * p + 2] > 0 && (owner === ANY_OWNER || claimed[p] < 0 || claimed[p] === owner)) out.push(p);
  }
  return Int32Array.from(out);
}

/**
 * The samples of the box's dominant depth mode (pixel indices), empty when no sample is off the
 * support plane. `samples` are pixels with depth (camera z > 0).
 */
export function dominantDepthMode(cloud: OrganizedCloud, box: Box2D, samples: Int32Array, pose: CanonicalTransform, planeDistance: number): Int32Array {
  const { positions, width } = cloud;
  let candidates = samples;
  if (pose.plane) {
    const [nx, ny, nz] = pose.plane.normal;
    const d = pose.plane.d;
    const ground = localGround(cloud, box, pose);
    const off: number[] = [];
    for (const p of samples) {
      const o = 3 * p;
      const threshold = Math.max(GROUND_DISTANCE, planeDistance, GROUND_PER_METRE * positions[o + 2]);
      if (nx * positions[o] + ny * positions[o + 1] + nz * positions[o + 2] + d - ground > threshold) off.push(p);
    }
    candidates = Int32Array.from(off);
  }
  if (candidates.length === 0) return candidates;
  const order = Array.from(candidates).sort((a, b) => positions[3 * a + 2] - positions[3 * b + 2]);
  const [bx0, by0, bx1, by1] = box;
  const boxWidth = Math.max(1, bx1 - bx0), boxHeight = Math.max(1, by1 - by0);
  let best: [number, number] = [0, 0];
  let bestScore = -1;
  for (let start = 0; start < order.length;) {
    let end = start + 1;
    let u0 = Infinity, u1 = -Infinity, v0 = Infinity, v1 = -Infinity;
    const take = (p: number) => {
      const u = p % width, v = (p - u) / width;
      if (u < u0) u0 = u;
      if (u > u1) u1 = u;
      if (v < v0) v0 = v;
      if (v > v1) v1 = v;
    };
    take(order[start]);
    while (end < order.length) {
      const z = positions[3 * order[end - 1] + 2];
      if (positions[3 * order[end] + 2] - z > Math.max(MIN_GAP, GAP_PER_METRE * z)) break;
      take(order[end++]);
    }
    // The object spans its box from top to bottom (the box is its outline); the background shows
    // above or beside it, a neighbour at one side. Width counts less: a lidar ring crosses a person's
    // torso, not the arms that widen the box.
    const fill = (Math.min(boxHeight, v1 - v0 + 1) / boxHeight) * Math.sqrt(Math.min(boxWidth, u1 - u0 + 1) / boxWidth);
    const count = end - start;
    const score = count >= Math.max(MIN_MODE_SHARE * order.length, Math.min(MIN_MODE_COUNT, order.length)) ? fill : -1 / count;
    if (score > bestScore) {
      bestScore = score;
      best = [start, end];
    }
    start = end;
  }
  return Int32Array.from(order.slice(best[0], best[1]));
}

/**
 * Height of the ground under the box above the support plane, metres: the median of the samples in
 * the rows just below the box that lie near the plane. Far from the camera a road dips or climbs
 * away from the plane fitted near it; 0 when nothing is seen there.
 */
function localGround(cloud: OrganizedCloud, box: Box2D, pose: CanonicalTransform): number {
  const { width, height, positions } = cloud;
  const [x0, y0, x1, y1] = pixelRect(box, width, height);
  const [nx, ny, nz] = pose.plane!.normal;
  const d = pose.plane!.d;
  const heights: number[] = [];
  const band = Math.max(10, Math.round(GROUND_BAND * (y1 - y0)));
  for (let v = y1; v < Math.min(height, y1 + band); v++) {
    for (let u = x0, p = v * width + x0; u < x1; u++, p++) {
      const z = positions[3 * p + 2];
      if (!(z > 0)) continue;
      const above = nx * positions[3 * p] + ny * positions[3 * p + 1] + nz * z + d;
      if (Math.abs(above) <= Math.max(GROUND_SEARCH, GROUND_SEARCH_PER_METRE * z)) heights.push(above);
    }
  }
  return heights.length === 0 ? 0 : median(Float64Array.from(heights));
}

/** The median of a typed array's values (sorted copy). */
function median(values: Float64Array): number {
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.floor(sorted.length / 2)];
}

/** Median camera depth (metres along the optical axis) of the pixels; NaN for none. Linear time (quickselect). */
export function medianCameraDepth(positions: Float32Array, pixels: ArrayLike<number>): number {
  const n = pixels.length;
  if (n === 0) return NaN;
  const z = new Float32Array(n);
  for (let k = 0; k < n; k++) z[k] = positions[3 * pixels[k] + 2];
  return selectRank(z, n, n >> 1);
}

/**
 * Samples up to this height above the box's bottom edge (metres, or this share of their depth) are
 * the surface the object stands on (a table top seen behind a mug), not the object.
 */
const SURFACE_BAND = 0.02;
const SURFACE_BAND_PER_METRE = 0.01;

/**
 * The samples (packed canonical xyz) without those on the surface under the object: at the height
 * where the box's bottom edge meets the nearest samples, or below it. All of them when fewer than
 * three would be left.
 */
export function withoutSupportSurface(pointsCanonical: Float32Array, box: Box2D, intrinsics: Intrinsics, pose: CanonicalTransform): Float32Array {
  const n = pointsCanonical.length / 3;
  const ys = new Float64Array(n);
  for (let k = 0; k < n; k++) ys[k] = pointsCanonical[3 * k + 1];
  ys.sort();
  const near = ys[Math.floor(EXTENT_TAIL * (n - 1))];
  const base = rayAtForward((box[0] + box[2]) / 2, box[3], near, intrinsics, pose)[2];
  const t = pose.translation;
  const kept: number[] = [];
  for (let k = 0; k < n; k++) {
    const [x, y, z] = [pointsCanonical[3 * k], pointsCanonical[3 * k + 1], pointsCanonical[3 * k + 2]];
    const range = Math.hypot(x - t[0], y - t[1], z - t[2]);
    if (z > base + Math.max(SURFACE_BAND, SURFACE_BAND_PER_METRE * range)) kept.push(x, y, z);
  }
  return kept.length >= 9 ? Float32Array.from(kept) : pointsCanonical;
}

/** Share of the samples left out at either end of their forward extent (stray returns). */
const EXTENT_TAIL = 0.05;

export interface FrustumExtent {
  min: Vec3;
  max: Vec3;
  /** Forward distance (canonical y) of the visible face the extent was taken at, metres. */
  faceY: number;
}

/**
 * The canonical axis-aligned box of an object seen as `pointsCanonical` (packed xyz, its depth
 * samples in the canonical frame) inside `box`: forward (y) from the samples (their 5th to 95th
 * percentile), left-right (x) from the 2D box's side edges carried through the camera to the samples'
 * median forward distance, up-down (z) from its bottom edge at the nearest of those forward
 * distances and its top edge at the farthest sample (the far edge of a top seen from above).
 */
export function frustumExtent(pointsCanonical: Float32Array, box: Box2D, intrinsics: Intrinsics, pose: CanonicalTransform): FrustumExtent {
  const n = pointsCanonical.length / 3;
  const ys = new Float64Array(n);
  for (let k = 0; k < n; k++) ys[k] = pointsCanonical[3 * k + 1];
  ys.sort();
  const faceY = median(ys);
  const y0 = Math.min(faceY, ys[Math.floor(EXTENT_TAIL * (n - 1))]), y1 = Math.max(faceY, ys[Math.ceil((1 - EXTENT_TAIL) * (n - 1))]);
  const [u0, v0, u1, v1] = box;
  const uMid = (u0 + u1) / 2, vMid = (v0 + v1) / 2;
  const left = rayAtForward(u0, vMid, faceY, intrinsics, pose), right = rayAtForward(u1, vMid, faceY, intrinsics, pose);
  // The box's bottom edge is the object's nearest bottom edge; its top edge the farthest top edge
  // when the camera looks down on the top, the nearest when it looks up at it.
  const bottom = rayAtForward(uMid, v1, y0, intrinsics, pose);
  const topFar = rayAtForward(uMid, v0, ys[n - 1], intrinsics, pose);
  const top = topFar[2] < pose.translation[2] ? topFar : rayAtForward(uMid, v0, y0, intrinsics, pose);
  return {
    min: [Math.min(left[0], right[0]), y0, Math.min(top[2], bottom[2])],
    max: [Math.max(left[0], right[0]), y1, Math.max(top[2], bottom[2])],
    faceY,
  };
}

/**
 * Where the ray of pixel (u, v) reaches canonical forward distance `y` (metres), in the canonical
 * frame. A ray that never gets there (pointing backwards) stays at the camera.
 */
export function rayAtForward(u: number, v: number, y: number, intrinsics: Intrinsics, pose: CanonicalTransform): Vec3 {
  const r = pose.rotation;
  const a = (u - intrinsics.cx) / intrinsics.fx, b = (v - intrinsics.cy) / intrinsics.fy;
  const dx = r[0] * a + r[1] * b + r[2], dy = r[3] * a + r[4] * b + r[5], dz = r[6] * a + r[7] * b + r[8];
  const t = pose.translation;
  const s = dy > 1e-9 ? Math.max(0, (y - t[1]) / dy) : 0;
  return [t[0] + s * dx, t[1] + s * dy, t[2] + s * dz];
}

/**
 * Where the ray of pixel (u, v) comes down to canonical height `z` (metres), in the canonical frame;
 * undefined when it never does (it points level or up from above `z`).
 */
export function rayAtHeight(u: number, v: number, z: number, intrinsics: Intrinsics, pose: CanonicalTransform): Vec3 | undefined {
  const r = pose.rotation;
  const a = (u - intrinsics.cx) / intrinsics.fx, b = (v - intrinsics.cy) / intrinsics.fy;
  const dx = r[0] * a + r[1] * b + r[2], dy = r[3] * a + r[4] * b + r[5], dz = r[6] * a + r[7] * b + r[8];
  const t = pose.translation;
  const s = (z - t[2]) / dz;
  return dz < -1e-9 && s > 0 ? [t[0] + s * dx, t[1] + s * dy, z] : undefined;
}
