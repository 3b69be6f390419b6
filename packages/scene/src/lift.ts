/**
 * The lift stage: an RGB-D frame with objects (masks or boxes) → a 3D scene graph in the canonical
 * frame. Pure and synchronous; a 640×480 frame allocates a few image-sized buffers, no per-point objects.
 */
import {
  axisAlignedBox, backProjectDepth, boxAtYaw, clustersNear, dbscan, largestCluster, minAreaRectangle, statisticalOutliersOrganized,
  transformPoints, voxelDownsample,
} from '@spatialforge/geometry';
import type { OrganizedCloud } from '@spatialforge/geometry';
import type { Box2D, DroppedObject, Frame, ObjectInput, SceneGraph, SceneObject, Vec3 } from '@spatialforge/core';
import { findCanonicalFrame } from './canonical.js';
import type { CanonicalTransform } from './canonical.js';
import { clusterInBox, medianDepth } from './box-cluster.js';
import { dominantColour } from './colour.js';
import { nameObjects } from './naming.js';

export interface LiftOptions {
  /** Largest distance of a support-plane inlier, metres. @defaultValue 0.02 */
  planeDistanceThreshold: number;
  /** Most RANSAC hypotheses for the support plane (fewer when a 99.9 % confident plane is found sooner). @defaultValue 200 */
  planeIterations: number;
  /** Points each plane hypothesis is scored on (spread evenly over the valid pixels). @defaultValue 3000 */
  planeSampleSize: number;
  /** Largest angle between the support plane's normal and the camera's up (−y), radians. @defaultValue 60° */
  maxPlaneTilt: number;
  /** Least share of the valid points on the plane for the scene to be canonical. @defaultValue 0.05 */
  minPlaneInlierRatio: number;
  /** Seed of every random choice (RANSAC). @defaultValue 0 */
  seed: number;
  /** Statistical outlier removal window half-size, pixels (1: the 8 pixels around). @defaultValue 1 */
  outlierRadius: number;
  /** Statistical outlier removal threshold, standard deviations. @defaultValue 2 */
  outlierStdRatio: number;
  /**
   * Voxel side for down-sampling before clustering, metres at 1 m depth; it grows with the object's
   * median depth beyond 1 m, as the pixel spacing and the sensor noise do. @defaultValue 0.02
   */
  voxelSize: number;
  /** DBSCAN neighbourhood radius on the voxel centroids, metres at 1 m depth (grows as `voxelSize`). @defaultValue 0.05 */
  clusterEps: number;
  /** DBSCAN core-point threshold, voxels (the point itself included). @defaultValue 4 */
  clusterMinPoints: number;
  /** Objects with fewer depth points than this after denoising are dropped. @defaultValue 50 */
  minObjectPoints: number;
  /** For box objects: least share of the box's points a cluster needs to be the object. @defaultValue 0.15 */
  boxMinClusterShare: number;
  /** Least separation (metres) that tells two objects of a label apart by position. @defaultValue 0.15 */
  minSeparation: number;
}

/** Parts within this many DBSCAN radii of the dominant cluster are kept with it. */
const JOIN_DISTANCE = 1.5;
/** Least share of an object's voxels a part needs to be kept when it touches the object. */
const JOIN_MIN_SHARE = 0.03;
/** Parts holding this share of an object's voxels are kept wherever they are. */
const LARGE_PART_SHARE = 0.2;

export const DEFAULT_LIFT_OPTIONS: Readonly<LiftOptions> = Object.freeze({
  planeDistanceThreshold: 0.02,
  planeIterations: 200,
  planeSampleSize: 3000,
  maxPlaneTilt: Math.PI / 3,
  minPlaneInlierRatio: 0.05,
  seed: 0,
  outlierRadius: 1,
  outlierStdRatio: 2,
  voxelSize: 0.02,
  clusterEps: 0.05,
  clusterMinPoints: 4,
  minObjectPoints: 50,
  boxMinClusterShare: 0.15,
  minSeparation: 0.15,
});

