/**
 * A scene graph from known boxes (ground truth, hand-built test scenes, benchmarks): the objects'
 * boxes in the canonical frame (metres, z up) seen by a level pinhole camera standing at the origin
 * at `cameraHeight`, looking along +y.
 */
import type { Box2D, Intrinsics, OrientedBox, SceneGraph, SceneObject, Vec3 } from '@spatialforge/core';
import { createRandom } from './random.js';

export interface KnownBox {
  id: string;
  label: string;
  /** Centre in the canonical frame, metres. */
  centre: Vec3;
  /** Extent along x, y, z, metres. */
  size: Vec3;
  /** How questions refer to it; `the <label>` when absent. */
  name?: string;
  colour?: string;
  /** Its own box when it is turned (canonical frame, metres); the axis-aligned box with yaw 0 when absent. */
  obb?: OrientedBox;
  /** Cut by the image border, or largely hidden (see SceneObject). */
  truncated?: boolean;
  occluded?: boolean;
}

export interface BoxSceneOptions {
  imageId?: string;
  /** False for a scene without gravity (no support plane found). @defaultValue true */
  canonical?: boolean;
  /** Camera height above the support plane, metres. @defaultValue 1.5 */
  cameraHeight?: number;
  width?: number;
  height?: number;
  intrinsics?: Intrinsics;
}

export function sceneFromBoxes(boxes: readonly KnownBox[], options: BoxSceneOptions = {}): SceneGraph {
  const width = options.width ?? 640;
  const height = options.height ?? 480;
  const intrinsics = options.intrinsics ?? { fx: 525, fy: 525, cx: width / 2, cy: height / 2 };
  const canonical = options.canonical ?? true;
  const cameraHeight = options.cameraHeight ?? 1.5;
  const position: Vec3 = [0, 0, cameraHeight];
  const objects: SceneObject[] = boxes.map((box) => {
    const min = box.centre.map((c, i) => c - box.size[i] / 2) as Vec3;
    const max = box.centre.map((c, i) => c + box.size[i] / 2) as Vec3;
    return {
      id: box.id,
      label: box.label,
      colour: box.colour ?? 'gray',
      name: box.name ?? `the ${box.label}`,
      centre: box.centre,
      size: box.size,
      min,
      max,
      obb: box.obb ?? { centre: box.centre, size: box.size, yaw: 0 },
      ...(box.truncated ? { truncated: true } : {}),
      ...(box.occluded ? { occluded: true } : {}),
      pointCount: 1000,
      box2d: projectBox(min, max, position, intrinsics, width, height),
      distanceFromCamera: Math.hypot(box.centre[0] - position[0], box.centre[1] - position[1], box.centre[2] - position[2]),
    };
  });
  return {
    imageId: options.imageId ?? 'box-scene',
    width,
    height,
    camera: {
      intrinsics,
      intrinsicsSource: 'provided',
      position,
      ...(canonical ? { height: cameraHeight, pitch: 0 } : {}),
      // Camera frame (x right, y down, z forward) to canonical (x right, y forward, z up).
      rotation: [1, 0, 0, 0, 0, 1, 0, -1, 0],
    },
    canonical,
    objects,
    dropped: [],
  };
}

/** Pixel box of an axis-aligned box's corners seen by the level camera, clamped to the image. */
function projectBox(min: Vec3, max: Vec3, camera: Vec3, k: Intrinsics, width: number, height: number): Box2D {
  let [x1, y1, x2, y2] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const x of [min[0], max[0]]) {
    for (const y of [min[1], max[1]]) {
      for (const z of [min[2], max[2]]) {
        const forward = Math.max(y - camera[1], 0.05);
        const u = k.fx * ((x - camera[0]) / forward) + k.cx;
        const v = k.fy * ((camera[2] - z) / forward) + k.cy;
        [x1, y1, x2, y2] = [Math.min(x1, u), Math.min(y1, v), Math.max(x2, u), Math.max(y2, v)];
      }
    }
  }
  const clampX = (u: number) => Math.round(Math.min(width, Math.max(0, u)));
  const clampY = (v: number) => Math.round(Math.min(height, Math.max(0, v)));
  return [clampX(x1), clampY(y1), clampX(x2), clampY(y2)];
}

