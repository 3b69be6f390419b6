/**
 * Hard synthetic scenes: what real inputs look like, with the generator's exact truth kept.
 * - Layout: objects may overlap each other in the image (occluders, overlapping boxes) and run past
 *   the image border (cut by it), and the room is cluttered (more objects).
 * - Objects come as detector-like boxes only: each the bounding box of the object's visible pixels,
 *   every edge moved by up to ±5 % of the box's size (`boxJitter`).
 * - Depth is degraded like a sensor's: `kinect` (structured light: holes along depth edges, noise
 *   growing with the square of the distance, flying pixels between foreground and background) or
 *   `lidar` (rings of returns: beams every `LIDAR_ELEVATION_STEP` of elevation, a return every
 *   `LIDAR_AZIMUTH_STEP` of azimuth, about 4 % of the pixels, like a projected 64-beam lidar).
 * `generateHardScene` is a pure function of its options.
 */
import type { Box2D, DepthMap } from '@spatialforge/core';
import { Random } from './random.js';
import { type SceneOptions, type SyntheticScene, generateScene } from './scene.js';

export type HardDepth = 'kinect' | 'lidar';

export interface HardSceneOptions extends SceneOptions {
  /** How the depth is degraded. @defaultValue 'kinect' */
  sensor?: HardDepth;
  /** Largest move of each box edge, as a share of the box's width or height. @defaultValue 0.05 */
  boxJitter?: number;
}

/** A hard scene: the exact scene (its `depth` degraded) plus each object's detector-like box. */
export interface HardScene extends SyntheticScene {
  sensor: HardDepth;
  /** Per truth object (same order as `objects`): its jittered box in pixels, absent when none of it is visible. */
  boxes: (Box2D | undefined)[];
  /** Per truth object: its visible pixels in the exact render, and those with depth after degradation. */
  visiblePixels: number[];
  depthSamples: number[];
}

/** Layout overrides: overlaps up to 35 % of the smaller silhouette, up to 60 px past the border, 7-12 objects. */
export const HARD_RULES = { maxOverlap: 0.35, margin: -60 } as const;
const CLUTTER: [number, number] = [7, 12];

/** Kinect-like depth noise at 1 m, metres (it grows with depth², as a structured-light sensor's does). */
const KINECT_NOISE = 0.0015;
/** A depth jump between neighbours beyond this share of the depth is an edge: holes and flying pixels gather there. */
const EDGE_JUMP = 0.05;
const EDGE_HOLE_CHANCE = 0.5;
const FLYING_CHANCE = 0.15;
/** Beyond this range the sensor sees nothing, metres. */
const KINECT_RANGE = 8;

const LIDAR_ELEVATION_STEP = (1.0 * Math.PI) / 180;
const LIDAR_AZIMUTH_STEP = (0.3 * Math.PI) / 180;
/** Lidar range noise, metres (one standard deviation). */
const LIDAR_NOISE = 0.02;

export function generateHardScene(options: HardSceneOptions): HardScene {
  const rng = new Random(options.seed ^ 0x5f3759df);
  const sensor = options.sensor ?? 'kinect';
  const scene = clutteredScene(options, options.objectCount ?? rng.int(CLUTTER[0], CLUTTER[1]));
  const exact = scene.depth;
  const depth = sensor === 'lidar' ? lidarDepth(scene, rng) : kinectDepth(exact, rng);
  const jitter = options.boxJitter ?? 0.05;
  const boxes: (Box2D | undefined)[] = [];
  const visiblePixels: number[] = [];
  const depthSamples: number[] = [];
  for (const object of scene.objects) {
    let x0 = Infinity, y0 = Infinity, x1 = -1, y1 = -1, visible = 0;
    for (let p = 0; p < scene.instances.length; p++) {
      if (scene.instances[p] !== object.maskValue) continue;
      const u = p % scene.width, v = (p - u) / scene.width;
      visible++;
      if (u < x0) x0 = u;
      if (u > x1) x1 = u;
      if (v < y0) y0 = v;
      if (v > y1) y1 = v;
    }
    visiblePixels.push(visible);
    if (visible === 0) {
      boxes.push(undefined);
      depthSamples.push(0);
      continue;
    }
    x1 += 1;
    y1 += 1;
    const w = x1 - x0, h = y1 - y0;
    const move = (size: number) => rng.uniform(-jitter, jitter) * size;
    const box: Box2D = [
      clamp(x0 + move(w), 0, scene.width - 1), clamp(y0 + move(h), 0, scene.height - 1),
      clamp(x1 + move(w), 1, scene.width), clamp(y1 + move(h), 1, scene.height),
    ];
    if (box[2] <= box[0]) box[2] = Math.min(scene.width, box[0] + 1);
    if (box[3] <= box[1]) box[3] = Math.min(scene.height, box[1] + 1);
    boxes.push(box);
    let samples = 0;
    for (let v = Math.floor(box[1]); v < Math.ceil(box[3]); v++) {
      for (let u = Math.floor(box[0]); u < Math.ceil(box[2]); u++) if (depth.data[v * scene.width + u] > 0) samples++;
    }
    depthSamples.push(samples);
  }
  return { ...scene, depth, sensor, boxes, visiblePixels, depthSamples };
}

