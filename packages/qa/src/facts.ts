/**
 * Primitive spatial facts over scene objects in the canonical frame (metres; x = camera right,
 * y = forward, z = up; see @spatialforge/core scene-graph.ts), each defined as a person judges a photo
 * (the one-line definitions are in this package's README):
 * - sizes, gaps and fits use the object's own oriented box (a vertical prism: footprint rectangle
 *   turned by `yaw`, bottom to top along z), never the camera-aligned box;
 * - up and down compare vertical extents (bottoms and tops), never centres;
 * - left and right compare where things are in the picture: the azimuth of the centre seen from the
 *   camera, about the vertical through it;
 * - nearer and farther compare the distance from the camera centre to the object's centre, asked
 *   only when the distance to the nearest surface orders the two the same way.
 */
import type { OrientedBox, Vec3 } from '@spatialforge/core';

/** The geometry a fact needs: the object's oriented box and its centre (canonical frame, metres). */
export interface Shape {
  centre: Vec3;
  obb: OrientedBox;
}

/**
 * How far apart two answers must be for a question about them to be asked, so every answer is
 * unambiguous. A comparison of lengths or distances is asked only when the difference clears both
 * `metres` and `ratio`; directions in the picture clear `degrees`.
 */
export interface QAMargins {
  /** Smallest difference between compared positions, lengths or distances, metres. @defaultValue 0.05 */
  metres: number;
  /** Smallest difference between compared lengths or distances, as a share of the larger. @defaultValue 0.05 */
  ratio: number;
  /** Smallest difference between compared directions from the camera, and between a measured angle and the threshold that decides its answer (clock-hour boundary, right-angle tolerance), degrees. @defaultValue 3 */
  degrees: number;
}

export const DEFAULT_MARGINS: Readonly<QAMargins> = { metres: 0.05, ratio: 0.05, degrees: 3 };

/** A bottom within this distance of another object's top still counts as on or above it (metres). */
export const RESTING_TOLERANCE = 0.02;

const DEGREES = 180 / Math.PI;

export function bottomOf(a: Shape): number {
  return a.obb.centre[2] - a.obb.size[2] / 2;
}

export function topOf(a: Shape): number {
  return a.obb.centre[2] + a.obb.size[2] / 2;
}

/** Extent along gravity, metres. */
export function heightOf(a: Shape): number {
  return a.obb.size[2];
}

/** The longer side of the object's own footprint, metres ("width": how wide it is at its widest). */
export function widthOf(a: Shape): number {
  return Math.max(a.obb.size[0], a.obb.size[1]);
}

/** The shorter side of the object's own footprint, metres ("depth"). */
export function depthOf(a: Shape): number {
  return Math.min(a.obb.size[0], a.obb.size[1]);
}

/** Edge of the cube with the oriented box's volume, metres: size differences are judged in metres like every other length. */
export function equivalentSize(a: Shape): number {
  const [l, w, h] = a.obb.size;
  return Math.cbrt(l * w * h);
}

/** The three extents of the oriented box, longest first, metres. */
export function sortedDimensions(a: Shape): [number, number, number] {
  const s = [...a.obb.size].sort((x, y) => y - x);
  return [s[0], s[1], s[2]];
}

export function centreDistance(a: Shape, b: Shape): number {
  return Math.hypot(a.centre[0] - b.centre[0], a.centre[1] - b.centre[1], a.centre[2] - b.centre[2]);
}

/** Distance between the centres on the ground plane (x, y), metres. */
export function horizontalDistance(a: Shape, b: Shape): number {
  return Math.hypot(a.centre[0] - b.centre[0], a.centre[1] - b.centre[1]);
}

/** Difference in height of the centres, metres (non-negative). */
export function verticalDistance(a: Shape, b: Shape): number {
  return Math.abs(a.centre[2] - b.centre[2]);
}

