/**
 * Plane fitting: RANSAC over random triples (seeded, so deterministic) followed by a least-squares
 * refinement on the inliers. A plane is n·p + d = 0 with |n| = 1, in whatever frame the points are.
 */
import { seededRandom } from './random.js';
import { symmetricEigen3 } from './eigen.js';

export interface Plane {
  normal: [number, number, number];
  d: number;
}

export interface PlaneFit extends Plane {
  /** Points within the distance threshold of the refined plane. */
  inlierCount: number;
}

export interface RansacPlaneOptions {
  /** Largest point-to-plane distance of an inlier, same units as the points (metres). */
  distanceThreshold: number;
  /**
   * Hypotheses scored: random triples that `accept` allows (those it refuses cost no score, and at
   * most ten times this many triples are drawn in all). @defaultValue 200
   */
  iterations?: number;
  /** @defaultValue 0 */
  seed?: number;
  /**
   * Rejects a hypothesis before it is scored, e.g. to keep only near-horizontal planes. The sampled
   * normal's sign is arbitrary, so test orientation-free quantities (|n·up|, the sign of d·n·up).
   */
  accept?: (plane: Plane) => boolean;
  /** Least-squares refinement rounds after RANSAC (each re-collects inliers). @defaultValue 2 */
  refinements?: number;
  /**
   * Per point (same order as the points), a larger distance within which it is an inlier: the
   * sensor's noise at its depth, so far noisy points count as near precise ones do. The refinement
   * weighs each inlier by the inverse square of its tolerance. @defaultValue none (`distanceThreshold` for all)
   */
  tolerances?: Float32Array;
  /**
   * Stop early once a better plane is this unlikely to exist: after N = log(1 − c) / log(1 − w³)
   * triples, w being the best inlier share so far (the standard adaptive RANSAC bound). When absent,
   * all `iterations` are tried.
   */
  confidence?: number;
}

/** Triples drawn per hypothesis scored, at most (the rest are refused by `accept` or degenerate). */
const MAX_DRAWS_PER_ITERATION = 10;

/** Signed distance of point i of a packed xyz buffer to the plane. */
function signedDistance(points: Float32Array, i: number, nx: number, ny: number, nz: number, d: number): number {
  return nx * points[3 * i] + ny * points[3 * i + 1] + nz * points[3 * i + 2] + d;
}

/** Point i's inlier distance: `threshold`, or its own tolerance when larger. */
function toleranceOf(threshold: number, tolerances: Float32Array | undefined, i: number): number {
  return tolerances && tolerances[i] > threshold ? tolerances[i] : threshold;
}

/**
 * Counts the points within `threshold` of the plane (or their own `tolerances`, when larger); marks
 * them in `mask` when given.
 */
export function countPlaneInliers(points: Float32Array, plane: Plane, threshold: number, mask?: Uint8Array, tolerances?: Float32Array): number {
  const [nx, ny, nz] = plane.normal;
  const n = points.length / 3;
  let count = 0;
  const d = plane.d;
  for (let i = 0; i < n; i++) {
    const inside = Math.abs(nx * points[3 * i] + ny * points[3 * i + 1] + nz * points[3 * i + 2] + d) <= toleranceOf(threshold, tolerances, i);
    if (inside) count++;
    if (mask) mask[i] = inside ? 1 : 0;
  }
  return count;
}

/**
 * Least-squares plane (total least squares: the centroid and the covariance's smallest eigenvector)
 * of the points within `threshold` (or their own `tolerances`) of `plane`, each weighed by the
 * inverse square of its inlier distance. The normal keeps the side of the input normal. Returns the
 * input plane when fewer than 3 inliers remain.
 */
