/**
 * Placing objects so that a lift from their visible pixels can recover their boxes: every object
 * fully inside the image, below the camera (its top face seen), at a workable distance, big enough
 * in pixels, not touching its neighbours in 3D, and barely overlapping any other object in the image.
 * Candidates that break a rule are rejected and drawn again.
 */
import type { Vec3 } from '@spatialforge/core';
import { type CameraPose, pixelRay, project } from './camera.js';
import type { LabelSpec } from './catalog.js';
import type { ColourName } from './palette.js';
import type { Room } from './render.js';
import type { Random } from './random.js';
import { type Primitive, bounds, buildShape, hullPoints } from './shapes.js';
import { type Silhouette, SilhouetteGrid } from './silhouette.js';

/** A pixel rectangle [u0, v0, u1, v1] (inclusive, fractional). */
export type Rect = [number, number, number, number];

export interface Placed {
  spec: LabelSpec;
  colour: ColourName;
  /** Own box: length along yaw, width, height (metres). */
  size: Vec3;
  yaw: number;
  /** Footprint centre at the bottom of the object, canonical metres. */
  base: Vec3;
  primitives: Primitive[];
  min: Vec3;
  max: Vec3;
  rect: Rect;
  /** Index in the layout of what it stands on (a table, or a box or cabinet it is stacked on); -1 on the floor; undefined when it floats (the gripper). */
  support?: number;
  /** Its image silhouette, computed when first needed. */
  silhouette?: Silhouette;
}

export interface LayoutRules {
  /** Camera-to-object-centre distance range, metres. */
  minDistance: number;
  maxDistance: number;
  /** Largest image overlap between two objects' silhouettes, as a share of the smaller one. */
  maxOverlap: number;
  /** Smallest side of an object's image rectangle, pixels. */
  minPixels: number;
  /** Free border kept around the image, pixels. */
  margin: number;
  /** Least gap between footprints of objects on the same support, metres. */
  spacing: number;
  /** Least drop from the camera to an object's top, metres. */
  clearance: number;
  /**
   * Least angle at which the camera looks down on the far edge of an object's top, radians. At
   * grazing angles a top face shrinks to a pixel row or two and its far edge is lost to sampling.
   */
  topElevation: number;
}

export class Layout {
  readonly placed: Placed[] = [];
  /** Image areas that must stay clear, e.g. the path of a moving object. */
  readonly reserved: Silhouette[] = [];
  private readonly scratch = new Float64Array(3);
  private readonly grid: SilhouetteGrid;

  constructor(
    readonly camera: CameraPose,
    readonly room: Room,
    readonly width: number,
    readonly height: number,
    readonly rules: LayoutRules,
  ) {
    this.grid = new SilhouetteGrid(width, height);
  }

  /** Where the ray of a random pixel meets the floor, or undefined when it misses the room's floor. */
  randomFloorPoint(rng: Random): Vec3 | undefined {
    const dir = pixelRay(this.camera, rng.uniform(0, this.width - 1), rng.uniform(0, this.height - 1), this.scratch);
    if (dir[2] >= -1e-6) return undefined;
    const t = this.camera.position[2] / -dir[2];
    return [dir[0] * t, dir[1] * t, 0];
  }

  /** A candidate of `spec` drawn at `base`; `fixed` pins any of its size, yaw or colour. */
  candidate(rng: Random, spec: LabelSpec, base: Vec3, support: number | undefined, fixed: { size?: Vec3; yaw?: number; colour?: ColourName } = {}): Placed {
    const size = fixed.size ?? drawSize(rng, spec);
    const yaw = fixed.yaw ?? drawYaw(rng, spec);
    const colour = fixed.colour ?? rng.pick(spec.colours);
    const primitives = buildShape(spec.shape, size, base, yaw);
    const { min, max } = bounds(primitives);
    return { spec, colour, size, yaw, base, primitives, min, max, rect: this.rectOf(primitives, min, max), support };
  }

  /**
   * The image rectangle of primitives and of the corners of their axis-aligned box (so the truth box
   * projects inside the image too); an infinite one when any part is behind or too near the camera.
   */
  rectOf(primitives: readonly Primitive[], min: Vec3, max: Vec3): Rect {
    const rect: Rect = [Infinity, Infinity, -Infinity, -Infinity];
    const corners: Vec3[] = [];
    for (const x of [min[0], max[0]]) for (const y of [min[1], max[1]]) for (const z of [min[2], max[2]]) corners.push([x, y, z]);
    for (const points of [...primitives.map(hullPoints), corners]) {
      for (const point of points) {
        const [u, v, z] = project(this.camera, point, this.scratch);
        // A point behind the camera (or nearly at it) makes the rectangle meaningless: mark it unusable.
        if (z < 0.2) return [-Infinity, -Infinity, Infinity, Infinity];
        rect[0] = Math.min(rect[0], u);
        rect[1] = Math.min(rect[1], v);
        rect[2] = Math.max(rect[2], u);
        rect[3] = Math.max(rect[3], v);
      }
    }
    return rect;
  }

  /** The image silhouette of an item (cached on it). */
  silhouetteOf(item: Pick<Placed, 'primitives' | 'silhouette'>): Silhouette {
    item.silhouette ??= this.grid.rasterise(
      item.primitives.map((primitive) => hullPoints(primitive).flatMap((point) => {
        const [u, v] = project(this.camera, point, this.scratch);
        return [u, v];
      })),
    );
    return item.silhouette;
  }

