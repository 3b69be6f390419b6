/**
 * Synthetic robot episodes for reward annotation: a fixed camera watches a table on which a gripper
 * (object A) moves in a straight line towards an orange bottle (object B) and stops beside it, a
 * small gap away. Every frame is a full SyntheticScene; `truth` holds the true A–B distances per frame.
 */
import { type Intrinsics, type Vec3, stableHash } from '@spatialforge/core';
import { cameraPose, defaultIntrinsics } from './camera.js';
import { FLOOR_LABELS, GRIPPER, SOLID_TABLE, TABLE, TABLE_LABELS, TARGET_BOTTLE } from './catalog.js';
import { Layout, type Placed } from './layout.js';
import type { ColourName } from './palette.js';
import { Random } from './random.js';
import { DEFAULT_RULES, type SyntheticScene, type TruthObject, drawRoom, renderScene } from './scene.js';
import type { Silhouette } from './silhouette.js';

export interface EpisodeOptions {
  seed: number;
  /** Frames in the episode (2-1000). */
  frames: number;
  /** @defaultValue 640 × 480 */
  width?: number;
  height?: number;
  /** @defaultValue as generateScene */
  intrinsics?: Intrinsics;
  /** Gap between the surfaces of A and B in the last frame, metres. @defaultValue 0.01 */
  finalGap?: number;
  /** Other objects in the scene, never in A's way. @defaultValue drawn from 1-3 */
  distractors?: number;
  /** @defaultValue 3 */
  rgbNoise?: number;
  /** @defaultValue 0 */
  depthNoise?: number;
  /** @defaultValue 10 */
  maxDepth?: number;
}

/** One of the two objects the reward is about. */
export interface EpisodeObject {
  /** Its id in every frame's truth and frame manifest. */
  id: string;
  label: string;
  colour: ColourName;
  /** How a user names it to the reward tool: "gripper", "orange bottle". */
  phrase: string;
}

/** True distances between A and B in one frame, canonical frame, metres. */
export interface EpisodeFrameTruth {
  index: number;
  /** Between the centres of their axis-aligned boxes. */
  centerDistance: number;
  /** Between their axis-aligned boxes (0 when they overlap); in the last frame also the true surface gap. */
  gap: number;
}

export interface SyntheticEpisode {
  id: string;
  a: EpisodeObject;
  b: EpisodeObject;
  frames: SyntheticScene[];
  truth: EpisodeFrameTruth[];
}

const LAYOUT_ATTEMPTS = 80;
const CANDIDATES = 200;
/** The gripper's own box (length along x, width, height), metres. */
const GRIPPER_SIZE: Vec3 = [0.1, 0.09, 0.11];

export function generateEpisode(options: EpisodeOptions): SyntheticEpisode {
  const { seed, frames } = options;
  if (!Number.isInteger(frames) || frames < 2 || frames > 1000) throw new RangeError(`generateEpisode: frames ${frames} must be an integer from 2 to 1000`);
  const width = options.width ?? 640;
  const height = options.height ?? 480;
  const finalGap = options.finalGap ?? 0.01;
  if (!(finalGap >= 0 && finalGap < 0.3)) throw new RangeError(`generateEpisode: finalGap ${finalGap} must be from 0 to 0.3 m`);
  const rng = new Random(seed);
  const distractorCount = options.distractors ?? rng.int(1, 3);
  const intrinsics = options.intrinsics ?? defaultIntrinsics(width, height);
  const rules = { ...DEFAULT_RULES, minPixels: (DEFAULT_RULES.minPixels * width) / 640 };

  for (let attempt = 0; attempt < LAYOUT_ATTEMPTS; attempt++) {
    const camera = cameraPose(intrinsics, rng.uniform(1.3, 1.7), rng.uniform((28 * Math.PI) / 180, (42 * Math.PI) / 180));
    const layout = new Layout(camera, drawRoom(rng), width, height, rules);
    // A table near the camera, roughly facing it, with the bottle on it.
    const table = layout.place(CANDIDATES, () => {
      const base = layout.randomFloorPoint(rng);
      if (!base || base[1] > 2.2) return undefined;
      return layout.candidate(rng, rng.chance(0.5) ? TABLE : SOLID_TABLE, base, -1, { yaw: rng.uniform(-0.15, 0.15) });
    });
    if (!table) continue;
    const bottle = layout.place(CANDIDATES, () => layout.onTable(rng, TARGET_BOTTLE, 0));
    if (!bottle) continue;
    const path = gripperPath(rng, layout, bottle, frames, finalGap);
    if (!path) continue;
    let reserved: Silhouette | undefined;
    for (const pose of path) reserved = reserved ? reserved.union(layout.silhouetteOf(pose)) : layout.silhouetteOf(pose);
    layout.reserved.push(reserved!);
    if (!placeDistractors(rng, layout, distractorCount)) continue;

    const still = layout.placed.slice();
    const order = rng.shuffle([...still.keys(), still.length]);
    const id = `episode-${seed}-${stableHash(options).slice(0, 8)}`;
    const bMask = order.indexOf(1) + 1;
    const aMask = order.indexOf(still.length) + 1;
    const renderOptions = { rgbNoise: options.rgbNoise ?? 3, depthNoise: options.depthNoise ?? 0, maxDepth: options.maxDepth ?? 10 };
    const scenes = path.map((pose, index) =>
      renderScene(`${id}-f${String(index).padStart(3, '0')}`, layout, order, { ...renderOptions, noiseSeed: rng.uint32() }, [...still, pose]),
    );
    const truth = scenes.map((scene, index) => {
      const a = scene.objects[aMask - 1];
      const b = scene.objects[bMask - 1];
      return { index, centerDistance: distance(a.center, b.center), gap: boxGap(a, b) };
    });
    const describe = (object: TruthObject, phrase: string): EpisodeObject => ({ id: object.id, label: object.label, colour: object.colour, phrase });
    const first = scenes[0].objects;
    return {
      id,
      a: describe(first[aMask - 1], GRIPPER.label),
      b: describe(first[bMask - 1], `${TARGET_BOTTLE.colours[0]} ${TARGET_BOTTLE.label}`),
      frames: scenes,
      truth,
    };
  }
  throw new RangeError(`generateEpisode: could not lay out an episode in ${width}×${height} for seed ${seed}`);
}

