/**
 * Synthetic RGB-D scenes with exact ground truth: a room with a floor, maybe walls, tables and
 * objects of known size and colour, seen by a camera of known intrinsics, height and pitch.
 * `generateScene` is a pure function of its options.
 */
import { type DepthMap, type Intrinsics, type OrientedBox, type RgbImage, type Vec3, stableHash } from '@spatialforge/core';
import { type CameraPose, cameraPose, defaultIntrinsics } from './camera.js';
import { CARRIER_LABELS, COUNTER, FLOOR_LABELS, type LabelSpec, STACKED_LABELS, TABLE, TABLE_LABELS } from './catalog.js';
import { Layout, type LayoutRules, type Placed } from './layout.js';
import { type ColourName, PALETTE } from './palette.js';
import { Random } from './random.js';
import { type RenderObject, type RenderOptions, type Rgb, type Room, objectSilhouettes, render } from './render.js';
import type { ShapeKind } from './shapes.js';

/**
 * One object's ground truth. Boxes are in the canonical frame of @spatialforge/core (metres, z up,
 * origin on the floor under the camera, x = camera right, y = forward).
 */
export interface TruthObject {
  /** `o1`, `o2`, ... in mask-value order. */
  id: string;
  label: string;
  colour: ColourName;
  /** The object's pixels in `instances` hold this value (1-255). */
  maskValue: number;
  /** Centre of the axis-aligned bounding box (canonical frame, metres). */
  center: Vec3;
  /** Extent of the axis-aligned bounding box along canonical x, y, z (metres). */
  size: Vec3;
  /** Yaw of the object's own box about +z, radians in [0, π): `obb.yaw`. */
  yaw: number;
  /** The object's own box: size = (length along yaw, width, height) with length ≥ width, metres. */
  obb: OrientedBox;
  /** `floor`, the id of what it rests on (a table, a counter, or the box or cabinet it is stacked on), or `air` for something held up (the gripper). */
  support: string;
  shape: ShapeKind;
  /** Share of its whole outline through the camera that is seen: not hidden by other objects (the room never hides one) nor beyond the image border. */
  visibleShare: number;
  /** Its outline runs past the image border. */
  cutByBorder: boolean;
}

/** The camera of a scene: intrinsics and pose (see camera.ts for the frames and pixel convention). */
export type SceneCamera = CameraPose;

export interface SyntheticScene {
  id: string;
  width: number;
  height: number;
  rgb: RgbImage;
  /** Metres along the optical axis; 0 where nothing was hit within `maxDepth`. */
  depth: DepthMap;
  /** Per pixel: 0 = background (floor, walls), k = the object whose maskValue is k. */
  instances: Uint8Array;
  intrinsics: Intrinsics;
  camera: SceneCamera;
  room: Room;
  objects: TruthObject[];
}

export interface SceneOptions {
  seed: number;
  /** Image size, pixels. @defaultValue 640 × 480 */
  width?: number;
  height?: number;
  /** @defaultValue fx = fy = 525 px scaled by width / 640, principal point at the image centre */
  intrinsics?: Intrinsics;
  /** Objects in all, tables included (1-12; more no longer fit cleanly in view). @defaultValue drawn from 4-8 */
  objectCount?: number;
  /** Tables among them (each carries 1-2 of the others, up to 3 from 9 objects on). @defaultValue drawn: 0 (30 %), 1 (55 %), 2 (15 %); 1-2 from 7 objects, 2 from 11. Floor-only layouts rarely fit more than 8 */
  tableCount?: number;
  /** Give two objects the same label (beyond two tables). @defaultValue drawn, true in 20 % of scenes */
  duplicateLabel?: boolean;
  /**
   * Things stacked on others, counted in `objectCount`: each turns a floor object into a box or cabinet
   * and another into a book, box or bowl resting on its top. Where a stacked thing finds no room on its
   * carrier it stands on the floor instead. @defaultValue 0
   */
  stacks?: number;
  /** Camera height above the floor, metres. @defaultValue drawn from 1.2-1.8 */
  cameraHeight?: number;
  /** Downward pitch, radians. @defaultValue drawn from 15°-40° */
  pitch?: number;
  /** Roll about the optical axis, radians (the canonical frame stays gravity-aligned). @defaultValue 0 */
  roll?: number;
  /** RGB noise standard deviation, 8-bit levels. @defaultValue 3 */
  rgbNoise?: number;
  /** Depth noise standard deviation at 1 m (grows with depth²), metres. @defaultValue 0 */
  depthNoise?: number;
  /** Surfaces beyond this get depth 0, metres. @defaultValue 10 */
  maxDepth?: number;
  /** Overrides of the placement rules (distances in metres, sizes in pixels). */
  rules?: Partial<LayoutRules>;
}