  /** Whether the object is fully and cleanly visible: in the image, below the camera, its top in view, in the room, at range. */
  visible(item: Pick<Placed, 'min' | 'max' | 'rect'>): boolean {
    const { rules, room } = this;
    const [u0, v0, u1, v1] = item.rect;
    if (u0 < rules.margin || v0 < rules.margin || u1 > this.width - 1 - rules.margin || v1 > this.height - 1 - rules.margin) return false;
    if (Math.min(u1 - u0, v1 - v0) < rules.minPixels) return false;
    const drop = this.camera.position[2] - item.max[2];
    if (drop < rules.clearance) return false;
    // The farthest corner of the top's bounding rectangle, seen from the camera's foot.
    const reach = Math.hypot(Math.max(-item.min[0], item.max[0]), item.max[1]);
    if (Math.atan2(drop, reach) < rules.topElevation) return false;
    const wallGap = 0.05;
    if (room.backWall !== undefined && item.max[1] > room.backWall - wallGap) return false;
    if (room.leftWall !== undefined && item.min[0] < room.leftWall + wallGap) return false;
    if (room.rightWall !== undefined && item.max[0] > room.rightWall - wallGap) return false;
    const centre: Vec3 = [(item.min[0] + item.max[0]) / 2, (item.min[1] + item.max[1]) / 2, (item.min[2] + item.max[2]) / 2];
    const distance = Math.hypot(centre[0], centre[1], centre[2] - this.camera.position[2]);
    return distance >= rules.minDistance && distance <= rules.maxDistance;
  }

  /** Whether a candidate keeps clear of everything placed: footprints on its support, silhouettes of the rest. */
  fits(item: Placed): boolean {
    if (!this.visible(item)) return false;
    for (let i = 0; i < this.placed.length; i++) {
      const other = this.placed[i];
      // An object on a table covers part of that table's top; that is how tables look.
      if (item.support === i) continue;
      if (item.support !== undefined && item.support === other.support && !footprintsApart(item, other, this.rules.spacing)) return false;
      if (rectsMeet(item.rect, other.rect) && this.silhouetteOf(item).overlapShare(this.silhouetteOf(other)) > this.rules.maxOverlap) return false;
    }
    for (const path of this.reserved) if (this.silhouetteOf(item).overlap(path) > 0) return false;
    return true;
  }

  /** Tries `attempts` candidates from `draw`; places and returns the first that fits. */
  place(attempts: number, draw: () => Placed | undefined): Placed | undefined {
    for (let i = 0; i < attempts; i++) {
      const item = draw();
      if (item && this.fits(item)) {
        this.placed.push(item);
        return item;
      }
    }
    return undefined;
  }

  /** A candidate standing on the floor at a random visible spot. */
  onFloor(rng: Random, spec: LabelSpec): Placed | undefined {
    const base = this.randomFloorPoint(rng);
    return base && this.candidate(rng, spec, base, -1);
  }

  /** A candidate standing on the top of placed item `tableIndex` (a table, or a box or cabinet it is stacked on), its footprint inside that top. */
  onTable(rng: Random, spec: LabelSpec, tableIndex: number): Placed | undefined {
    const table = this.placed[tableIndex];
    const size = drawSize(rng, spec);
    // Radius of the footprint whatever its yaw, plus a rim.
    const reach = Math.hypot(size[0], size[1]) / 2 + 0.03;
    const freeX = table.size[0] / 2 - reach;
    const freeY = table.size[1] / 2 - reach;
    if (freeX < 0 || freeY < 0) return undefined;
    const ox = rng.uniform(-freeX, freeX);
    const oy = rng.uniform(-freeY, freeY);
    const cos = Math.cos(table.yaw);
    const sin = Math.sin(table.yaw);
    const base: Vec3 = [table.base[0] + cos * ox - sin * oy, table.base[1] + sin * ox + cos * oy, table.max[2]];
    return this.candidate(rng, spec, base, tableIndex, { size });
  }
}

export function drawSize(rng: Random, spec: LabelSpec): Vec3 {
  const length = rng.uniform(spec.size[0][0], spec.size[0][1]);
  // Round shapes have one diameter.
  const width = spec.yaw === 'none' ? length : rng.uniform(spec.size[1][0], spec.size[1][1]);
  return [length, width, rng.uniform(spec.size[2][0], spec.size[2][1])];
}

function drawYaw(rng: Random, spec: LabelSpec): number {
  if (spec.yaw === 'none') return 0;
  if (spec.yaw === 'facing') return rng.uniform(-0.5, 0.5);
  if (spec.yaw === 'turned') return rng.uniform(-1, 1);
  return rng.uniform(0, 2 * Math.PI);
}

function footprintsApart(a: Placed, b: Placed, spacing: number): boolean {
  return a.min[0] >= b.max[0] + spacing || b.min[0] >= a.max[0] + spacing || a.min[1] >= b.max[1] + spacing || b.min[1] >= a.max[1] + spacing;
}

function rectsMeet(a: Rect, b: Rect): boolean {
  return a[0] <= b[2] && b[0] <= a[2] && a[1] <= b[3] && b[1] <= a[3];
}
