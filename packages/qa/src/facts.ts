/**
 * Primitive spatial facts over axis-aligned boxes in the canonical frame (metres; x = camera right,
 * y = forward, z = up; see @spatialforge/core scene-graph.ts). The question catalog is built from
 * these, and the research tools (VLM evaluation, the reasoning planner) reuse them.
 *
 * Conventions, chosen to match what a person looking at the photo means:
 * - positions compare box centres: "left of" is a smaller x, "behind" a larger y (further forward
 *   from the camera's foot), "above" a larger z;
 * - "closer / farther" is the straight-line distance from the camera centre to the box centre;
 * - width is the extent along x (across the view), depth along y, height along z;
 * - "bigger / smaller" compares the edge of the cube with the object's volume (the oriented box's
 *   volume when there is one), so size differences are judged in metres like every other length.
 */
import type { OrientedBox, Vec3 } from '@spatialforge/core';

/** The geometry a fact needs: an axis-aligned box (canonical frame, metres) and optionally an oriented one. */
export interface Shape {
  centre: Vec3;
  size: Vec3;
  min: Vec3;
  max: Vec3;
  obb?: OrientedBox;
}

/** A Shape from a centre and a size (metres), e.g. for ground-truth objects. */
export function shapeFromBox(centre: Vec3, size: Vec3, obb?: OrientedBox): Shape {
  const half = size.map((s) => s / 2);
  return {
    centre,
    size,
    min: [centre[0] - half[0], centre[1] - half[1], centre[2] - half[2]],
    max: [centre[0] + half[0], centre[1] + half[1], centre[2] + half[2]],
    ...(obb ? { obb } : {}),
  };
}

/**
 * How far apart two answers must be for a question about them to be asked, so every answer is
 * unambiguous. A comparison is asked only when the difference clears both `metres` and `ratio`
 * (positions along an axis have no natural scale, so only `metres` applies to them).
 */
export interface QAMargins {
  /** Smallest difference between compared positions, lengths or distances, metres. @defaultValue 0.05 */
  metres: number;
  /** Smallest difference between compared lengths or distances, as a share of the larger. @defaultValue 0.05 */
  ratio: number;
  /** Smallest gap between a measured angle and the threshold that decides its answer (clock-hour boundary, right-angle tolerance), degrees. @defaultValue 3 */
  degrees: number;
}

export const DEFAULT_MARGINS: Readonly<QAMargins> = { metres: 0.05, ratio: 0.05, degrees: 3 };

export function centreDistance(a: Shape, b: Shape): number {
  return Math.hypot(a.centre[0] - b.centre[0], a.centre[1] - b.centre[1], a.centre[2] - b.centre[2]);
}

/** Distance between the closest points of two axis-aligned boxes, metres; 0 when they touch or overlap. */
export function gapDistance(a: Shape, b: Shape): number {
  let sum = 0;
  for (let axis = 0; axis < 3; axis++) {
    const apart = Math.max(0, b.min[axis] - a.max[axis], a.min[axis] - b.max[axis]);
    sum += apart * apart;
  }
  return Math.sqrt(sum);
}

/** Distance between the centres projected on the ground plane (x, y), metres. */
export function horizontalDistance(a: Shape, b: Shape): number {
  return Math.hypot(a.centre[0] - b.centre[0], a.centre[1] - b.centre[1]);
}

/** Difference in height of the centres, metres (non-negative). */
export function verticalDistance(a: Shape, b: Shape): number {
  return Math.abs(a.centre[2] - b.centre[2]);
}

/** Straight-line distance from the camera centre (canonical frame) to the box centre, metres. */
export function cameraDistance(a: Shape, camera: Vec3): number {
  return Math.hypot(a.centre[0] - camera[0], a.centre[1] - camera[1], a.centre[2] - camera[2]);
}

/** Extent across the view (x), metres. */
export function widthOf(a: Shape): number {
  return a.size[0];
}

/** Extent along the view (y), metres. */
export function depthOf(a: Shape): number {
  return a.size[1];
}

/** Extent along gravity (z), metres. */
export function heightOf(a: Shape): number {
  return a.size[2];
}

/** Edge of the cube with the object's volume (oriented box when present), metres. */
export function equivalentSize(a: Shape): number {
  const s = a.obb?.size ?? a.size;
  return Math.cbrt(s[0] * s[1] * s[2]);
}

