/**
 * The canonical frame: the dominant horizontal support plane (floor or table) found by RANSAC, and
 * the rigid transform from the camera frame (x right, y down, z forward) to the canonical frame
 * (z up, origin at the camera's foot on the plane, x = camera right, y = forward along the plane).
 */
import { countPlaneInliers, cross3, fitPlaneRansac, normalize3, ON_SURFACE_SIGMAS, refinePlane } from '@spatialforge/geometry';
import type { DepthNoise, OrganizedCloud } from '@spatialforge/geometry';
import type { SupportPlane, Vec3 } from '@spatialforge/core';

export interface SupportPlaneOptions {
  /** Largest distance of a plane inlier, metres. */
  distanceThreshold: number;
  iterations: number;
  seed: number;
  /** Largest angle between the plane's normal and the camera's up (−y), radians. */
  maxTilt: number;
  /** Least share of the scene's valid points on the plane for it to count as support. */
  minInlierRatio: number;
  /** Points RANSAC scores each hypothesis on (an even spread over the valid pixels). */
  sampleSize: number;
  /** The depth's noise: a point within a few deviations of it from the plane is on it too (far floor points are noisy). */
  noise?: DepthNoise;
}


/** Camera frame → canonical frame: p_canonical = rotation · p_camera + translation. */
export interface CanonicalTransform {
  canonical: boolean;
  /** Row-major 3×3. */
  rotation: number[];
  translation: Vec3;
  plane?: SupportPlane;
  /** Camera height above the plane, metres (canonical only). */
  height?: number;
  /** Downward pitch of the optical axis below the horizon, radians (canonical only). */
  pitch?: number;
}

/** Camera-aligned axes (x right, y along the optical axis, z = camera up) for a scene with no plane. */
export const CAMERA_ALIGNED: CanonicalTransform = { canonical: false, rotation: [1, 0, 0, 0, 0, 1, 0, -1, 0], translation: [0, 0, 0] };

/** Points the least-squares refinement of the plane uses (an even spread over the valid pixels). */
const REFINE_SAMPLE = 30000;

/**
 * Finds the support plane among the organised cloud's valid points and the canonical transform it
 * gives; `CAMERA_ALIGNED` when no near-horizontal plane below the camera holds enough points.
 */
export function findCanonicalFrame(cloud: OrganizedCloud, options: SupportPlaneOptions): CanonicalTransform {
  const { positions } = cloud;
  const pixels = cloud.width * cloud.height;
  let validCount = 0;
  for (let p = 0; p < pixels; p++) if (positions[3 * p + 2] > 0) validCount++;
  if (validCount < 3) return CAMERA_ALIGNED;
  const sample = evenSample(cloud, validCount, options.sampleSize);
  const minUp = Math.cos(options.maxTilt);
  const { distanceThreshold } = options;
  // Orient each hypothesis towards the camera (d > 0); it must then face up (−y) within maxTilt and
  // lie more than the threshold below the camera.
  const accept = ({ normal, d }: { normal: [number, number, number]; d: number }) =>
    Math.abs(d) > distanceThreshold && -normal[1] * Math.sign(d) >= minUp;
  const tolerances = (points: Float32Array) => {
    const { noise } = options;
    if (!noise) return undefined;
    const out = new Float32Array(points.length / 3);
    for (let i = 0; i < out.length; i++) out[i] = points[3 * i + 2] > 0 ? ON_SURFACE_SIGMAS * noise.sigmaAt(points[3 * i + 2]) : 0;
    return out;
  };
  const fit = fitPlaneRansac(sample, {
    distanceThreshold, iterations: options.iterations, seed: options.seed, accept, refinements: 1, confidence: 0.999, tolerances: tolerances(sample),
  });
  if (!fit) return CAMERA_ALIGNED;
  const refineSample = evenSample(cloud, validCount, REFINE_SAMPLE);
  let plane = refinePlane(refineSample, fit, distanceThreshold, tolerances(refineSample));
  if (plane.d < 0) plane = { normal: [-plane.normal[0], -plane.normal[1], -plane.normal[2]], d: -plane.d };
  plane = lowerParallelPlane(refineSample, plane, distanceThreshold) ?? plane;
  if (-plane.normal[1] < minUp || plane.d <= distanceThreshold) return CAMERA_ALIGNED;
  // Missing depth is stored as (0, 0, 0), the camera centre, which lies farther than the threshold
  // from any accepted plane, so the inliers can be counted over the whole organised buffer.
  const inlierCount = countPlaneInliers(positions, plane, distanceThreshold, undefined, tolerances(positions));
  const inlierRatio = inlierCount / validCount;
  if (inlierRatio < options.minInlierRatio) return CAMERA_ALIGNED;
  return {
    ...poseFromPlane(plane.normal, plane.d),
    plane: { normal: [...plane.normal], d: plane.d, inlierCount, inlierRatio },
  };
}