/** The footprint rectangle's corners on the ground plane, [x0, y0, x1, y1, ...], counter-clockwise. */
function footprintCorners(obb: OrientedBox): number[] {
  const [cx, cy] = obb.centre;
  const hl = obb.size[0] / 2;
  const hw = obb.size[1] / 2;
  const c = Math.cos(obb.yaw);
  const s = Math.sin(obb.yaw);
  const out: number[] = [];
  for (const [u, v] of [[hl, hw], [-hl, hw], [-hl, -hw], [hl, -hw]]) out.push(cx + c * u - s * v, cy + s * u + c * v);
  return out;
}

/** Distance from a point to a segment on the plane. */
function pointSegment(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax;
  const dy = by - ay;
  const length2 = dx * dx + dy * dy;
  const t = length2 > 0 ? Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / length2)) : 0;
  return Math.hypot(px - ax - t * dx, py - ay - t * dy);
}

/** Whether a point lies inside an oriented footprint (on the plane). */
function insideFootprint(px: number, py: number, obb: OrientedBox): boolean {
  const dx = px - obb.centre[0];
  const dy = py - obb.centre[1];
  const c = Math.cos(obb.yaw);
  const s = Math.sin(obb.yaw);
  return Math.abs(c * dx + s * dy) <= obb.size[0] / 2 && Math.abs(-s * dx + c * dy) <= obb.size[1] / 2;
}

/** Distance between two oriented footprints on the ground plane, metres; 0 when they overlap. */
export function footprintGap(a: Shape, b: Shape): number {
  const ca = footprintCorners(a.obb);
  const cb = footprintCorners(b.obb);
  for (let i = 0; i < 8; i += 2) if (insideFootprint(ca[i], ca[i + 1], b.obb) || insideFootprint(cb[i], cb[i + 1], a.obb)) return 0;
  // Edges that cross with no corner inside the other rectangle (a plus-shaped overlap) still overlap.
  if (crossing(ca, cb)) return 0;
  let best = Infinity;
  for (const [points, edges] of [[ca, cb], [cb, ca]]) {
    for (let i = 0; i < 8; i += 2) {
      for (let j = 0; j < 8; j += 2) {
        const k = (j + 2) % 8;
        best = Math.min(best, pointSegment(points[i], points[i + 1], edges[j], edges[j + 1], edges[k], edges[k + 1]));
      }
    }
  }
  return best;
}

function crossing(a: number[], b: number[]): boolean {
  const side = (px: number, py: number, qx: number, qy: number, rx: number, ry: number) => (qx - px) * (ry - py) - (qy - py) * (rx - px);
  for (let i = 0; i < 8; i += 2) {
    const [ax, ay, bx, by] = [a[i], a[i + 1], a[(i + 2) % 8], a[(i + 3) % 8]];
    for (let j = 0; j < 8; j += 2) {
      const [cx, cy, dx, dy] = [b[j], b[j + 1], b[(j + 2) % 8], b[(j + 3) % 8]];
      if (side(ax, ay, bx, by, cx, cy) * side(ax, ay, bx, by, dx, dy) < 0 && side(cx, cy, dx, dy, ax, ay) * side(cx, cy, dx, dy, bx, by) < 0) return true;
    }
  }
  return false;
}

/** Distance between the closest points of two oriented boxes, metres; 0 when they touch or overlap. */
export function gapDistance(a: Shape, b: Shape): number {
  const vertical = Math.max(0, bottomOf(b) - topOf(a), bottomOf(a) - topOf(b));
  return Math.hypot(footprintGap(a, b), vertical);
}

/** Straight-line distance from the camera centre to the object's centre, metres. */
export function cameraDistance(a: Shape, camera: Vec3): number {
  return Math.hypot(a.centre[0] - camera[0], a.centre[1] - camera[1], a.centre[2] - camera[2]);
}

/** Distance from the camera centre to the nearest point of the object's oriented box, metres. */
export function surfaceDistance(a: Shape, camera: Vec3): number {
  const { centre, size, yaw } = a.obb;
  const dx = camera[0] - centre[0];
  const dy = camera[1] - centre[1];
  const c = Math.cos(yaw);
  const s = Math.sin(yaw);
  const u = Math.max(0, Math.abs(c * dx + s * dy) - size[0] / 2);
  const v = Math.max(0, Math.abs(-s * dx + c * dy) - size[1] / 2);
  const w = Math.max(0, Math.abs(camera[2] - centre[2]) - size[2] / 2);
  return Math.hypot(u, v, w);
}