/** The scene with `objectCount` objects, or with fewer when the room cannot hold that many (a count asked for is kept). */
function clutteredScene(options: HardSceneOptions, objectCount: number): SyntheticScene {
  const rules = { ...HARD_RULES, ...options.rules };
  for (let count = objectCount; ; count--) {
    try {
      return generateScene({ ...options, objectCount: count, rules });
    } catch (err) {
      if (options.objectCount !== undefined || count <= CLUTTER[0]) throw err;
    }
  }
}

function clamp(value: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, value));
}

/** Structured-light depth: holes along depth edges, flying pixels there, noise ∝ depth², nothing beyond range. */
function kinectDepth(exact: DepthMap, rng: Random): DepthMap {
  const { width, height, data } = exact;
  const out = new Float32Array(data.length);
  for (let v = 0; v < height; v++) {
    for (let u = 0; u < width; u++) {
      const p = v * width + u;
      const z = data[p];
      if (!(z > 0) || z > KINECT_RANGE) continue;
      // The farthest neighbour across a depth edge (right or below): the background behind this pixel's edge.
      let far = z;
      if (u + 1 < width && data[p + 1] > far) far = data[p + 1];
      if (v + 1 < height && data[p + width] > far) far = data[p + width];
      if (u > 0 && data[p - 1] > far) far = data[p - 1];
      if (v > 0 && data[p - width] > far) far = data[p - width];
      if (far - z > EDGE_JUMP * z) {
        if (rng.chance(EDGE_HOLE_CHANCE)) continue;
        if (rng.chance(FLYING_CHANCE)) {
          out[p] = z + rng.next() * (far - z);
          continue;
        }
      }
      out[p] = Math.max(0.01, z + KINECT_NOISE * z * z * gaussian(rng));
    }
  }
  return { width, height, data: out };
}

/**
 * Lidar rings: a return per (beam elevation, azimuth step) direction, measured on the exact depth
 * at the pixel it falls on, with range noise. Directions are in the canonical frame (beams level with
 * the ground, as a roof-mounted lidar's), projected through the scene's camera.
 */
function lidarDepth(scene: SyntheticScene, rng: Random): DepthMap {
  const { width, height, camera } = scene;
  const { fx, fy, cx, cy } = camera.intrinsics;
  const r = camera.rotation;
  const out = new Float32Array(width * height);
  const reach = Math.atan(Math.max(width, height) / Math.min(fx, fy)) + LIDAR_ELEVATION_STEP;
  for (let elevation = -Math.PI / 2 + LIDAR_ELEVATION_STEP; elevation < Math.PI / 2; elevation += LIDAR_ELEVATION_STEP) {
    for (let azimuth = -reach; azimuth <= reach; azimuth += LIDAR_AZIMUTH_STEP) {
      // Canonical direction (x right, y forward, z up), then camera frame = rotationᵀ · direction.
      const dx = Math.cos(elevation) * Math.sin(azimuth), dy = Math.cos(elevation) * Math.cos(azimuth), dz = Math.sin(elevation);
      const x = r[0] * dx + r[3] * dy + r[6] * dz;
      const y = r[1] * dx + r[4] * dy + r[7] * dz;
      const z = r[2] * dx + r[5] * dy + r[8] * dz;
      if (z <= 1e-6) continue;
      const u = Math.round((fx * x) / z + cx), v = Math.round((fy * y) / z + cy);
      if (u < 0 || v < 0 || u >= width || v >= height) continue;
      const p = v * width + u;
      const exact = scene.depth.data[p];
      if (exact > 0) out[p] = Math.max(0.01, exact + LIDAR_NOISE * gaussian(rng));
    }
  }
  return { width, height, data: out };
}

/** A standard normal draw (Box-Muller). */
function gaussian(rng: Random): number {
  return Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
}