/** Sides of the object's footprint on the ground plane, longer first (oriented box when present), metres. */
export function footprint(a: Shape): [number, number] {
  const s = a.obb?.size ?? a.size;
  return s[0] >= s[1] ? [s[0], s[1]] : [s[1], s[0]];
}

/** The three extents, longest first (oriented box when present), metres. */
export function sortedDimensions(a: Shape): [number, number, number] {
  const s = [...(a.obb?.size ?? a.size)].sort((x, y) => y - x);
  return [s[0], s[1], s[2]];
}

/** Direction from `from` to `to` on the ground plane, degrees clockwise from forward (+y), in [0, 360). */
export function clockAngle(from: Shape, to: Shape): number {
  const degrees = (Math.atan2(to.centre[0] - from.centre[0], to.centre[1] - from.centre[1]) * 180) / Math.PI;
  return degrees < 0 ? degrees + 360 : degrees;
}

/** Clock position of `to` seen from `from` facing forward: 12 = straight ahead (+y), 3 = right (+x). */
export function clockHour(from: Shape, to: Shape): number {
  return hourOfAngle(clockAngle(from, to));
}

export function hourOfAngle(degrees: number): number {
  const hour = Math.round(degrees / 30) % 12;
  return hour === 0 ? 12 : hour;
}

/** Degrees between an angle and the nearest boundary between two clock hours (the hours span ±15°). */
export function clockBoundaryDistance(degrees: number): number {
  const withinHour = (((degrees + 15) % 30) + 30) % 30;
  return Math.min(withinHour, 30 - withinHour);
}

/** The quantities the comparisons are made on. */
export const MEASURES = {
  /** Centre x: smaller is further left. */
  lateral: { kind: 'position', needsUp: false, of: (a: Shape) => a.centre[0] },
  /** Centre z: larger is higher. */
  elevation: { kind: 'position', needsUp: true, of: (a: Shape) => a.centre[2] },
  /** Centre y: larger is further back (behind). */
  forward: { kind: 'length', needsUp: false, of: (a: Shape) => a.centre[1] },
  cameraDistance: { kind: 'length', needsUp: false, of: (a: Shape, camera: Vec3) => cameraDistance(a, camera) },
  size: { kind: 'length', needsUp: false, of: (a: Shape) => equivalentSize(a) },
  height: { kind: 'length', needsUp: true, of: (a: Shape) => heightOf(a) },
  width: { kind: 'length', needsUp: false, of: (a: Shape) => widthOf(a) },
} as const satisfies Record<string, { kind: 'position' | 'length'; needsUp: boolean; of: (a: Shape, camera: Vec3) => number }>;

export type MeasureName = keyof typeof MEASURES;

/** Each comparison: "A <relation> B" holds when sense × (measure(A) − measure(B)) > 0. */
export const COMPARISONS = {
  left_of: { measure: 'lateral', sense: -1 },
  right_of: { measure: 'lateral', sense: 1 },
  above: { measure: 'elevation', sense: 1 },
  below: { measure: 'elevation', sense: -1 },
  behind: { measure: 'forward', sense: 1 },
  in_front_of: { measure: 'forward', sense: -1 },
  closer: { measure: 'cameraDistance', sense: -1 },
  farther: { measure: 'cameraDistance', sense: 1 },
  bigger: { measure: 'size', sense: 1 },
  smaller: { measure: 'size', sense: -1 },
  taller: { measure: 'height', sense: 1 },
  shorter: { measure: 'height', sense: -1 },
  wider: { measure: 'width', sense: 1 },
  thinner: { measure: 'width', sense: -1 },
} as const satisfies Record<string, { measure: MeasureName; sense: 1 | -1 }>;

export type ComparisonName = keyof typeof COMPARISONS;

/** Signed margin by which "A <relation> B" holds (metres; negative when it does not). */
export function comparisonMargin(relation: ComparisonName, a: Shape, b: Shape, camera: Vec3): number {
  const { measure, sense } = COMPARISONS[relation];
  const of = MEASURES[measure].of;
  return sense * (of(a, camera) - of(b, camera));
}

/** Whether "A <relation> B" holds, e.g. `compare('left_of', chair, table, camera.position)`. */
export function compare(relation: ComparisonName, a: Shape, b: Shape, camera: Vec3): boolean {
  return comparisonMargin(relation, a, b, camera) > 0;
}