/** Lifts a frame to its scene graph. Throws nothing for a valid `Frame`; objects that fail are listed in `dropped`. */
export function liftFrame(frame: Frame, options: Partial<LiftOptions> = {}): SceneGraph {
  const opts: LiftOptions = { ...DEFAULT_LIFT_OPTIONS, ...options };
  const { width, height } = frame.depth;
  const cloud = backProjectDepth(frame.depth.data, width, height, frame.intrinsics);
  const pose = findCanonicalFrame(cloud, {
    distanceThreshold: opts.planeDistanceThreshold,
    iterations: opts.planeIterations,
    seed: opts.seed,
    maxTilt: opts.maxPlaneTilt,
    minInlierRatio: opts.minPlaneInlierRatio,
    sampleSize: opts.planeSampleSize,
  });

  const { pixelsOf, labels, maskBoxes } = assignPixels(frame, cloud, pose, opts);
  const lifted: SceneObject[] = [];
  const dropped: DroppedObject[] = [];
  frame.objects.forEach((object, index) => {
    const result = liftObject(frame, object, index, pixelsOf[index], maskBoxes[index], cloud, labels, pose, opts);
    if ('reason' in result) dropped.push(result);
    else lifted.push(result);
  });
  const named = nameObjects(lifted, { minSeparation: opts.minSeparation });

  return {
    imageId: frame.imageId,
    width,
    height,
    camera: {
      intrinsics: frame.intrinsics,
      intrinsicsSource: frame.intrinsicsSource,
      position: roundVec(pose.translation),
      ...(pose.canonical ? { height: round(pose.height!), pitch: round(pose.pitch!) } : {}),
      rotation: pose.rotation.map((v) => round(v, 6)),
    },
    canonical: pose.canonical,
    ...(pose.plane ? { plane: { ...pose.plane, normal: pose.plane.normal.map((v) => round(v, 6)) as Vec3, d: round(pose.plane.d) } } : {}),
    objects: named,
    dropped,
  };
}

/**
 * Each object's pixels (with depth), and a per-pixel owner image (object index, -1 for none). Masks
 * claim their pixels first, in order (an overlap goes to the earlier mask); boxes then take the
 * nearest large cluster among the pixels left.
 */
function assignPixels(frame: Frame, cloud: OrganizedCloud, pose: CanonicalTransform, opts: LiftOptions) {
  const { width } = cloud;
  const labels = new Int32Array(cloud.width * cloud.height).fill(-1);
  const pixelsOf: Int32Array[] = new Array(frame.objects.length);
  const maskBoxes: (Box2D | undefined)[] = new Array(frame.objects.length);
  const { positions } = cloud;
  const scratch = new Int32Array(labels.length);
  frame.objects.forEach((object, index) => {
    if (!object.mask) return;
    const mask = object.mask;
    let count = 0;
    let x0 = Infinity, y0 = Infinity, x1 = -1, y1 = -1;
    // Masks are mostly zeros: read each row four bytes at a time and look closer only at non-zero words.
    const words = width % 4 === 0 && mask.byteOffset % 4 === 0 ? new Uint32Array(mask.buffer, mask.byteOffset, mask.length >> 2) : undefined;
    const height = mask.length / width;
    for (let y = 0; y < height; y++) {
      const row = y * width;
      for (let x = 0; x < width; x++) {
        if (words && (x & 3) === 0 && words[(row + x) >> 2] === 0) {
          x += 3;
          continue;
        }
        const p = row + x;
        if (!mask[p]) continue;
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
        if (positions[3 * p + 2] > 0 && labels[p] < 0) {
          labels[p] = index;
          scratch[count++] = p;
        }
      }
    }
    pixelsOf[index] = scratch.slice(0, count);
    if (x1 >= 0) maskBoxes[index] = [x0, y0, x1 + 1, y1 + 1];
  });
  frame.objects.forEach((object, index) => {
    if (object.mask || !object.box) return;
    const pixels = clusterInBox(cloud, object.box, labels, pose.plane, {
      planeDistance: opts.planeDistanceThreshold,
      clusterEps: opts.clusterEps,
      voxelSize: opts.voxelSize,
      minShare: opts.boxMinClusterShare,
      seed: opts.seed,
    });
    for (const p of pixels) labels[p] = index;
    pixelsOf[index] = pixels;
  });
  return { pixelsOf, labels, maskBoxes };
}