export const DEFAULT_RULES: LayoutRules = {
  minDistance: 1,
  maxDistance: 5,
  maxOverlap: 0.04,
  minPixels: 16,
  margin: 3,
  spacing: 0.05,
  clearance: 0.15,
  topElevation: (12 * Math.PI) / 180,
};

const FLOOR_TONES: readonly Rgb[] = [[176, 164, 146], [150, 142, 134], [188, 184, 176], [160, 128, 96]];
const WALL_TONES: readonly Rgb[] = [[222, 218, 208], [204, 210, 216], [230, 224, 206]];
/** Most objects a scene holds; beyond it layouts often find no room that keeps each one fully and cleanly visible. */
export const MAX_OBJECTS = 12;
const LAYOUT_ATTEMPTS = 60;
const CANDIDATES_PER_OBJECT = 200;
/** Other labels tried for a slot whose label found no room. */
const RELABELS = 2;

export function generateScene(options: SceneOptions): SyntheticScene {
  const width = options.width ?? 640;
  const height = options.height ?? 480;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 64 || height < 48) {
    throw new RangeError(`generateScene: image size ${width}×${height} must be whole pixels, at least 64×48`);
  }
  const rng = new Random(options.seed);
  const objectCount = options.objectCount ?? rng.int(4, 8);
  if (!Number.isInteger(objectCount) || objectCount < 1 || objectCount > MAX_OBJECTS) {
    throw new RangeError(`generateScene: objectCount ${objectCount} must be an integer from 1 to ${MAX_OBJECTS}`);
  }
  const tableCount = options.tableCount ?? drawTableCount(rng, objectCount);
  if (!Number.isInteger(tableCount) || tableCount < 0 || tableCount > 2 || tableCount > objectCount) {
    throw new RangeError(`generateScene: tableCount ${tableCount} must be 0, 1 or 2 and at most objectCount`);
  }
  const duplicateLabel = options.duplicateLabel ?? rng.chance(0.2);
  const intrinsics = options.intrinsics ?? defaultIntrinsics(width, height);
  const rules: LayoutRules = { ...DEFAULT_RULES, minPixels: (DEFAULT_RULES.minPixels * width) / 640, ...options.rules };

  for (let attempt = 0; attempt < LAYOUT_ATTEMPTS; attempt++) {
    const camera = cameraPose(
      intrinsics,
      options.cameraHeight ?? rng.uniform(1.2, 1.8),
      options.pitch ?? rng.uniform((15 * Math.PI) / 180, (40 * Math.PI) / 180),
      options.roll ?? 0,
    );
    const room = drawRoom(rng);
    const layout = new Layout(camera, room, width, height, rules);
    const plan = planSlots(rng, objectCount, tableCount, duplicateLabel, options.stacks ?? 0);
    if (!fillLayout(rng, layout, plan)) continue;
    const order = rng.shuffle(layout.placed.map((_, i) => i));
    return renderScene(`synth-${options.seed}-${stableHash(options).slice(0, 8)}`, layout, order, {
      rgbNoise: options.rgbNoise ?? 3,
      depthNoise: options.depthNoise ?? 0,
      maxDepth: options.maxDepth ?? 10,
      noiseSeed: rng.uint32(),
    });
  }
  throw new RangeError(
    `generateScene: could not lay out ${objectCount} objects (${tableCount} tables) in ${width}×${height} for seed ${options.seed}; ask for fewer objects or looser rules`,
  );
}

function drawTableCount(rng: Random, objectCount: number): number {
  const r = rng.next();
  // Crowded scenes need tables: small things on a table top pack far better than on the floor.
  if (objectCount >= 11) return 2;
  if (objectCount >= 7) return r < 0.5 ? 1 : 2;
  const drawn = r < 0.3 ? 0 : r < 0.85 ? 1 : 2;
  return Math.min(drawn, Math.floor(objectCount / 2));
}