/** Whether two values of a measure differ clearly enough for a question about them to be unambiguous. */
export function isClearDifference(measure: MeasureName, valueA: number, valueB: number, margins: QAMargins): boolean {
  const difference = Math.abs(valueA - valueB);
  if (difference < margins.metres) return false;
  return MEASURES[measure].kind === 'position' || difference >= margins.ratio * Math.max(Math.abs(valueA), Math.abs(valueB));
}

/** Whether two lengths (metres) differ by at least both margins. */
export function isClearLengthDifference(a: number, b: number, margins: QAMargins): boolean {
  return isClearDifference('size', a, b, margins);
}

/** A roughly equilateral triangle has its longest side at most 15 % longer than its shortest. */
export const EQUILATERAL_TOLERANCE = 0.15;
/** A right triangle has its largest angle within 10° of 90°. */
export const RIGHT_ANGLE_TOLERANCE_DEGREES = 10;

/** Centre-to-centre sides |AB|, |BC|, |CA|, metres. */
export function triangleSides(a: Shape, b: Shape, c: Shape): [number, number, number] {
  return [centreDistance(a, b), centreDistance(b, c), centreDistance(c, a)];
}

/** Longest side over shortest side (1 for an equilateral triangle). */
export function sideRatio(sides: readonly number[]): number {
  return Math.max(...sides) / Math.min(...sides);
}

/** The largest angle of a triangle with these sides, degrees (law of cosines). */
export function largestAngleDegrees(sides: readonly number[]): number {
  const [c, a, b] = [...sides].sort((x, y) => y - x);
  const cosine = (a * a + b * b - c * c) / (2 * a * b);
  return (Math.acos(Math.min(1, Math.max(-1, cosine))) * 180) / Math.PI;
}

export function isRoughlyEquilateral(a: Shape, b: Shape, c: Shape, tolerance = EQUILATERAL_TOLERANCE): boolean {
  return sideRatio(triangleSides(a, b, c)) <= 1 + tolerance;
}

export function isRightTriangle(a: Shape, b: Shape, c: Shape, toleranceDegrees = RIGHT_ANGLE_TOLERANCE_DEGREES): boolean {
  return Math.abs(largestAngleDegrees(triangleSides(a, b, c)) - 90) <= toleranceDegrees;
}

/**
 * How much room A's footprint leaves on top of B's, metres: the smaller of the differences between
 * their long sides and their short sides. A fits on B when it is positive.
 */
export function fitsOnSlack(a: Shape, b: Shape): number {
  const [aLong, aShort] = footprint(a);
  const [bLong, bShort] = footprint(b);
  return Math.min(bLong - aLong, bShort - aShort);
}

export function fitsOn(a: Shape, b: Shape): boolean {
  return fitsOnSlack(a, b) > 0;
}

/**
 * Free height under B, metres: from the highest object standing below it (centre under B's underside,
 * footprints overlapping), or from the support plane (z = 0), up to B's underside. 0 when B rests on
 * something or on the plane.
 */
export function clearanceUnder(b: Shape, others: readonly Shape[]): number {
  let floor = 0;
  for (const other of others) {
    if (other === b || other.centre[2] >= b.min[2]) continue;
    const overlaps = other.min[0] < b.max[0] && other.max[0] > b.min[0] && other.min[1] < b.max[1] && other.max[1] > b.min[1];
    if (overlaps) floor = Math.max(floor, other.max[2]);
  }
  return Math.max(0, b.min[2] - floor);
}

/** Room left when A is slid under B (metres): the smaller of the height clearance and the footprint slack. */
export function fitsUnderSlack(a: Shape, b: Shape, clearance: number): number {
  return Math.min(clearance - heightOf(a), fitsOnSlack(a, b));
}

export function fitsUnder(a: Shape, b: Shape, others: readonly Shape[]): boolean {
  return fitsUnderSlack(a, b, clearanceUnder(b, others)) > 0;
}

/** Room left when A is put inside B's box in the best orientation (sorted extents), metres. */
export function fitsInsideSlack(a: Shape, b: Shape): number {
  const da = sortedDimensions(a);
  const db = sortedDimensions(b);
  return Math.min(db[0] - da[0], db[1] - da[1], db[2] - da[2]);
}

export function fitsInside(a: Shape, b: Shape): boolean {
  return fitsInsideSlack(a, b) > 0;
}