interface Furniture {
  label: string;
  /** Typical extent along x, y, z, metres. */
  size: Vec3;
  /** Where it stands: on the floor, on a table top, or hung on a wall at a height (metres). */
  placement: 'floor' | 'table' | number;
}

const FURNITURE: readonly Furniture[] = [
  { label: 'table', size: [1.2, 0.8, 0.75], placement: 'floor' },
  { label: 'chair', size: [0.5, 0.5, 0.9], placement: 'floor' },
  { label: 'sofa', size: [2.0, 0.9, 0.85], placement: 'floor' },
  { label: 'lamp', size: [0.4, 0.4, 1.6], placement: 'floor' },
  { label: 'bookshelf', size: [0.8, 0.35, 1.8], placement: 'floor' },
  { label: 'cabinet', size: [0.9, 0.5, 1.0], placement: 'floor' },
  { label: 'box', size: [0.45, 0.35, 0.3], placement: 'floor' },
  { label: 'plant', size: [0.35, 0.35, 0.7], placement: 'floor' },
  { label: 'bin', size: [0.3, 0.3, 0.4], placement: 'floor' },
  { label: 'mug', size: [0.09, 0.09, 0.1], placement: 'table' },
  { label: 'laptop', size: [0.35, 0.25, 0.03], placement: 'table' },
  { label: 'bottle', size: [0.08, 0.08, 0.28], placement: 'table' },
  { label: 'bowl', size: [0.2, 0.2, 0.08], placement: 'table' },
  { label: 'book', size: [0.22, 0.15, 0.04], placement: 'table' },
  { label: 'shelf', size: [0.9, 0.25, 0.04], placement: 1.3 },
  { label: 'clock', size: [0.3, 0.05, 0.3], placement: 1.9 },
];

/**
 * A plausible room of `objectCount` (≤ 16) differently labelled boxes, drawn from a seed: furniture on
 * the floor 1–6 m ahead of the camera, small things on the table, a shelf and a clock on the wall.
 * Sizes vary ±20 % around typical ones.
 */
export function randomBoxScene(seed: number, objectCount = 10, options: BoxSceneOptions = {}): SceneGraph {
  const random = createRandom(`box-scene|${seed}`);
  const jitter = () => 0.8 + 0.4 * random.next();
  const [table, ...rest] = FURNITURE;
  const chosen = [table, ...random.sample([...rest], Math.min(objectCount, FURNITURE.length) - 1)];
  let tableTop: { centre: Vec3; size: Vec3 } | undefined;
  const boxes = chosen.map((furniture, index): KnownBox => {
    const size = furniture.size.map((s) => s * jitter()) as Vec3;
    let centre: Vec3;
    if (furniture.placement === 'table' && tableTop) {
      const spanX = Math.max(0, tableTop.size[0] - size[0]);
      const spanY = Math.max(0, tableTop.size[1] - size[1]);
      centre = [
        tableTop.centre[0] - spanX / 2 + spanX * random.next(),
        tableTop.centre[1] - spanY / 2 + spanY * random.next(),
        tableTop.size[2] + size[2] / 2,
      ];
    } else {
      const base = typeof furniture.placement === 'number' ? furniture.placement : 0;
      centre = [-2.5 + 5 * random.next(), 1 + 5 * random.next(), base + size[2] / 2];
    }
    if (furniture === table) tableTop = { centre, size };
    return { id: `o${index + 1}`, label: furniture.label, centre, size };
  });
  return sceneFromBoxes(boxes, { imageId: `box-scene-${seed}`, ...options });
}