/**
 * The gripper's pose in each frame: it ends beside the bottle along x, its face `finalGap` from the
 * bottle's side, centres at the same y and height, and starts `travel` farther out and `lift` higher.
 * Along that straight line both the centre distance and the box gap shrink in every frame.
 */
function gripperPath(rng: Random, layout: Layout, bottle: Placed, frames: number, finalGap: number): Placed[] | undefined {
  for (let i = 0; i < CANDIDATES; i++) {
    const side = rng.chance(0.5) ? 1 : -1;
    const travel = rng.uniform(0.3, 0.6);
    const lift = rng.uniform(0.08, 0.25);
    const bottleCentreZ = bottle.base[2] + bottle.size[2] / 2;
    const end: Vec3 = [bottle.base[0] + side * (GRIPPER_SIZE[0] / 2 + bottle.size[0] / 2 + finalGap), bottle.base[1], bottleCentreZ - GRIPPER_SIZE[2] / 2];
    const start: Vec3 = [end[0] + side * travel, end[1], end[2] + lift];
    const poses = Array.from({ length: frames }, (_, index) => {
      const s = 1 - index / (frames - 1);
      const base: Vec3 = [end[0] + s * (start[0] - end[0]), end[1], end[2] + s * (start[2] - end[2])];
      return layout.candidate(rng, GRIPPER, base, undefined, { size: GRIPPER_SIZE, yaw: 0, colour: GRIPPER.colours[0] });
    });
    // The image of a straight move lies between its ends, so checking both ends is enough.
    const ends = [poses[0], poses[poses.length - 1]];
    // Only the table and the bottle are placed yet: the gripper may pass over the first and meets the second.
    if (ends.every((pose) => layout.visible(pose))) return poses;
  }
  return undefined;
}

function placeDistractors(rng: Random, layout: Layout, count: number): boolean {
  const used = new Set([TABLE.label, TARGET_BOTTLE.label, GRIPPER.label]);
  for (let k = 0; k < count; k++) {
    const onTable = rng.chance(0.6);
    const pool = (onTable ? TABLE_LABELS : FLOOR_LABELS).filter((spec) => !used.has(spec.label));
    const spec = rng.pick(pool);
    const placed = layout.place(CANDIDATES, () => (onTable ? layout.onTable(rng, spec, 0) : layout.onFloor(rng, spec)));
    if (!placed) return false;
    used.add(spec.label);
  }
  return true;
}

function distance(a: Vec3, b: Vec3): number {
  return Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
}

/** Distance between two axis-aligned boxes given by centre and size (0 when they overlap), metres. */
export function boxGap(a: Pick<TruthObject, 'center' | 'size'>, b: Pick<TruthObject, 'center' | 'size'>): number {
  let sum = 0;
  for (let i = 0; i < 3; i++) {
    const apart = Math.abs(a.center[i] - b.center[i]) - (a.size[i] + b.size[i]) / 2;
    if (apart > 0) sum += apart * apart;
  }
  return Math.sqrt(sum);
}
