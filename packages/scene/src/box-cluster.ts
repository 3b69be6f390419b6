/**
 * The object inside a 2D box. A detector's box holds the object and whatever is behind and below it:
 * the floor, a table top it stands on, the wall behind. Those are removed first (the support plane,
 * then any large plane that carries on beyond the box: a surface the object stands on or against,
 * not a face of the object, which ends at the box); the object is then the nearest large DBSCAN
 * cluster of what is left.
 */
import { clustersNear, countPlaneInliers, dbscan, fitPlaneRansac, voxelDownsample } from '@spatialforge/geometry';
import type { OrganizedCloud, Plane } from '@spatialforge/geometry';
import type { Box2D } from '@spatialforge/core';

export interface BoxClusterOptions {
  /** Points within this distance of a removed plane are not the object, metres at 1 m depth (grows with depth beyond 2 m). */
  planeDistance: number;
  /** DBSCAN radius, metres at 1 m depth (scaled by the box's median depth beyond 1 m). */
  clusterEps: number;
  /** Voxel side before clustering, metres at 1 m depth (scaled as `clusterEps`). */
  voxelSize: number;
  /** Least share of the box's remaining points a cluster needs to be taken for the object. */
  minShare: number;
  seed: number;
}

/** How far around the box to look when telling a plane that carries on beyond it, as a share of its size. */
const CONTEXT_MARGIN = 0.25;
/** A plane with at least this share of its inliers outside the box is background or support. */
const OUTSIDE_SHARE = 0.35;
/** A plane must hold this share of the context's points to be considered at all. */
const MIN_PLANE_SHARE = 0.1;
/**
 * DBSCAN core threshold, voxels: a surface has about 20 voxels within the radius, a one-pixel-wide
 * chain of flying pixels along a depth edge about 5, so chains do not join the object to the background.
 */
const CORE_POINTS = 10;
/** Parts within this many DBSCAN radii of the object are joined to it. */
const JOIN_DISTANCE = 1.5;
/** Least share of the box's points a cluster needs to be joined to the object. */
const MIN_PART_SHARE = 0.03;
/** A cluster filling at least this share of the best-filling cluster's share of the box is as good a fit. */
const FILL_TOLERANCE = 0.3;
/** Points sampled from the context window for plane search. */
const PLANE_SAMPLE = 3000;

/**
 * Pixel indices of the chosen cluster, or an empty array when the box holds no candidate point.
 * Pixels already claimed (`claimed[p] >= 0`, e.g. by a mask) are not candidates.
 */
export function clusterInBox(
  cloud: OrganizedCloud,
  box: Box2D,
  claimed: Int32Array,
  supportPlane: Plane | undefined,
  options: BoxClusterOptions,
): Int32Array {
  const { width, height, positions } = cloud;
  const x0 = Math.max(0, Math.floor(box[0])), y0 = Math.max(0, Math.floor(box[1]));
  const x1 = Math.min(width, Math.ceil(box[2])), y1 = Math.min(height, Math.ceil(box[3]));
  if (x1 <= x0 || y1 <= y0) return new Int32Array(0);

  // Candidates: pixels in the box with depth, unclaimed, off the support plane.
  const inBox: number[] = [];
  for (let v = y0; v < y1; v++) {
    for (let u = x0, p = v * width + x0; u < x1; u++, p++) {
      if (positions[3 * p + 2] > 0 && claimed[p] < 0) inBox.push(p);
    }
  }
  if (inBox.length === 0) return new Int32Array(0);
  const depthScale = Math.max(1, medianDepth(positions, inBox));
  const planeDistance = options.planeDistance * Math.max(1, depthScale / 2);
  let candidates: Int32Array = Int32Array.from(inBox);
  if (supportPlane) candidates = offPlane(positions, candidates, supportPlane, planeDistance);
  for (const plane of extendedPlanes(cloud, [x0, y0, x1, y1], claimed, planeDistance, options.seed)) {
    candidates = offPlane(positions, candidates, plane, planeDistance);
  }
  if (candidates.length === 0) return candidates;

  const points = new Float32Array(candidates.length * 3);
  for (let k = 0; k < candidates.length; k++) points.set(positions.subarray(3 * candidates[k], 3 * candidates[k] + 3), 3 * k);
  const voxels = voxelDownsample(points, options.voxelSize * depthScale);
  const clusters = dbscan(voxels.positions, options.clusterEps * depthScale, CORE_POINTS);
  if (clusters.clusterCount === 0) return new Int32Array(0);

  // Points, summed depth and pixel extent per cluster, counted on the original pixels (voxels hold unequal counts).
  const count = clusters.clusterCount;
  const size = new Int32Array(count);
  const depthSum = new Float64Array(count);
  const span = new Int32Array(4 * count).fill(-1);
  for (let k = 0; k < candidates.length; k++) {
    const c = clusters.labels[voxels.voxelOfPoint[k]];
    if (c < 0) continue;
    size[c]++;
    depthSum[c] += points[3 * k + 2];
    const u = candidates[k] % width, v = (candidates[k] - u) / width;
    if (span[4 * c] < 0) span.set([u, v, u, v], 4 * c);
    else {
      if (u < span[4 * c]) span[4 * c] = u;
      if (v < span[4 * c + 1]) span[4 * c + 1] = v;
      if (u > span[4 * c + 2]) span[4 * c + 2] = u;
      if (v > span[4 * c + 3]) span[4 * c + 3] = v;
    }
  }
  // The box is the object's visible outline: its cluster spans the box, top to bottom and side to
  // side; an occluder's fragment or a neighbour's edge spans part of it. Among clusters large enough,
  // the one that best fills the box, the nearest of those that fill it about as well.
  const fill = (c: number) => (Math.min(1, (span[4 * c + 3] - span[4 * c + 1] + 1) / (y1 - y0)) * Math.min(1, (span[4 * c + 2] - span[4 * c] + 1) / (x1 - x0)));
  const minSize = options.minShare * candidates.length;
  let seedCluster = 0;
  for (let c = 1; c < count; c++) if (size[c] > size[seedCluster]) seedCluster = c;
  let bestFill = 0;
  for (let c = 0; c < count; c++) if (size[c] >= minSize) bestFill = Math.max(bestFill, fill(c));
  let nearest = Infinity;
  for (let c = 0; c < count; c++) {
    const mean = depthSum[c] / size[c];
    if (size[c] >= minSize && fill(c) >= FILL_TOLERANCE * bestFill && mean < nearest) {
      nearest = mean;
      seedCluster = c;
    }
  }
  // Parts are joined on their pixel counts (voxels hold unequal numbers of pixels).
  const pixelSizes = { ...clusters, sizes: size };
  const chosen = clustersNear(voxels.positions, pixelSizes, [seedCluster], JOIN_DISTANCE * options.clusterEps * depthScale, MIN_PART_SHARE * candidates.length);
  let chosenCount = 0;
  for (let k = 0; k < candidates.length; k++) if (chosen[clusters.labels[voxels.voxelOfPoint[k]] + 1]) chosenCount++;
  const out = new Int32Array(chosenCount);
  for (let k = 0, j = 0; k < candidates.length; k++) if (chosen[clusters.labels[voxels.voxelOfPoint[k]] + 1]) out[j++] = candidates[k];
  return out;
}