export function drawRoom(rng: Random): Room {
  return {
    backWall: rng.chance(0.75) ? rng.uniform(5.5, 8) : undefined,
    leftWall: rng.chance(0.35) ? -rng.uniform(2.5, 4) : undefined,
    rightWall: rng.chance(0.35) ? rng.uniform(2.5, 4) : undefined,
    floorColour: rng.pick(FLOOR_TONES),
    wallColour: rng.pick(WALL_TONES),
  };
}

interface Slot {
  spec: LabelSpec;
  /** -1: the floor; k: the k-th table. */
  support: number;
  /** One of the pair that shares a label: it keeps its label even where it finds no room. */
  paired?: boolean;
  /** Stacked: the floor slot whose top it rests on. */
  on?: Slot;
}

/** Which labels go where: tables first, then 1-2 (or 3) things on each table, the rest on the floor; labels unique unless one is doubled. */
function planSlots(rng: Random, objectCount: number, tableCount: number, duplicateLabel: boolean, stacks: number): Slot[] {
  const supports: number[] = [];
  for (let t = 0; t < tableCount && supports.length < objectCount - tableCount; t++) {
    // Crowded scenes put more on the tables, where small things pack well.
    const count = Math.min(objectCount - tableCount - supports.length, rng.int(1, objectCount >= 9 ? 3 : 2));
    for (let k = 0; k < count; k++) supports.push(t);
  }
  while (supports.length < objectCount - tableCount) supports.push(-1);
  const used = new Set<string>([TABLE.label]);
  const objects: Slot[] = supports.map((support) => {
    const pool = support >= 0 ? TABLE_LABELS : FLOOR_LABELS;
    const fresh = pool.filter((spec) => !used.has(spec.label));
    const spec = rng.pick(fresh.length > 0 ? fresh : pool);
    used.add(spec.label);
    return { spec, support };
  });
  if (duplicateLabel) {
    // Copy a label onto a later object on the same kind of support.
    const pairs: [Slot, Slot][] = [];
    for (let i = 0; i < objects.length; i++) {
      for (let j = i + 1; j < objects.length; j++) {
        if ((objects[i].support >= 0) === (objects[j].support >= 0)) pairs.push([objects[i], objects[j]]);
      }
    }
    if (pairs.length > 0) {
      const [from, to] = rng.pick(pairs);
      to.spec = from.spec;
      from.paired = to.paired = true;
    }
  }
  stackSlots(rng, objects, stacks);
  const tables: Slot[] = Array.from({ length: tableCount }, () => ({ spec: TABLE, support: -1 }));
  return [...tables, ...objects];
}

/** Turns pairs of floor slots into a carrier (a box or a cabinet) and a thing stacked on it, as many as asked and the floor slots allow. */
function stackSlots(rng: Random, objects: Slot[], stacks: number): void {
  for (let k = 0; k < stacks; k++) {
    const free = objects.filter((slot) => slot.support < 0 && !slot.on && !objects.some((other) => other.on === slot) && !slot.paired);
    if (free.length < 2) return;
    const [carrier, stacked] = rng.shuffle(free).slice(0, 2);
    carrier.spec = rng.pick(CARRIER_LABELS);
    stacked.spec = rng.pick(STACKED_LABELS);
    stacked.on = carrier;
  }
}

