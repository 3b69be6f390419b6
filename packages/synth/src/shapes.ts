/**
 * The solids scenes are built from — vertical-axis boxes with a yaw and vertical cylinders, all in
 * the canonical frame (metres, z up) — and the composite shapes of each object kind (a table is a top
 * and four legs, a chair a seat block and a backrest, ...).
 */
import type { Vec3 } from '@spatialforge/core';

export interface BoxPrimitive {
  kind: 'box';
  center: Vec3;
  /** Half extents along the box's own axes (x turned by yaw, y, z up), metres. */
  half: Vec3;
  /** Rotation of the box's own x axis from canonical +x about +z, radians. */
  yaw: number;
}

export interface CylinderPrimitive {
  kind: 'cylinder';
  /** Centre of the cylinder (the middle of its axis), metres. */
  center: Vec3;
  radius: number;
  halfHeight: number;
}

export type Primitive = BoxPrimitive | CylinderPrimitive;

/** The object kinds the generator can build; each maps to one builder below. */
export type ShapeKind = 'cuboid' | 'cylinder' | 'table' | 'solid-table' | 'chair' | 'laptop' | 'monitor' | 'lamp' | 'gripper';

/**
 * Builds an object of `kind` whose own box has `size` (length along its yaw axis, width across,
 * height; metres), standing with its bottom at `base` (canonical [x, y, z] of the footprint centre).
 * The object's back (backrest, screen) is on its own +y side, so at yaw 0 it faces the camera.
 */
export function buildShape(kind: ShapeKind, size: Vec3, base: Vec3, yaw: number): Primitive[] {
  const [sx, sy, sz] = size;
  const cos = Math.cos(yaw);
  const sin = Math.sin(yaw);
  // A box given in the object's own frame: offset of its footprint centre, its size, its bottom height.
  const part = (ox: number, oy: number, bottom: number, px: number, py: number, pz: number): BoxPrimitive => ({
    kind: 'box',
    center: [base[0] + cos * ox - sin * oy, base[1] + sin * ox + cos * oy, base[2] + bottom + pz / 2],
    half: [px / 2, py / 2, pz / 2],
    yaw,
  });
  const disc = (radius: number, bottom: number, height: number): CylinderPrimitive => ({
    kind: 'cylinder',
    center: [base[0], base[1], base[2] + bottom + height / 2],
    radius,
    halfHeight: height / 2,
  });
  switch (kind) {
    case 'cuboid':
    case 'solid-table':
      return [part(0, 0, 0, sx, sy, sz)];
    case 'cylinder':
      return [disc(sx / 2, 0, sz)];
    case 'table': {
      const top = 0.04;
      const leg = Math.min(0.07, Math.max(0.05, sx * 0.05));
      const lx = sx / 2 - 0.03 - leg / 2;
      const ly = sy / 2 - 0.03 - leg / 2;
      return [
        part(0, 0, sz - top, sx, sy, top),
        part(-lx, -ly, 0, leg, leg, sz - top),
        part(lx, -ly, 0, leg, leg, sz - top),
        part(-lx, ly, 0, leg, leg, sz - top),
        part(lx, ly, 0, leg, leg, sz - top),
      ];
    }
    case 'chair': {
      // A seat block up to half the height and a backrest over the full height (also used for sofas).
      const back = Math.max(0.08, sy * 0.22);
      return [part(0, -back / 2, 0, sx, sy - back, sz * 0.5), part(0, sy / 2 - back / 2, 0, sx, back, sz)];
    }
    case 'laptop': {
      // Open: a thin base and an upright screen along its back edge.
      const base = 0.02;
      const screen = 0.015;
      return [part(0, -screen / 2, 0, sx, sy - screen, base), part(0, sy / 2 - screen / 2, 0, sx, screen, sz)];
    }
    case 'monitor': {
      const plate = 0.02;
      const panel = 0.04;
      const panelHeight = sz * 0.65;
      return [
        part(0, 0, 0, Math.min(sx * 0.45, 0.25), sy, plate),
        part(0, 0, plate, 0.05, 0.03, sz - panelHeight - plate),
        part(0, 0, sz - panelHeight, sx, panel, panelHeight),
      ];
    }
    case 'lamp': {
      // A base disc, a pole and a shade on top; the shade is the widest part.
      const shadeHeight = Math.max(0.12, sz * 0.3);
      const baseHeight = 0.03;
      return [
        disc(sx * 0.32, 0, baseHeight),
        disc(0.015, baseHeight, sz - shadeHeight - baseHeight),
        disc(sx / 2, sz - shadeHeight, shadeHeight),
      ];
    }
    case 'gripper': {
      // A palm with two fingers hanging from its front and back edges (along its own y).
      const palm = sz * 0.35;
      const finger = Math.min(0.025, sy * 0.3);
      return [
        part(0, 0, sz - palm, sx, sy, palm),
        part(0, -sy / 2 + finger / 2, 0, sx, finger, sz - palm),
        part(0, sy / 2 - finger / 2, 0, sx, finger, sz - palm),
      ];
    }
  }
}

/** Axis-aligned bounds [min, max] of primitives in the canonical frame, metres. */
export function bounds(primitives: readonly Primitive[]): { min: Vec3; max: Vec3 } {
  const min: Vec3 = [Infinity, Infinity, Infinity];
  const max: Vec3 = [-Infinity, -Infinity, -Infinity];
  for (const p of primitives) {
    let ex: number;
    let ey: number;
    let ez: number;
    if (p.kind === 'box') {
      const c = Math.abs(Math.cos(p.yaw));
      const s = Math.abs(Math.sin(p.yaw));
      ex = c * p.half[0] + s * p.half[1];
      ey = s * p.half[0] + c * p.half[1];
      ez = p.half[2];
    } else {
      ex = ey = p.radius;
      ez = p.halfHeight;
    }
    const e = [ex, ey, ez];
    for (let i = 0; i < 3; i++) {
      min[i] = Math.min(min[i], p.center[i] - e[i]);
      max[i] = Math.max(max[i], p.center[i] + e[i]);
    }
  }
  return { min, max };
}

const CIRCLE_SAMPLES = 24;
/** Circumscribes the circle, so the polygon through the samples contains it. */
const CIRCLE_SCALE = 1 / Math.cos(Math.PI / CIRCLE_SAMPLES);

/**
 * Points whose convex hull contains the primitive (box corners; a circumscribed polygon for the
 * cylinder's rims), for projecting its outline into the image.
 */
export function hullPoints(p: Primitive): Vec3[] {
  const points: Vec3[] = [];
  const [x, y, z] = p.center;
  if (p.kind === 'box') {
    const cos = Math.cos(p.yaw);
    const sin = Math.sin(p.yaw);
    for (const dx of [-p.half[0], p.half[0]]) {
      for (const dy of [-p.half[1], p.half[1]]) {
        for (const dz of [-p.half[2], p.half[2]]) points.push([x + cos * dx - sin * dy, y + sin * dx + cos * dy, z + dz]);
      }
    }
    return points;
  }
  const r = p.radius * CIRCLE_SCALE;
  for (let i = 0; i < CIRCLE_SAMPLES; i++) {
    const angle = (2 * Math.PI * i) / CIRCLE_SAMPLES;
    const px = x + r * Math.cos(angle);
    const py = y + r * Math.sin(angle);
    points.push([px, py, z - p.halfHeight], [px, py, z + p.halfHeight]);
  }
  return points;
}