/**
 * Up to two large planes of the box's surroundings (the box grown by CONTEXT_MARGIN) that carry on
 * beyond the box.
 */
function extendedPlanes(cloud: OrganizedCloud, box: Box2D, claimed: Int32Array, threshold: number, seed: number): Plane[] {
  const { width, height, positions } = cloud;
  const [x0, y0, x1, y1] = box;
  const mx = Math.round((x1 - x0) * CONTEXT_MARGIN), my = Math.round((y1 - y0) * CONTEXT_MARGIN);
  const cx0 = Math.max(0, x0 - mx), cy0 = Math.max(0, y0 - my), cx1 = Math.min(width, x1 + mx), cy1 = Math.min(height, y1 + my);
  const area = (cx1 - cx0) * (cy1 - cy0);
  const stride = Math.max(1, Math.floor(Math.sqrt(area / PLANE_SAMPLE)));
  const sample: number[] = [];
  const outside: number[] = [];
  for (let v = cy0; v < cy1; v += stride) {
    for (let u = cx0; u < cx1; u += stride) {
      const p = v * width + u;
      if (!(positions[3 * p + 2] > 0) || claimed[p] >= 0) continue;
      sample.push(positions[3 * p], positions[3 * p + 1], positions[3 * p + 2]);
      outside.push(u < x0 || u >= x1 || v < y0 || v >= y1 ? 1 : 0);
    }
  }
  let points = new Float32Array(sample);
  let isOutside = Uint8Array.from(outside);
  const planes: Plane[] = [];
  const total = isOutside.length;
  for (let round = 0; round < 2 && points.length >= 9; round++) {
    const fit = fitPlaneRansac(points, { distanceThreshold: threshold, iterations: 100, seed: seed + round });
    if (!fit || fit.inlierCount < MIN_PLANE_SHARE * total) break;
    const inliers = new Uint8Array(points.length / 3);
    countPlaneInliers(points, fit, threshold, inliers);
    let out = 0;
    for (let i = 0; i < inliers.length; i++) if (inliers[i] && isOutside[i]) out++;
    if (out >= OUTSIDE_SHARE * fit.inlierCount) planes.push(fit);
    // Carry on with the points off this plane.
    const keep = inliers.length - fit.inlierCount;
    const nextPoints = new Float32Array(keep * 3);
    const nextOutside = new Uint8Array(keep);
    for (let i = 0, j = 0; i < inliers.length; i++) {
      if (inliers[i]) continue;
      nextPoints.set(points.subarray(3 * i, 3 * i + 3), 3 * j);
      nextOutside[j++] = isOutside[i];
    }
    points = nextPoints;
    isOutside = nextOutside;
  }
  return planes;
}

function offPlane(positions: Float32Array, pixels: Int32Array, plane: Plane, threshold: number): Int32Array {
  const [nx, ny, nz] = plane.normal;
  const keep: number[] = [];
  for (const p of pixels) {
    const o = 3 * p;
    if (Math.abs(nx * positions[o] + ny * positions[o + 1] + nz * positions[o + 2] + plane.d) > threshold) keep.push(p);
  }
  return Int32Array.from(keep);
}

/** Median depth (metres) of the pixels, by a 1 cm histogram. */
export function medianDepth(positions: Float32Array, pixels: ArrayLike<number>): number {
  const bins = new Int32Array(2048);
  for (let k = 0; k < pixels.length; k++) bins[Math.min(2047, Math.floor(positions[3 * pixels[k] + 2] * 100))]++;
  for (let b = 0, seen = 0; b < bins.length; b++) {
    seen += bins[b];
    if (2 * seen >= pixels.length) return (b + 0.5) / 100;
  }
  return 0;
}