/** Places tables, then what stands on them, then the floor objects largest first; a label that finds no room gives way to another. */
function fillLayout(rng: Random, layout: Layout, slots: readonly Slot[]): boolean {
  const footprint = (spec: LabelSpec) => spec.size[0][1] * spec.size[1][1];
  const ordered = [...slots].sort((a, b) => rank(a) - rank(b) || (a.support < 0 && b.support < 0 ? footprint(b.spec) - footprint(a.spec) : 0));
  const used = new Set(slots.map((slot) => slot.spec.label));
  const placedAt = new Map<Slot, number>();
  for (const slot of ordered) {
    if (slot.spec === TABLE) {
      if (!layout.place(CANDIDATES_PER_OBJECT, () => layout.onFloor(rng, rng.chance(0.5) ? TABLE : COUNTER))) return false;
      continue;
    }
    if (slot.on) {
      const carrier = placedAt.get(slot.on)!;
      if (!layout.place(CANDIDATES_PER_OBJECT, () => layout.onTable(rng, slot.spec, carrier)) && !layout.place(CANDIDATES_PER_OBJECT, () => layout.onFloor(rng, slot.spec))) return false;
      continue;
    }
    const pool = slot.support >= 0 ? TABLE_LABELS : FLOOR_LABELS;
    // Smaller labels have the better chance where a big one found no room.
    // A carrier keeps its flat top; a pair keeps its shared label.
    const alternatives = slot.paired || slots.some((other) => other.on === slot) ? [] : pool.filter((spec) => !used.has(spec.label) && footprint(spec) < footprint(slot.spec));
    alternatives.sort((a, b) => footprint(a) - footprint(b));
    let placed = false;
    for (const spec of [slot.spec, ...alternatives.slice(0, RELABELS)]) {
      const draw = slot.support >= 0 ? () => layout.onTable(rng, spec, slot.support) : () => layout.onFloor(rng, spec);
      if (layout.place(CANDIDATES_PER_OBJECT, draw)) {
        used.add(spec.label);
        placedAt.set(slot, layout.placed.length - 1);
        placed = true;
        break;
      }
    }
    if (!placed) return false;
  }
  return true;
}

/** Tables first, then the objects on them, then the floor's, then what is stacked on floor things. */
function rank(slot: Slot): number {
  return slot.spec === TABLE ? 0 : slot.support >= 0 ? 1 : slot.on ? 3 : 2;
}

/**
 * Renders placed objects (`placed`, by default the layout's); `order[k]` is the index in `placed` of
 * the object given mask value k + 1 and id `o{k+1}`.
 */
export function renderScene(id: string, layout: Layout, order: readonly number[], renderOptions: RenderOptions, placed: readonly Placed[] = layout.placed): SyntheticScene {
  const { camera, room, width, height } = layout;
  const maskOf = new Map(order.map((index, k) => [index, k + 1]));
  const renderObjects: RenderObject[] = order.map((index, k) => ({
    maskValue: k + 1,
    colour: PALETTE[placed[index].colour],
    primitives: placed[index].primitives,
  }));
  const { rgb, depth, instances } = render(camera, width, height, room, renderObjects, renderOptions);
  const visible = new Int32Array(order.length + 1);
  for (const value of instances) visible[value]++;
  const silhouettes = objectSilhouettes(camera, width, height, renderObjects);
  const objects: TruthObject[] = order.map((index, k) => ({
    ...truthOf(placed[index], k + 1, maskOf),
    visibleShare: silhouettes[k].pixels === 0 ? 0 : Math.min(1, visible[k + 1] / silhouettes[k].pixels),
    cutByBorder: silhouettes[k].inImage < silhouettes[k].pixels,
  }));
  return { id, width, height, rgb, depth, instances, intrinsics: camera.intrinsics, camera, room, objects };
}

function truthOf(item: Placed, maskValue: number, maskOf: ReadonlyMap<number, number>): Omit<TruthObject, 'visibleShare' | 'cutByBorder'> {
  const center: Vec3 = [(item.min[0] + item.max[0]) / 2, (item.min[1] + item.max[1]) / 2, (item.min[2] + item.max[2]) / 2];
  const size: Vec3 = [item.max[0] - item.min[0], item.max[1] - item.min[1], item.max[2] - item.min[2]];
  let [length, width] = item.size;
  let yaw = item.yaw;
  if (width > length) {
    [length, width] = [width, length];
    yaw += Math.PI / 2;
  }
  yaw = ((yaw % Math.PI) + Math.PI) % Math.PI;
  if (yaw >= Math.PI - 1e-12) yaw = 0;
  const obb: OrientedBox = { centre: [item.base[0], item.base[1], item.base[2] + item.size[2] / 2], size: [length, width, item.size[2]], yaw };
  const support = item.support === undefined ? 'air' : item.support < 0 ? 'floor' : `o${maskOf.get(item.support)}`;
  return { id: `o${maskValue}`, label: item.spec.label, colour: item.colour, maskValue, center, size, yaw, obb, support, shape: item.spec.shape };
}