/** Direction of a ground-plane point seen from the camera, degrees, positive to the camera's right of straight ahead. */
function azimuthOf(x: number, y: number, camera: Vec3): number {
  return Math.atan2(x - camera[0], y - camera[1]) * DEGREES;
}

/**
 * Where an object is in the picture, left to right: the azimuth of its centre and the azimuth span of
 * its footprint, degrees (negative to the left of straight ahead).
 */
export function azimuthSpan(a: Shape, camera: Vec3): { centre: number; left: number; right: number } {
  const corners = footprintCorners(a.obb);
  let left = Infinity;
  let right = -Infinity;
  for (let i = 0; i < 8; i += 2) {
    const azimuth = azimuthOf(corners[i], corners[i + 1], camera);
    left = Math.min(left, azimuth);
    right = Math.max(right, azimuth);
  }
  return { centre: azimuthOf(a.centre[0], a.centre[1], camera), left, right };
}

/** Direction from `from` to `to` on the ground plane, degrees clockwise from forward (+y), in [0, 360). */
export function clockAngle(from: Shape, to: Shape): number {
  const degrees = Math.atan2(to.centre[0] - from.centre[0], to.centre[1] - from.centre[1]) * DEGREES;
  return degrees < 0 ? degrees + 360 : degrees;
}

export function hourOfAngle(degrees: number): number {
  const hour = Math.round(degrees / 30) % 12;
  return hour === 0 ? 12 : hour;
}

/** Clock position of `to` seen from `from` facing forward: 12 = straight ahead (+y), 3 = right (+x). */
export function clockHour(from: Shape, to: Shape): number {
  return hourOfAngle(clockAngle(from, to));
}

/** Degrees between an angle and the nearest boundary between two clock hours (the hours span ±15°). */
export function clockBoundaryDistance(degrees: number): number {
  const withinHour = (((degrees + 15) % 30) + 30) % 30;
  return Math.min(withinHour, 30 - withinHour);
}

/** Whether two lengths (metres) differ by at least both the metres and the ratio margins. */
export function isClearLengthDifference(a: number, b: number, margins: QAMargins): boolean {
  const difference = Math.abs(a - b);
  return difference >= margins.metres && difference >= margins.ratio * Math.max(Math.abs(a), Math.abs(b));
}

/** A roughly equilateral triangle has its longest side at most 15 % longer than its shortest. */
export const EQUILATERAL_TOLERANCE = 0.15;
/** A right triangle has its largest angle within 10° of 90°. */
export const RIGHT_ANGLE_TOLERANCE_DEGREES = 10;

/** Longest side over shortest side (1 for an equilateral triangle). */
export function sideRatio(sides: readonly number[]): number {
  return Math.max(...sides) / Math.min(...sides);
}

/** The largest angle of a triangle with these sides, degrees (law of cosines). */
export function largestAngleDegrees(sides: readonly number[]): number {
  const [c, a, b] = [...sides].sort((x, y) => y - x);
  const cosine = (a * a + b * b - c * c) / (2 * a * b);
  return Math.acos(Math.min(1, Math.max(-1, cosine))) * DEGREES;
}

/** Room left when a footprint (long, short) is laid on one (long, short) in the best turn, metres: the smaller of the two differences. */
export function footprintSlack(inner: readonly [number, number], outer: readonly [number, number]): number {
  return Math.min(outer[0] - inner[0], outer[1] - inner[1]);
}

/** Room left when A is put inside B's box in its best orientation (sorted extents), metres. */
export function fitsInsideSlack(a: Shape, b: Shape): number {
  const da = sortedDimensions(a);
  const db = sortedDimensions(b);
  return Math.min(db[0] - da[0], db[1] - da[1], db[2] - da[2]);
}