function liftObject(
  frame: Frame,
  object: ObjectInput,
  index: number,
  pixels: Int32Array | undefined,
  maskBox: Box2D | undefined,
  cloud: OrganizedCloud,
  labels: Int32Array,
  pose: CanonicalTransform,
  opts: LiftOptions,
): SceneObject | DroppedObject {
  const drop = (reason: string, detail: string): DroppedObject => ({ id: object.id, label: object.label, reason, detail });
  if (!pixels) return drop('no-region', 'the object has neither a mask nor a box');
  if (pixels.length === 0) {
    return object.mask
      ? drop('no-depth', 'no pixel of the mask has a depth measurement')
      : drop('no-cluster', 'nothing in the box has depth off the support plane and the surfaces around it');
  }
  if (pixels.length < opts.minObjectPoints) {
    return drop('too-few-points', `${pixels.length} depth points before denoising; at least ${opts.minObjectPoints} are needed`);
  }

  const { keep, kept } = statisticalOutliersOrganized(cloud, pixels, labels, index, { radius: opts.outlierRadius, stdRatio: opts.outlierStdRatio });
  const keptPixels = new Int32Array(kept);
  for (let k = 0, j = 0; k < pixels.length; k++) if (keep[k]) keptPixels[j++] = pixels[k];
  const points = new Float32Array(kept * 3);
  const { positions } = cloud;
  for (let k = 0; k < kept; k++) {
    const s = 3 * keptPixels[k];
    points[3 * k] = positions[s];
    points[3 * k + 1] = positions[s + 1];
    points[3 * k + 2] = positions[s + 2];
  }
  transformPoints(points, pose.rotation, pose.translation, points);

  const scale = Math.max(1, medianDepth(cloud.positions, keptPixels));
  const voxels = voxelDownsample(points, opts.voxelSize * scale);
  const clusters = dbscan(voxels.positions, opts.clusterEps * scale, opts.clusterMinPoints);
  const main = largestCluster(clusters);
  if (main < 0) return drop('too-few-points', `no dense cluster among ${kept} denoised points`);
  // The dominant cluster, any other large part (a lamp's base, cut from its shade where the shade
  // hides the pole: the mask says they are one object, and a part this big is not noise), and the
  // smaller parts that touch them.
  const voxelCount = voxels.positions.length / 3;
  const seeds = [main];
  for (let c = 0; c < clusters.clusterCount; c++) if (c !== main && clusters.sizes[c] >= LARGE_PART_SHARE * voxelCount) seeds.push(c);
  const member = clustersNear(voxels.positions, clusters, seeds, JOIN_DISTANCE * opts.clusterEps * scale, JOIN_MIN_SHARE * voxelCount);

  // Keep the raw points whose voxel is in the dominant cluster: the box is measured on them, not on
  // voxel centroids, which would shrink every extent by up to half a voxel.
  let count = 0;
  for (let k = 0; k < kept; k++) if (member[clusters.labels[voxels.voxelOfPoint[k]] + 1]) count++;
  if (count < opts.minObjectPoints) {
    return drop('too-few-points', `${count} points left after denoising; at least ${opts.minObjectPoints} are needed`);
  }
  const objectPoints = new Float32Array(count * 3);
  const objectPixels = new Int32Array(count);
  for (let k = 0, j = 0; k < kept; k++) {
    if (!member[clusters.labels[voxels.voxelOfPoint[k]] + 1]) continue;
    objectPoints[3 * j] = points[3 * k];
    objectPoints[3 * j + 1] = points[3 * k + 1];
    objectPoints[3 * j + 2] = points[3 * k + 2];
    objectPixels[j++] = keptPixels[k];
  }

  // The footprint's orientation comes from the cluster's voxel centroids (few points, cheap hull);
  // the extents along it from all the raw points.
  let memberVoxels = 0;
  for (let v = 0; v < clusters.labels.length; v++) if (member[clusters.labels[v] + 1]) memberVoxels++;
  const clusterXY = new Float64Array(memberVoxels * 2);
  for (let v = 0, j = 0; v < clusters.labels.length; v++) {
    if (!member[clusters.labels[v] + 1]) continue;
    clusterXY[2 * j] = voxels.positions[3 * v];
    clusterXY[2 * j + 1] = voxels.positions[3 * v + 1];
    j++;
  }
  const obb = boxAtYaw(objectPoints, minAreaRectangle(clusterXY).angle);
  const { min, max } = axisAlignedBox(objectPoints);
  const centre: Vec3 = [(min[0] + max[0]) / 2, (min[1] + max[1]) / 2, (min[2] + max[2]) / 2];
  const camera = pose.translation;
  const distance = Math.hypot(centre[0] - camera[0], centre[1] - camera[1], centre[2] - camera[2]);

  return {
    id: object.id,
    label: object.label,
    colour: dominantColour(frame.rgb.data, objectPixels),
    name: object.label,
    centre: roundVec(centre),
    size: roundVec([max[0] - min[0], max[1] - min[1], max[2] - min[2]]),
    min: roundVec(min),
    max: roundVec(max),
    obb: { centre: roundVec(obb.centre), size: roundVec(obb.size), yaw: round(obb.yaw) },
    pointCount: count,
    box2d: object.box ?? maskBox!,
    distanceFromCamera: round(distance),
    ...(object.score !== undefined ? { score: object.score } : {}),
  };
}

/** Rounds to `digits` decimals (0.1 mm for metres by default), so scene graphs are stable and compact. */
function round(value: number, digits = 4): number {
  return Number(value.toFixed(digits)) || 0;
}

function roundVec(v: ArrayLike<number>): Vec3 {
  return [round(v[0]), round(v[1]), round(v[2])];
}