/** A floor below the plane found holds at least this share of that plane's points to be taken instead. */
const LOWER_PLANE_SHARE = 0.25;

/**
 * A plane parallel to `plane` (n·p + d = 0, d > 0) and below it that holds at least LOWER_PLANE_SHARE
 * as many of `points` as it does, refined; undefined when there is none. A big table top in view can
 * outnumber the floor around it, but the floor is what everything stands on in the end.
 */
function lowerParallelPlane(points: Float32Array, plane: { normal: Vec3; d: number }, threshold: number): { normal: Vec3; d: number } | undefined {
  const [nx, ny, nz] = plane.normal;
  const n = points.length / 3;
  // Heights below the plane in bins of one threshold; a plane's inliers fill about two adjacent bins.
  const bins = new Map<number, number>();
  let onPlane = 0;
  for (let i = 0; i < n; i++) {
    const s = nx * points[3 * i] + ny * points[3 * i + 1] + nz * points[3 * i + 2] + plane.d;
    if (Math.abs(s) <= threshold) onPlane++;
    else if (s < -2 * threshold) {
      const bin = Math.floor(-s / threshold);
      bins.set(bin, (bins.get(bin) ?? 0) + 1);
    }
  }
  let best = -1, bestCount = 0;
  for (const [bin, count] of bins) {
    const pair = count + (bins.get(bin + 1) ?? 0);
    if (pair > bestCount || (pair === bestCount && bin > best)) {
      best = bin;
      bestCount = pair;
    }
  }
  if (best < 0 || bestCount < LOWER_PLANE_SHARE * onPlane) return undefined;
  let lower = refinePlane(points, { normal: [nx, ny, nz], d: plane.d + (best + 1) * threshold }, threshold);
  if (lower.d < 0) lower = { normal: [-lower.normal[0], -lower.normal[1], -lower.normal[2]], d: -lower.d };
  const parallel = lower.normal[0] * nx + lower.normal[1] * ny + lower.normal[2] * nz > 0.99;
  return parallel && lower.d > plane.d ? { normal: lower.normal as Vec3, d: lower.d } : undefined;
}

/** About `size` valid points, every k-th valid pixel in row-major order, packed xyz. */
function evenSample(cloud: OrganizedCloud, validCount: number, size: number): Float32Array {
  const { positions } = cloud;
  const step = Math.max(1, Math.floor(validCount / size));
  const out = new Float32Array(Math.ceil(validCount / step) * 3);
  let seen = 0, j = 0;
  for (let p = 0, n = cloud.width * cloud.height; p < n; p++) {
    if (!(positions[3 * p + 2] > 0)) continue;
    if (seen++ % step !== 0) continue;
    out[j++] = positions[3 * p];
    out[j++] = positions[3 * p + 1];
    out[j++] = positions[3 * p + 2];
  }
  return out.subarray(0, j);
}

/**
 * The canonical transform for a plane n·p + d = 0 (camera frame, n unit and pointing to the camera's
 * side, d > 0 = camera height): rows of the rotation are the canonical axes in camera coordinates.
 */
export function poseFromPlane(normal: Vec3, d: number): CanonicalTransform {
  const up = normalize3([0, 0, 0], normal) as Vec3;
  // Forward: the optical axis projected on the plane; when looking straight down, the image's up (−y).
  let forward: Vec3 = [-up[2] * up[0], -up[2] * up[1], 1 - up[2] * up[2]];
  if (Math.hypot(...forward) < 1e-6) forward = [up[1] * up[0], -1 + up[1] * up[1], up[1] * up[2]];
  normalize3(forward, forward);
  const right = cross3([0, 0, 0], forward, up) as Vec3;
  return {
    canonical: true,
    rotation: [...right, ...forward, ...up],
    translation: [0, 0, d],
    height: d,
    pitch: Math.asin(Math.max(-1, Math.min(1, -up[2]))),
  };
}
