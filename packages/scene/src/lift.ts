/**
 * The lift stage: an RGB-D frame with objects (masks or boxes) → a 3D scene graph in the canonical
 * frame. Pure and synchronous; a 640×480 frame allocates a few image-sized buffers, no per-point objects.
 */
import {
  axisAlignedBox, backProjectDepth, boxAtYaw, clustersNear, dbscan, estimateDepthNoise, largestCluster, minAreaRectangle, noiseOvershoot, ON_SURFACE_SIGMAS,
  statisticalOutliersOrganized, transformPoints, trimDepthNoise, voxelDownsample,
} from '@spatialforge/geometry';
import type { DepthNoise, OrganizedCloud } from '@spatialforge/geometry';
import type { Box2D, DroppedObject, Frame, ObjectInput, SceneGraph, SceneObject, Vec3 } from '@spatialforge/core';
import { findCanonicalFrame } from './canonical.js';
import type { CanonicalTransform } from './canonical.js';
import { BOX_SLACK, medianDepth, objectPixelsInBox } from './box-cluster.js';
import { ANY_OWNER, crowdDepthMode, depthPixelsInBox, dominantDepthMode, exclusiveSamples, frustumExtent, lastRowAtForward, levelBelow, medianCameraDepth, pixelRect, rangeNoise, rayAtForward, rayAtHeight, samplesInBox, withoutSupportSurface } from './sparse-box.js';
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
  /**
   * Boxes whose share of pixels with depth is below this are sparse (projected lidar, a subsampled
   * cloud): their object is lifted from the box's dominant depth mode and the box's frustum at that
   * depth instead of a dense cluster. @defaultValue 0.1
   */
  sparseDensity: number;
  /** Least unclaimed depth samples in a box for a sparse lift (or the fallback of a dense box whose cluster failed). @defaultValue 10 */
  minSparseSamples: number;
  /** Least share of a box's depth pixels owned by nearer objects for it to be flagged `occluded`. @defaultValue 0.3 */
  occludedShare: number;
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
  sparseDensity: 0.1,
  minSparseSamples: 10,
  occludedShare: 0.3,
});

/** A box within this many pixels of the image border is cut by it (`truncated`). */
const BORDER = 1;
/** Points above a box's top edge (at the object's far side) up to this share of the object's are strays, and are cut. */
const STRAY_SHARE = 0.15;
/** A box with this share of its area inside a larger box is resolved before it. */
const CONTAINED_SHARE = 0.7;
/**
 * Boxes that overlap by at most this share of the smaller one meet along an edge: what is seen there
 * tells whose it is. Deeper overlaps go nearest first.
 */
const EDGE_OVERLAP = 0.15;
/** The overlap's depth decides its owner when it is this much nearer one box's depth than the other's. */
const CLEAR_MATCH = 0.25;
/** A box is ordered on the part that overlaps no other box when that holds this share of its samples. */
const OWN_REGION_SHARE = 0.2;
/** Boxes are ordered nearest first on about this many of their pixels. */
const ORDER_SAMPLE = 2000;
/**
 * An object whose bottom is hidden is extended down to the support plane when the gap is at most
 * this many times its visible height (a hidden part not much larger than what is seen; a cup on a
 * table behind a box is not stretched to the floor).
 */
const MAX_EXTENSION_RATIO = 3;
/** Rows below an object's box (as a share of its height) where a nearer object hides its bottom. */
const BELOW_BAND = 0.15;
/**
 * A box whose bottom edge ends this close to the plane (metres, or this share of the object's
 * height) reaches it: the gap is the box's pixel rounding and the detector's jitter.
 */
const SUPPORT_CONTACT = 0.1;
const SUPPORT_CONTACT_SHARE = 0.2;
/** The near side moves to the box's bottom edge only by more than this share of the footprint's width, and these metres. */
const FRONT_GAP = 0.2;
const FRONT_MIN_GAP = 0.05;
/** Rows at the bottom of a box (share of its height) whose surface shows the height at its bottom edge. */
const FRONT_BAND = 0.1;
/** Least samples a sparse object's depth mode needs (its box has `minSparseSamples` or more). */
const MIN_MODE_SAMPLES = 3;

function supportContact(height: number): number {
  return Math.max(SUPPORT_CONTACT, SUPPORT_CONTACT_SHARE * height);
}