export function refinePlane(points: Float32Array, plane: Plane, threshold: number, tolerances?: Float32Array): Plane {
  const [nx, ny, nz] = plane.normal;
  const n = points.length / 3;
  let count = 0, sw = 0, sx = 0, sy = 0, sz = 0;
  const weight = (i: number) => (tolerances ? (threshold / toleranceOf(threshold, tolerances, i)) ** 2 : 1);
  for (let i = 0; i < n; i++) {
    if (Math.abs(signedDistance(points, i, nx, ny, nz, plane.d)) > toleranceOf(threshold, tolerances, i)) continue;
    const w = weight(i);
    sw += w; sx += w * points[3 * i]; sy += w * points[3 * i + 1]; sz += w * points[3 * i + 2];
    count++;
  }
  if (count < 3) return plane;
  const mx = sx / sw, my = sy / sw, mz = sz / sw;
  let xx = 0, xy = 0, xz = 0, yy = 0, yz = 0, zz = 0;
  for (let i = 0; i < n; i++) {
    if (Math.abs(signedDistance(points, i, nx, ny, nz, plane.d)) > toleranceOf(threshold, tolerances, i)) continue;
    const w = weight(i);
    const x = points[3 * i] - mx, y = points[3 * i + 1] - my, z = points[3 * i + 2] - mz;
    xx += w * x * x; xy += w * x * y; xz += w * x * z; yy += w * y * y; yz += w * y * z; zz += w * z * z;
  }
  const { vectors } = symmetricEigen3([xx, xy, xz, xy, yy, yz, xz, yz, zz]);
  let ax = vectors[0], ay = vectors[3], az = vectors[6];
  if (ax * nx + ay * ny + az * nz < 0) { ax = -ax; ay = -ay; az = -az; }
  return { normal: [ax, ay, az], d: -(ax * mx + ay * my + az * mz) };
}

/**
 * Plane through three points of the buffer, or null when they are (nearly) collinear.
 */
function planeThrough(points: Float32Array, a: number, b: number, c: number): Plane | null {
  const ax = points[3 * a], ay = points[3 * a + 1], az = points[3 * a + 2];
  const ux = points[3 * b] - ax, uy = points[3 * b + 1] - ay, uz = points[3 * b + 2] - az;
  const vx = points[3 * c] - ax, vy = points[3 * c + 1] - ay, vz = points[3 * c + 2] - az;
  let nx = uy * vz - uz * vy, ny = uz * vx - ux * vz, nz = ux * vy - uy * vx;
  const len = Math.hypot(nx, ny, nz);
  if (len < 1e-12) return null;
  nx /= len; ny /= len; nz /= len;
  return { normal: [nx, ny, nz], d: -(nx * ax + ny * ay + nz * az) };
}

/**
 * RANSAC plane fit over a packed xyz buffer: the hypothesis (from `iterations` random triples, those
 * `accept` allows) with most inliers, then refined by least squares. Null when no hypothesis was
 * accepted or the buffer holds fewer than 3 points.
 */
export function fitPlaneRansac(points: Float32Array, options: RansacPlaneOptions): PlaneFit | null {
  const { distanceThreshold, iterations = 200, seed = 0, accept, refinements = 2, confidence, tolerances } = options;
  const n = points.length / 3;
  if (n < 3) return null;
  const random = seededRandom(seed);
  let best: Plane | null = null;
  let bestCount = -1;
  let needed = iterations;
  for (let it = 0, draws = 0; it < needed && draws < MAX_DRAWS_PER_ITERATION * iterations; draws++) {
    const a = Math.floor(random() * n), b = Math.floor(random() * n), c = Math.floor(random() * n);
    if (a === b || b === c || a === c) continue;
    const plane = planeThrough(points, a, b, c);
    if (!plane || (accept && !accept(plane))) continue;
    it++;
    const count = countPlaneInliers(points, plane, distanceThreshold, undefined, tolerances);
    if (count > bestCount) {
      best = plane;
      bestCount = count;
      if (confidence !== undefined) {
        const allInliers = (count / n) ** 3;
        const bound = allInliers >= 1 ? 0 : Math.ceil(Math.log(1 - confidence) / Math.log(1 - allInliers));
        needed = Math.min(iterations, bound);
      }
    }
  }
  if (!best) return null;
  let plane = best;
  for (let r = 0; r < refinements; r++) plane = refinePlane(points, plane, distanceThreshold, tolerances);
  return { ...plane, inlierCount: countPlaneInliers(points, plane, distanceThreshold, undefined, tolerances) };
}