/** Lifts a frame to its scene graph. Throws nothing for a valid `Frame`; objects that fail are listed in `dropped`. */
export function liftFrame(frame: Frame, options: Partial<LiftOptions> = {}): SceneGraph {
  const opts: LiftOptions = { ...DEFAULT_LIFT_OPTIONS, ...options };
  const { width, height } = frame.depth;
  const cloud = backProjectDepth(frame.depth.data, width, height, frame.intrinsics);
  const noise = estimateDepthNoise(frame.depth.data, width, height);
  const pose = findCanonicalFrame(cloud, {
    distanceThreshold: opts.planeDistanceThreshold,
    iterations: opts.planeIterations,
    seed: opts.seed,
    maxTilt: opts.maxPlaneTilt,
    minInlierRatio: opts.minPlaneInlierRatio,
    sampleSize: opts.planeSampleSize,
    noise,
  });

  const { pixelsOf, labels, maskBoxes, sparse } = assignPixels(frame, cloud, pose, noise, opts);
  const lifted: SceneObject[] = [];
  const dropped: DroppedObject[] = [];
  frame.objects.forEach((object, index) => {
    const context: ObjectContext = { frame, noise, object, index, cloud, labels, pose, opts };
    let result = sparse[index]
      ? liftSparseObject(context, pixelsOf[index])
      : liftObject(context, pixelsOf[index], maskBoxes[index]);
    // A box whose dense cluster failed still holds an object if it has depth samples: lift it from them.
    if ('reason' in result && object.box && !object.mask) {
      const own = samplesInBox(cloud, object.box, labels, 1, index);
      const mode = dominantDepthMode(cloud, object.box, own, pose, opts.planeDistanceThreshold);
      if (own.length >= opts.minSparseSamples && mode.length >= MIN_MODE_SAMPLES) {
        for (const p of pixelsOf[index] ?? []) labels[p] = -1;
        for (const p of mode) labels[p] = index;
        result = liftSparseObject(context, mode);
      }
    }
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
 * Each object's pixels (with depth), a per-pixel owner image (object index, -1 for none) and which
 * objects are sparse. Masks claim their pixels first, in order (an overlap goes to the earlier mask).
 * Boxes are then resolved together, nearest first (by their dominant depth mode), so the nearer
 * object owns the overlap it hides: a dense box takes its cluster among the pixels left, a sparse
 * one (few pixels with depth) its share of the surfaces its samples left lie on (`crowdDepthMode`).
 */
function assignPixels(frame: Frame, cloud: OrganizedCloud, pose: CanonicalTransform, noise: DepthNoise, opts: LiftOptions) {
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
  const sparse = new Array<boolean>(frame.objects.length).fill(false);
  const boxes = frame.objects
    .map((object, index) => ({ object, index, depth: object.mask || !object.box ? NaN : boxDepth(cloud, object.box, labels, pose, opts, otherBoxes(frame, index)) }))
    .filter((entry) => !Number.isNaN(entry.depth));
  // Box objects not yet given their pixels.
  const waiting = new Set(boxes.map((entry) => entry.index));
  for (const { object, index } of resolutionOrder(boxes, (region) => boxDepth(cloud, region, labels, pose, opts))) {
    waiting.delete(index);
    const box = object.box!;
    const [x0, y0, x1, y1] = pixelRect(box, cloud.width, cloud.height);
    const withDepth = depthPixelsInBox(cloud, box);
    sparse[index] = withDepth < opts.sparseDensity * Math.max(1, (x1 - x0) * (y1 - y0)) || withDepth < opts.minObjectPoints;
    let pixels = sparse[index]
      ? new Int32Array(0)
      : objectPixelsInBox(cloud, box, otherBoxes(frame, index), labels, pose.plane, {
        planeDistance: opts.planeDistanceThreshold,
        clusterEps: opts.clusterEps,
        voxelSize: opts.voxelSize,
        minShare: opts.boxMinClusterShare,
        seed: opts.seed,
        noise,
      });
    if (sparse[index]) {
      // Few samples (lidar): the surfaces they lie on may run on into boxes still waiting (a crowd,
      // a cone before a car); the box takes its share of them.
      const rivals = [...waiting].map((k) => frame.objects[k].box!);
      pixels = crowdDepthMode(cloud, box, otherBoxes(frame, index), rivals, labels, pose, opts.planeDistanceThreshold);
    } else if (pixels.length < opts.minObjectPoints) {
      // No dense cluster (a book lying flat is lost with the table top's plane): the box's object is
      // still its dominant depth mode, lifted as a sparse one, before a larger box takes its pixels.
      sparse[index] = true;
      pixels = dominantDepthMode(cloud, box, samplesInBox(cloud, box, labels), pose, opts.planeDistanceThreshold);
    }
    for (const p of pixels) labels[p] = index;
    pixelsOf[index] = pixels;
  }
  return { pixelsOf, labels, maskBoxes, sparse };
}

/** The boxes of the frame's other box objects, pixels. */
function otherBoxes(frame: Frame, index: number): Box2D[] {
  return frame.objects.flatMap((object, k) => (k !== index && object.box && !object.mask ? [object.box] : []));
}

/**
 * The order boxes claim their pixels in: a box lying mostly inside a larger one goes first (what it
 * holds is on the larger object or before it: a mug on a table); where two boxes meet along an edge,
 * the one whose depth clearly is that of what is seen in the overlap owns it and goes first (a night
 * stand beside a bed); otherwise nearest first. `depthOf` is the dominant depth of a region, metres.
 */
function resolutionOrder<T extends { object: ObjectInput; index: number; depth: number }>(boxes: T[], depthOf: (region: Box2D) => number): T[] {
  const left = [...boxes].sort((a, b) => a.depth - b.depth || a.index - b.index);
  // waitsFor.get(b).has(a): a owns its overlap with b, so b waits for a.
  const waitsFor = new Map<T, Set<T>>(left.map((b) => [b, new Set<T>()]));
  for (let i = 0; i < left.length; i++) {
    for (let j = i + 1; j < left.length; j++) {
      const [a, b] = [left[i].object.box!, left[j].object.box!];
      const overlap: Box2D = [Math.max(a[0], b[0]), Math.max(a[1], b[1]), Math.min(a[2], b[2]), Math.min(a[3], b[3])];
      if (overlap[2] <= overlap[0] || overlap[3] <= overlap[1]) continue;
      const area = (r: Box2D) => (r[2] - r[0]) * (r[3] - r[1]);
      const overlapArea = area(overlap);
      let aOwns: boolean;
      // A box lying mostly inside the other holds what is on it or before it (a mug on a table).
      const smaller = Math.min(area(a), area(b));
      if (overlapArea >= CONTAINED_SHARE * smaller) aOwns = area(a) < area(b);
      else if (overlapArea > EDGE_OVERLAP * smaller) continue;
      else {
        const seen = depthOf(overlap);
        const [toA, toB] = [Math.abs(seen - left[i].depth), Math.abs(seen - left[j].depth)];
        // Only a clear match decides; otherwise the nearer goes first.
        if (!Number.isFinite(seen) || Math.min(toA, toB) > CLEAR_MATCH * Math.max(toA, toB)) continue;
        aOwns = toA < toB;
      }
      waitsFor.get(aOwns ? left[j] : left[i])!.add(aOwns ? left[i] : left[j]);
    }
  }
  const order: T[] = [];
  while (left.length > 0) {
    // The nearest box waiting for none still left; the nearest of all where ownership goes round in a circle.
    const free = left.findIndex((b) => ![...waitsFor.get(b)!].some((a) => left.includes(a)));
    order.push(...left.splice(Math.max(0, free), 1));
  }
  return order;
}

/**
 * The nearest-first sort key of a box: the median depth of its dominant depth mode on a subsample,
 * metres. Read where the box overlaps none of `others` when enough of it does not: where boxes
 * overlap, the nearer object's depth shows in both (a chair's backrest before a table).
 */
function boxDepth(cloud: OrganizedCloud, box: Box2D, labels: Int32Array, pose: CanonicalTransform, opts: LiftOptions, others: readonly Box2D[] = []): number {
  const [x0, y0, x1, y1] = pixelRect(box, cloud.width, cloud.height);
  const stride = Math.max(1, Math.floor(Math.sqrt(((x1 - x0) * (y1 - y0)) / ORDER_SAMPLE)));
  const samples = samplesInBox(cloud, box, labels, stride);
  const { width } = cloud;
  const own = samples.filter((p) => {
    const u = p % width, v = (p - u) / width;
    return !others.some((o) => u >= o[0] && u < o[2] && v >= o[1] && v < o[3]);
  });
  const mode = dominantDepthMode(cloud, box, own.length >= OWN_REGION_SHARE * samples.length ? own : samples, pose, opts.planeDistanceThreshold);
  return mode.length > 0 ? medianCameraDepth(cloud.positions, mode) : Infinity;
}

/** What lifting one object reads. */
interface ObjectContext {
  frame: Frame;
  /** The depth's noise. */
  noise: DepthNoise;
  object: ObjectInput;
  index: number;
  cloud: OrganizedCloud;
  labels: Int32Array;
  pose: CanonicalTransform;
  opts: LiftOptions;
}

function liftObject(context: ObjectContext, pixels: Int32Array | undefined, maskBox: Box2D | undefined): SceneObject | DroppedObject {
  const { frame, object, index, cloud, labels, pose, opts } = context;
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
  // Extents from the points reach past the surface by the depth noise along the rays (see trimDepthNoise).
  const depth = medianCameraDepth(positions, objectPixels);
  const sigma = context.noise.sigmaAt(depth);
  const rawObb = boxAtYaw(objectPoints, minAreaRectangle(clusterXY).angle);
  const ray = rawObb.centre.map((c, k) => c - pose.translation[k]);
  const rayLength = Math.hypot(...ray) || 1;
  for (let k = 0; k < 3; k++) ray[k] /= rayLength;
  const obb = trimDepthNoise(rawObb, sigma, ray);
  const { min, max } = axisAlignedBox(objectPoints);
  for (const [k, ax, ay] of [[0, 1, 0], [1, 0, 1]]) {
    const trim = Math.min((max[k] - min[k]) / 4, noiseOvershoot(sigma, ray, ax, ay));
    min[k] += trim;
    max[k] -= trim;
  }
  // A box is the object's outline: where its bottom edge, at the object's nearest point, meets the
  // plane, the object reaches down to it (a table's thin legs, a lamp's pole, lost to denoising).
  const box = object.mask ? undefined : object.box;
  const boxBottom = box && pose.canonical ? rayAtForward((box[0] + box[2]) / 2, box[3], min[1], frame.intrinsics, pose)[2] : Infinity;
  const visibleHeight = max[2] - min[2];
  // Its top checked against the box's top edge at its depth: points above it are what stands on the
  // object (a vase on a table whose foot the vase's own box lost), not the object.
  let topFromBox: number | undefined;
  if (box && pose.canonical) {
    const [u0, v0, u1] = box;
    const far = rayAtForward((u0 + u1) / 2, v0, max[1], frame.intrinsics, pose);
    const topEdge = far[2] < pose.translation[2] ? far[2] : rayAtForward((u0 + u1) / 2, v0, min[1], frame.intrinsics, pose)[2];
    // Only a few points above it are strays; many are the object's own (a chair's back rising at its near side).
    let above = 0;
    for (let k = 0; k < count; k++) if (objectPoints[3 * k + 2] > topEdge + supportContact(visibleHeight)) above++;
    if (max[2] - topEdge > supportContact(visibleHeight) && topEdge > min[2] && above <= STRAY_SHARE * count) {
      topFromBox = max[2] - topEdge;
      max[2] = topEdge;
    }
  }
  // A flat top (a table's, a counter's) with a few points a little above it: the feet of what
  // stands on it that their own boxes cut short, and its surface's noise. The top is the flat top.
  if (box && pose.canonical && topFromBox === undefined) {
    const band = Math.max(opts.planeDistanceThreshold * Math.max(1, depth / 2), ON_SURFACE_SIGMAS * context.noise.sigmaAt(depth));
    const top = flatTop(objectPoints, count, band);
    if (top !== undefined && max[2] - top > band) {
      topFromBox = max[2] - top;
      max[2] = top;
    }
  }
  return finishObject(context, {
    min, max, obb, pointCount: count, colourPixels: objectPixels, box2d: object.box ?? maskBox!,
    depth,
    boxReachesSupport: boxBottom <= supportContact(visibleHeight),
    topFromBox,
  });
}

/** Points of an object whose heights are looked at for its flat top, about. */
const FLAT_TOP_SAMPLE = 4000;
/** A flat top holds at least this share of an object's points within a noise band of its height. */
const FLAT_TOP_SHARE = 0.1;

/**
 * The height (canonical metres) of an object's flat top: the highest band `band` metres deep that
 * holds FLAT_TOP_SHARE of its `pointCount` points (packed canonical xyz), when at most STRAY_SHARE of them lie
 * above it (the median height of its points); undefined when there is none (a chair's back rises well
 * above its seat, and is its own).
 */
function flatTop(points: Float32Array, pointCount: number, band: number): number | undefined {
  // A few thousand of the points, evenly spread, show the heights as well as all of them.
  const stride = Math.max(1, Math.floor(pointCount / FLAT_TOP_SAMPLE));
  const count = Math.ceil(pointCount / stride);
  const heights = new Float32Array(count);
  for (let k = 0; k < count; k++) heights[k] = points[3 * k * stride + 2];
  heights.sort();
  // From the top down: the first point whose band below it holds enough points.
  for (let hi = count - 1, lo = count - 1; hi >= 0 && count - 1 - hi <= STRAY_SHARE * count; hi--) {
    while (lo > 0 && heights[lo - 1] >= heights[hi] - band) lo--;
    if (hi - lo + 1 >= FLAT_TOP_SHARE * count) return heights[(lo + hi) >> 1];
  }
  return undefined;
}

/**
 * A box object from the few depth samples of its dominant depth mode (`pixels`): its extent from the
 * samples and its box through the camera (`frustumExtent`: the top and far side from the rings of
 * returns and the box's top edge), its bottom on the level seen just below its box, or on the support
 * where what it stands on is out of view.
 */
function liftSparseObject(context: ObjectContext, modePixels: Int32Array | undefined): SceneObject | DroppedObject {
  const { object, index, cloud, pose, opts, frame } = context;
  const box = object.box!;
  let pixels = modePixels;
  // Whether it is lifted from fewer samples of its own than a mode needs.
  let fewOwn = false;
  if (!pixels || pixels.length < MIN_MODE_SAMPLES) {
    // Too few samples of its own: the dominant mode of those in its exclusive region (in no other
    // box), whoever took them. Else that of all its box's samples, then of them with the plane's
    // (every sample left to it is taken by nearer objects or lies on the plane: a book flat on the
    // floor), unless its own few lie before it: an object before a larger one's surface (a cone
    // before a car's side) shows as a few returns in front of it, while those behind are seen past it.
    const exclusive = dominantDepthMode(cloud, box, exclusiveSamples(cloud, box, otherBoxes(frame, index)), pose, opts.planeDistanceThreshold);
    if (exclusive.length >= MIN_MODE_SAMPLES) pixels = exclusive;
    else {
      const all = samplesInBox(cloud, box, context.labels, 1, ANY_OWNER);
      let filling = dominantDepthMode(cloud, box, all, pose, opts.planeDistanceThreshold);
      if (filling.length < MIN_MODE_SAMPLES) filling = dominantDepthMode(cloud, box, all, { ...pose, plane: undefined }, opts.planeDistanceThreshold);
      fewOwn = pixels !== undefined && pixels.length > 0 && !(medianCameraDepth(cloud.positions, pixels) >= medianCameraDepth(cloud.positions, filling));
      if (!fewOwn) pixels = filling;
    }
  }
  if (!pixels || pixels.length === 0) {
    return { id: object.id, label: object.label, reason: 'no-cluster', detail: 'no depth sample in the box lies off the support plane' };
  }
  const inBox = depthPixelsInBox(cloud, box);
  if (inBox < opts.minSparseSamples) {
    return { id: object.id, label: object.label, reason: 'too-few-points', detail: `${inBox} depth samples in the box; at least ${opts.minSparseSamples} are needed` };
  }
  if (pixels.length < MIN_MODE_SAMPLES && !fewOwn) {
    return {
      id: object.id, label: object.label, reason: 'too-few-points',
      detail: `${pixels.length} depth samples in the box's dominant depth mode; at least ${MIN_MODE_SAMPLES} are needed`,
    };
  }
  const points = new Float32Array(pixels.length * 3);
  for (let k = 0; k < pixels.length; k++) points.set(cloud.positions.subarray(3 * pixels[k], 3 * pixels[k] + 3), 3 * k);
  transformPoints(points, pose.rotation, pose.translation, points);
  const objectPoints = pose.canonical ? withoutSupportSurface(points, box, frame.intrinsics, pose) : points;
  const depth = medianCameraDepth(cloud.positions, pixels);
  let lowest = Infinity;
  for (let k = 2; k < objectPoints.length; k += 3) lowest = Math.min(lowest, objectPoints[k]);
  // Height noise (metres): three times the range noise along rays coming down at the object's
  // depression, and a pixel's rounding at its depth.
  const heightNoise = 3 * rangeNoise(cloud) * Math.min(1, Math.max(0, pose.translation[2] - lowest) / depth) + depth / frame.intrinsics.fy;
  const { min, max, ringStep } = frustumExtent(objectPoints, box, frame.intrinsics, pose, heightNoise);
  // Pixel rows from one ring of returns to the next at the object (1 where the samples show no rings).
  const ringRows = Number.isNaN(ringStep) ? 1 : ringStep * frame.intrinsics.fy;
  // No ring fits between the object's lowest row in view and the image's bottom edge: what it stands
  // on is out of view. Its face may go on under its box (whose bottom edge the detector drew short).
  const faceEnd = pose.canonical ? lastRowAtForward(cloud, box, pose, 1.5 * ringRows, min[1], heightNoise) : -1;
  const bottomOutOfView = Math.max(box[3], faceEnd + 1) + ringRows >= cloud.height;
  if (pose.canonical && !bottomOutOfView) {
    // The level seen just below the box, in front of the object's foot and no higher than its lowest
    // sample, is what it stands on when the box's bottom edge comes down to it (or past it: the
    // samples missed a foot lying flat, a laptop's base): its bottom is that level, and its near side
    // comes forward to where the bottom edge meets it.
    const level = levelBelow(cloud, box, pose, 1.5 * ringRows, lowest + heightNoise, min[1] + heightNoise, heightNoise, min[2]);
    if (level !== undefined && min[2] <= level + supportContact(max[2] - min[2])) {
      const contact = rayAtHeight((box[0] + box[2]) / 2, box[3], level, frame.intrinsics, pose);
      const footprintWidth = max[0] - min[0];
      // Only by more than the detector's jitter could explain, and no deeper than the footprint is wide.
      if (contact && min[1] - contact[1] > Math.max(FRONT_MIN_GAP, FRONT_GAP * footprintWidth)) {
        min[1] = Math.max(contact[1], max[1] - Math.max(footprintWidth, max[1] - min[1]));
      }
      min[2] = level;
    }
  }
  // The box's bottom edge a little below the plane at the face's distance: the object stands on the
  // plane, a little nearer. Far below, the ground is not the plane there (a road dipping away): the box holds.
  if (pose.canonical && min[2] < 0 && -min[2] <= supportContact(max[2] - min[2])) min[2] = 0;
  const size: Vec3 = [max[0] - min[0], max[1] - min[1], max[2] - min[2]];
  const obb = {
    centre: [(min[0] + max[0]) / 2, (min[1] + max[1]) / 2, (min[2] + max[2]) / 2] as Vec3,
    size: (size[0] >= size[1] ? size : [size[1], size[0], size[2]]) as Vec3,
    yaw: size[0] >= size[1] ? 0 : Math.PI / 2,
  };
  return finishObject(context, {
    min, max, obb, pointCount: pixels.length, colourPixels: pixels, box2d: box, depth, sparse: true,
    boxReachesSupport: bottomOutOfView || min[2] <= supportContact(max[2] - min[2]),
  });
}

interface MeasuredObject {
  /** Canonical axis-aligned box, metres (adjusted in place for the amodal extent). */
  min: Vec3Like;
  max: Vec3Like;
  obb: { centre: ArrayLike<number>; size: ArrayLike<number>; yaw: number };
  pointCount: number;
  colourPixels: Int32Array;
  box2d: Box2D;
  /** Median depth of its pixels along the optical axis, metres. */
  depth: number;
  sparse?: boolean;
  /** Whether its box's bottom edge reaches the support plane where the object is. */
  boxReachesSupport: boolean;
  /** Metres its top was lowered to its box's top edge. */
  topFromBox?: number;
}

type Vec3Like = [number, number, number] | Float64Array | Float32Array | number[];

/**
 * The scene object from its measured box: flags it `truncated` (its box at the image border) or
 * `occluded` (nearer objects own a large share of its box's depth pixels), and extends its bottom to
 * the support plane where it is hidden (cut by the image's bottom edge, or a nearer object rising
 * above its bottom covers the rows around its box's bottom edge) or where its box's bottom edge
 * reaches the plane.
 */
function finishObject(context: ObjectContext, measured: MeasuredObject): SceneObject {
  const { frame, object, index, cloud, labels, pose, opts } = context;
  const { min, max, box2d, depth } = measured;
  const { width, height, positions } = cloud;
  const truncated = box2d[0] <= BORDER || box2d[1] <= BORDER || box2d[2] >= width - BORDER || box2d[3] >= height - BORDER;
  const [x0, y0, x1, y1] = pixelRect(box2d, width, height);
  const band = Math.max(1, Math.round(BELOW_BAND * (y1 - y0)));
  // Share of the depth pixels in rows [r0, r1) of the box that nearer objects own, counting only
  // those rising above `aboveZ` (canonical metres): what the object stands on is below its bottom, an
  // occluder hiding its bottom rises above it.
  const [r6, r7, r8] = [pose.rotation[6], pose.rotation[7], pose.rotation[8]];
  const nearerShare = (r0: number, r1: number, aboveZ: number) => {
    let valid = 0, nearer = 0;
    for (let v = Math.max(0, r0); v < Math.min(height, r1); v++) {
      for (let u = x0, p = v * width + x0; u < x1; u++, p++) {
        const o = 3 * p;
        if (!(positions[o + 2] > 0)) continue;
        valid++;
        const owner = labels[p];
        if (owner < 0 || owner === index || positions[o + 2] >= depth) continue;
        if (r6 * positions[o] + r7 * positions[o + 1] + r8 * positions[o + 2] + pose.translation[2] > aboveZ) nearer++;
      }
    }
    return valid === 0 ? 0 : nearer / valid;
  };
  const contact = opts.planeDistanceThreshold * Math.max(1, depth / 2);
  const occluded = nearerShare(y0, y1, -Infinity) >= opts.occludedShare || hiddenOutline(context, box2d, depth, min[2] + contact) >= HIDDEN_OUTLINE;
  const bottomHidden = box2d[3] >= height - BORDER || nearerShare(y1 - band, y1 + band, min[2] + contact) >= opts.occludedShare;
  const visibleHeight = max[2] - min[2];
  const gap = min[2];
  let extendedToSupport: number | undefined;
  // A hidden bottom reaches down to the highest surface seen under the object's footprint (a table
  // top around a cup behind a box), or to the support plane when what hides it hides that too (a
  // lamp's pole and foot behind a sofa).
  const support = pose.canonical && bottomHidden ? surfaceUnder(context, min, max, contact) : 0;
  if (pose.canonical && bottomHidden && min[2] > support) {
    extendedToSupport = min[2] - support;
    min[2] = support;
  } else if (pose.canonical && gap > 0 && measured.boxReachesSupport && gap <= MAX_EXTENSION_RATIO * visibleHeight) {
    extendedToSupport = gap;
    min[2] = 0;
  } else if (pose.canonical && !object.mask && !measured.sparse && !bottomHidden) {
    // The box's bottom rows show the surface it stands on (a table top under a desk lamp whose thin
    // foot and pole the depth lost), around its footprint: its bottom reaches down to it.
    const reach = Math.max(max[0] - min[0], max[1] - min[1]);
    const surface = bottomRowsHeight(context, box2d, min[1] - reach, max[1] + reach);
    const down = surface === undefined ? 0 : min[2] - surface;
    // A small gap is the band of points taken for the surface when it was removed: the object stands on it.
    if ((down > supportContact(visibleHeight) && down <= MAX_EXTENSION_RATIO * visibleHeight) || (down > 0 && down <= 2 * contact)) {
      extendedToSupport = down;
      min[2] = surface!;
    }
  }
  const frontFromBox = object.mask || measured.sparse || bottomHidden || !pose.canonical ? undefined : frontFromBottomEdge(context, box2d, min, max);
  const centre: Vec3 = [(min[0] + max[0]) / 2, (min[1] + max[1]) / 2, (min[2] + max[2]) / 2];
  const obbSize: Vec3 = [measured.obb.size[0], measured.obb.size[1], max[2] - min[2]];
  const obbCentre: Vec3 = [measured.obb.centre[0], measured.obb.centre[1], centre[2]];
  const camera = pose.translation;
  const distance = Math.hypot(centre[0] - camera[0], centre[1] - camera[1], centre[2] - camera[2]);
  return {
    id: object.id,
    label: object.label,
    colour: dominantColour(frame.rgb.data, measured.colourPixels),
    name: object.label,
    centre: roundVec(centre),
    size: roundVec([max[0] - min[0], max[1] - min[1], max[2] - min[2]]),
    min: roundVec(min),
    max: roundVec(max),
    obb: { centre: roundVec(obbCentre), size: roundVec(obbSize), yaw: round(measured.obb.yaw) },
    pointCount: measured.pointCount,
    box2d,
    distanceFromCamera: round(distance),
    ...(object.score !== undefined ? { score: object.score } : {}),
    ...(truncated ? { truncated } : {}),
    ...(occluded ? { occluded } : {}),
    ...(extendedToSupport !== undefined ? { extendedToSupport: round(extendedToSupport) } : {}),
    ...(measured.topFromBox !== undefined ? { topFromBox: round(measured.topFromBox) } : {}),
    ...(frontFromBox !== undefined ? { frontFromBox: round(frontFromBox) } : {}),
    ...(measured.sparse ? { sparseDepth: { samples: measured.pointCount, depth: round(depth) } } : {}),
  };
}

/** An object is occluded when nearer objects border this share of its outline (where depth shows what borders it): it goes on behind them. */
const HIDDEN_OUTLINE = 0.25;

/**
 * The share of an object's outline (its box's four sides, a detector's box being its visible
 * outline) where a nearer object begins just beyond it: there the object may go on, hidden. Along
 * each side, per row or column, the first pixel with depth past the object's own (a box cut short
 * leaves some beyond it) within the slack tells: hidden when another object owns it, nearer than `depth` (metres along the optical axis) and
 * rising above `aboveZ` (canonical metres, the object's bottom: what it stands on hides nothing).
 * Rows and columns where no pixel with depth is found say nothing.
 */
function hiddenOutline(context: ObjectContext, box: Box2D, depth: number, aboveZ: number): number {
  const { cloud, labels, index, pose } = context;
  const [r6, r7, r8] = [pose.rotation[6], pose.rotation[7], pose.rotation[8]];
  const { width, height, positions } = cloud;
  const [x0, y0, x1, y1] = pixelRect(box, width, height);
  let hidden = 0, seen = 0;
  const look = (u: number, v: number, du: number, dv: number, reach: number) => {
    for (let k = 0; k <= reach; k++, u += du, v += dv) {
      if (u < 0 || v < 0 || u >= width || v >= height) return;
      const p = v * width + u, o = 3 * p, owner = labels[p];
      if (owner === index || !(positions[o + 2] > 0)) continue;
      if (owner >= 0 && positions[o + 2] < depth && r6 * positions[o] + r7 * positions[o + 1] + r8 * positions[o + 2] + pose.translation[2] > aboveZ) hidden++;
      else seen++;
      return;
    }
  };
  const sx = Math.round(BOX_SLACK * (x1 - x0)) + 1, sy = Math.round(BOX_SLACK * (y1 - y0)) + 1;
  for (let v = y0; v < y1; v++) {
    look(x0 - 1, v, -1, 0, sx);
    look(x1, v, 1, 0, sx);
  }
  for (let u = x0; u < x1; u++) {
    look(u, y0 - 1, 0, -1, sy);
    look(u, y1, 0, 1, sy);
  }
  return hidden + seen === 0 ? 0 : hidden / (hidden + seen);
}

/**
 * Brings the near side (`min[1]`, canonical metres, adjusted in place) forward to where the box's
 * bottom edge, the object's nearest bottom edge when its bottom is in view and the surface seen there
 * is at its bottom's height, comes down to that height, when the depth misses that part (a laptop's base flat on the table, a thin shelf).
 * Only by more than the detector's jitter could explain (FRONT_GAP of the footprint's width, at least
 * FRONT_MIN_GAP), and no deeper than the footprint is wide: a footprint is seldom deeper than that.
 * Returns the metres moved, undefined when unchanged.
 */
function frontFromBottomEdge(context: ObjectContext, box: Box2D, min: Vec3Like, max: Vec3Like): number | undefined {
  // The surface seen along the box's bottom rows must be at the object's bottom: otherwise its own
  // bottom part is missing (a monitor's foot lost with the table top) and the edge is not at that height.
  const surface = bottomRowsHeight(context, box, -Infinity, Infinity);
  if (surface === undefined || Math.abs(surface - min[2]) > supportContact(max[2] - min[2])) return undefined;
  const contact = rayAtHeight((box[0] + box[2]) / 2, box[3], min[2], context.frame.intrinsics, context.pose);
  if (!contact) return undefined;
  const footprintWidth = max[0] - min[0];
  const near = Math.max(contact[1], max[1] - Math.max(footprintWidth, max[1] - min[1]));
  const gap = min[1] - near;
  if (gap <= Math.max(FRONT_MIN_GAP, FRONT_GAP * footprintWidth)) return undefined;
  min[1] = near;
  return gap;
}

/** Points of a surface under an object, at least. */
const MIN_SURFACE_POINTS = 20;
/** The footprint looked under, grown by this share of its size on each side (at least FOOTPRINT_MIN_MARGIN metres). */
const FOOTPRINT_MARGIN = 0.25;
const FOOTPRINT_MIN_MARGIN = 0.05;
/** A surface an object stands on spreads at least as wide as its footprint (a pole under a shade does not, nor a chair's seat under a table). */
const SURFACE_SPREAD = 1;

/**
 * Canonical height (metres) of the highest surface the depth shows under an object's footprint
 * (`min`/`max`, canonical metres, grown a little) and below its bottom: the highest band of `band`
 * metres holding MIN_SURFACE_POINTS points spread as wide as the footprint and around its centre,
 * among the pixels of the box's columns from its top down (what is under an object lower than the
 * camera is seen below it in the image). 0 (the support plane) when none is.
 */
function surfaceUnder(context: ObjectContext, min: Vec3Like, max: Vec3Like, band: number): number {
  const { cloud, pose, labels, index } = context;
  const { width, positions } = cloud;
  const [u0, v0, u1] = pixelRect(context.object.box ?? [0, 0, width, cloud.height], width, cloud.height);
  const mx = Math.max(FOOTPRINT_MIN_MARGIN, FOOTPRINT_MARGIN * (max[0] - min[0])), my = Math.max(FOOTPRINT_MIN_MARGIN, FOOTPRINT_MARGIN * (max[1] - min[1]));
  const below = min[2] - band;
  if (!(below > 0)) return 0;
  // The points under the footprint, in height bins half the band deep: count and horizontal extent.
  const half = band / 2;
  const bins = Math.ceil(below / half);
  const count = new Int32Array(bins);
  const extent = new Float64Array(4 * bins).fill(NaN); // x0, x1, y0, y1 per bin
  const r = pose.rotation, t = pose.translation;
  const widen = u1 - u0;
  const ua = Math.max(0, u0 - widen), ub = Math.min(width, u1 + widen);
  for (let v = v0; v < cloud.height; v++) {
    for (let u = ua, p = v * width + ua; u < ub; u++, p++) {
      const o = 3 * p, x = positions[o], y = positions[o + 1], z = positions[o + 2];
      if (!(z > 0) || labels[p] === index) continue;
      const cz = r[6] * x + r[7] * y + r[8] * z + t[2];
      if (!(cz >= 0 && cz < below)) continue;
      const cx = r[0] * x + r[1] * y + r[2] * z + t[0], cy = r[3] * x + r[4] * y + r[5] * z + t[1];
      if (cx < min[0] - mx || cx > max[0] + mx || cy < min[1] - my || cy > max[1] + my) continue;
      const bin = Math.min(bins - 1, Math.floor(cz / half)), e = 4 * bin;
      if (count[bin]++ === 0) extent.set([cx, cx, cy, cy], e);
      else {
        extent[e] = Math.min(extent[e], cx); extent[e + 1] = Math.max(extent[e + 1], cx);
        extent[e + 2] = Math.min(extent[e + 2], cy); extent[e + 3] = Math.max(extent[e + 3], cy);
      }
    }
  }
  // From the top down: the first band (two bins) with enough points, spread as wide as the footprint
  // and around its centre (a surface the object stands on lies around it; a neighbour's beside it does not).
  const spread = SURFACE_SPREAD * Math.max(max[0] - min[0], max[1] - min[1]);
  const [cx, cy] = [(min[0] + max[0]) / 2, (min[1] + max[1]) / 2];
  for (let top = bins - 1; top >= 0; top--) {
    let n = 0, x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
    for (let bin = Math.max(0, top - 1); bin <= top; bin++) {
      if (count[bin] === 0) continue;
      n += count[bin];
      x0 = Math.min(x0, extent[4 * bin]); x1 = Math.max(x1, extent[4 * bin + 1]);
      y0 = Math.min(y0, extent[4 * bin + 2]); y1 = Math.max(y1, extent[4 * bin + 3]);
    }
    if (n >= MIN_SURFACE_POINTS && Math.max(x1 - x0, y1 - y0) >= spread && x0 <= cx && cx <= x1 && y0 <= cy && cy <= y1) return top * half;
  }
  return 0;
}

/**
 * Median canonical height (metres) of what the depth shows in the bottom rows of a box (FRONT_BAND
 * of its height, at least 2 rows), counting the pixels whose forward distance is within [y0, y1];
 * undefined when none is.
 */
function bottomRowsHeight(context: ObjectContext, box: Box2D, y0: number, y1: number): number | undefined {
  const { cloud, pose } = context;
  const [u0, v0, u1, v1] = pixelRect(box, cloud.width, cloud.height);
  const heights: number[] = [];
  const r = pose.rotation, t = pose.translation;
  for (let v = Math.max(v0, v1 - Math.max(2, Math.round(FRONT_BAND * (v1 - v0)))); v < v1; v++) {
    for (let u = u0, o = 3 * (v * cloud.width + u0); u < u1; u++, o += 3) {
      const [x, y, z] = [cloud.positions[o], cloud.positions[o + 1], cloud.positions[o + 2]];
      if (!(z > 0)) continue;
      const forward = r[3] * x + r[4] * y + r[5] * z + t[1];
      if (forward >= y0 && forward <= y1) heights.push(r[6] * x + r[7] * y + r[8] * z + t[2]);
    }
  }
  if (heights.length === 0) return undefined;
  heights.sort((a, b) => a - b);
  return heights[heights.length >> 1];
}

/** Rounds to `digits` decimals (0.1 mm for metres by default), so scene graphs are stable and compact. */
function round(value: number, digits = 4): number {
  return Number(value.toFixed(digits)) || 0;
}

function roundVec(v: ArrayLike<number>): Vec3 {
  return [round(v[0]), round(v[1]), round(v[2])];
}
