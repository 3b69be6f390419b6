/**
 * The question catalog's independent oracle: its rules are written from the definitions in this
 * package's README, without the package's rules or facts, and answer a record from the synthetic
 * generator's exact truth (each object's own box; for "fits under" the true table top and legs). The
 * oracle test (../oracle.test.ts) holds the catalog to it on truth scene graphs; the scene package's
 * hard-scene test scores the answers made from lifted frames against it. Test support, not exported.
 */
import type { QARecord, Vec3 } from '@spatialforge/core';
import type { TruthObject } from '@spatialforge/synth';
import { buildShape, type BoxPrimitive } from '../../../synth/src/shapes.js';

const DEG = 180 / Math.PI;
/** The README's margins: 5 cm and 5 % for lengths, 3° for directions; 2 cm resting tolerance. */
const METRES = 0.05;
const DEGREES = 3;
const RESTING = 0.02;
/** A record whose deciding quantity is this close to its threshold is a near-tie: the oracle's own rounding decides it. */
const NEAR_TIE = 0.001;

// ---- The truth, as the oracle reads it ----

export interface Thing {
  id: string;
  label: string;
  centre: Vec3;
  /** Own box: length along yaw, width, height. */
  dims: Vec3;
  yaw: number;
  bottom: number;
  top: number;
  truth: TruthObject;
}

export function thingOf(truth: TruthObject): Thing {
  const { centre, size, yaw } = truth.obb;
  return { id: truth.id, label: truth.label, centre, dims: size, yaw, bottom: centre[2] - size[2] / 2, top: centre[2] + size[2] / 2, truth };
}

/** The footprint's outline as points every 1 cm along its edges (ground plane). */
function outline(t: Thing): [number, number][] {
  const [l, w] = t.dims;
  const c = Math.cos(t.yaw);
  const s = Math.sin(t.yaw);
  const at = (u: number, v: number): [number, number] => [t.centre[0] + c * u - s * v, t.centre[1] + s * u + c * v];
  const points: [number, number][] = [];
  const steps = (length: number) => Math.max(2, Math.ceil(length / 0.01));
  for (let i = 0; i <= steps(l); i++) {
    const u = -l / 2 + (l * i) / steps(l);
    points.push(at(u, -w / 2), at(u, w / 2));
  }
  for (let i = 0; i <= steps(w); i++) {
    const v = -w / 2 + (w * i) / steps(w);
    points.push(at(-l / 2, v), at(l / 2, v));
  }
  return points;
}

function insideFootprint(p: [number, number], t: Thing): boolean {
  const dx = p[0] - t.centre[0];
  const dy = p[1] - t.centre[1];
  const u = Math.cos(t.yaw) * dx + Math.sin(t.yaw) * dy;
  const v = -Math.sin(t.yaw) * dx + Math.cos(t.yaw) * dy;
  return Math.abs(u) <= t.dims[0] / 2 + 1e-9 && Math.abs(v) <= t.dims[1] / 2 + 1e-9;
}

/** Closest points of two own boxes by sampling their outlines (within about 1 cm), metres. */
function gap(a: Thing, b: Thing): number {
  const pa = outline(a);
  const pb = outline(b);
  let flat = Infinity;
  if (pa.some((p) => insideFootprint(p, b)) || pb.some((p) => insideFootprint(p, a))) flat = 0;
  else for (const p of pa) for (const q of pb) flat = Math.min(flat, Math.hypot(p[0] - q[0], p[1] - q[1]));
  const vertical = Math.max(0, a.bottom - b.top, b.bottom - a.top);
  return Math.hypot(flat, vertical);
}

const dist = (p: Vec3, q: Vec3) => Math.hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2]);
const volume = (t: Thing) => t.dims[0] * t.dims[1] * t.dims[2];
const width = (t: Thing) => Math.max(t.dims[0], t.dims[1]);
const depth = (t: Thing) => Math.min(t.dims[0], t.dims[1]);
const clearLength = (x: number, y: number) => Math.abs(x - y) >= METRES && Math.abs(x - y) >= 0.05 * Math.max(x, y);

/** Azimuth from the camera, degrees, positive right; and the footprint's span. */
function azimuth(t: Thing, camera: Vec3): { centre: number; left: number; right: number } {
  const of = (x: number, y: number) => Math.atan2(x - camera[0], y - camera[1]) * DEG;
  const corners = outline(t);
  const all = corners.map(([x, y]) => of(x, y));
  return { centre: of(t.centre[0], t.centre[1]), left: Math.min(...all), right: Math.max(...all) };
}

/** What each synthetic label affords (written here from the README's table, for the labels synth draws). */
const SUPPORTS = new Set(['table', 'counter', 'cabinet', 'box', 'suitcase', 'book']);
const HOLDS = new Set(['box', 'bin', 'bowl', 'mug', 'suitcase', 'backpack', 'cabinet', 'vase']);
const ROOM_UNDER = new Set(['table']);
const FIXED = new Set(['table', 'counter', 'sofa', 'cabinet']);

/** Free space under a table from its true primitives: below the top slab's underside, between the legs' inner faces. */
function spaceUnder(table: Thing, things: Thing[]): { height: number; long: number; short: number } | undefined {
  if (table.truth.shape !== 'table') return undefined;
  const base: Vec3 = [table.centre[0], table.centre[1], table.bottom];
  const parts = buildShape('table', table.truth.obb.size, base, table.yaw) as BoxPrimitive[];
  const slab = parts.reduce((hi, p) => (p.center[2] > hi.center[2] ? p : hi));
  const legs = parts.filter((p) => p !== slab);
  // Inner faces of the legs along the table's own axes.
  const own = (p: BoxPrimitive) => {
    const dx = p.center[0] - table.centre[0];
    const dy = p.center[1] - table.centre[1];
    return [Math.cos(table.yaw) * dx + Math.sin(table.yaw) * dy, -Math.sin(table.yaw) * dx + Math.cos(table.yaw) * dy];
  };
  const innerU = Math.min(...legs.map((p) => Math.abs(own(p)[0]) - p.half[0])) * 2;
  const innerV = Math.min(...legs.map((p) => Math.abs(own(p)[1]) - p.half[1])) * 2;
  const underside = slab.center[2] - slab.half[2];
  let floor = table.bottom;
  for (const other of things) {
    if (other === table || other.bottom >= table.top - RESTING) continue;
    if (outline(other).some((p) => insideFootprint(p, table)) || outline(table).some((p) => insideFootprint(p, other))) floor = Math.max(floor, Math.min(other.top, underside));
  }
  return { height: underside - floor, long: Math.max(innerU, innerV), short: Math.min(innerU, innerV) };
}

// ---- The oracle's answers ----

export type Answer = { value: boolean | string | number | string[]; tie?: boolean } | { notApplicable: string };
type AnswerValue = Extract<Answer, { value: unknown }>['value'];

/**
 * Whether a record's fact agrees with the oracle's value: a length (metres) within `tolerance(truth)`,
 * anything else (booleans, ids, orders, clock hours) exactly.
 */
export function agrees(record: QARecord, truth: AnswerValue, tolerance: (truth: number) => number): boolean {
  const stated = record.fact.value;
  if (typeof truth === 'number' && record.type !== 'direction_clock') return typeof stated === 'number' && Math.abs(stated - truth) <= tolerance(truth);
  return JSON.stringify(stated) === JSON.stringify(truth);
}

export function oracle(record: QARecord, things: Map<string, Thing>, camera: Vec3): Answer {
  const objects = record.fact.objects.map((id) => things.get(id)!);
  const [a, b, c] = objects;
  const all = [...things.values()];
  const pick = (aWins: boolean) => (aWins ? a.id : b.id);
  const lateral = () => {
    const [sa, sb] = [azimuth(a, camera), azimuth(b, camera)];
    const within = (s: typeof sa, x: number) => x >= s.left && x <= s.right;
    return { aLeft: sa.centre < sb.centre, tie: Math.abs(Math.abs(sa.centre - sb.centre) - DEGREES) < NEAR_TIE || within(sb, sa.centre) || within(sa, sb.centre) };
  };
  const aboveOf = (p: Thing, q: Thing) => p.bottom >= q.top - RESTING;
  const restingTie = (p: Thing, q: Thing) => Math.abs(p.bottom - (q.top - RESTING)) < NEAR_TIE;
  const higherWinner = () => {
    if (aboveOf(a, b)) return a.id;
    if (aboveOf(b, a)) return b.id;
    return a.top > b.top ? a.id : b.id;
  };
  const fromCamera = (t: Thing) => dist(t.centre, camera);
  const lengthTie = (x: number, y: number) => Math.abs(Math.abs(x - y) - Math.max(METRES, 0.05 * Math.max(x, y))) < NEAR_TIE;
  switch (record.type) {
    case 'left_of': case 'right_of': {
      const { aLeft, tie } = lateral();
      return { value: record.type === 'left_of' ? aLeft : !aLeft, tie };
    }
    case 'choice_left': case 'choice_right': {
      const { aLeft, tie } = lateral();
      return { value: pick(record.type === 'choice_left' ? aLeft : !aLeft), tie };
    }
    case 'above': return { value: aboveOf(a, b), tie: restingTie(a, b) || restingTie(b, a) };
    case 'below': return { value: aboveOf(b, a), tie: restingTie(a, b) || restingTie(b, a) };
    case 'choice_higher': return { value: higherWinner() };
    case 'choice_lower': return { value: higherWinner() === a.id ? b.id : a.id };
    case 'behind': case 'farther': return { value: fromCamera(a) > fromCamera(b), tie: lengthTie(fromCamera(a), fromCamera(b)) };
    case 'in_front_of': return { value: fromCamera(a) < fromCamera(b), tie: lengthTie(fromCamera(a), fromCamera(b)) };
    case 'choice_closer': return { value: pick(fromCamera(a) < fromCamera(b)), tie: lengthTie(fromCamera(a), fromCamera(b)) };
    case 'choice_farther': return { value: pick(fromCamera(a) > fromCamera(b)), tie: lengthTie(fromCamera(a), fromCamera(b)) };
    case 'bigger': case 'smaller': case 'choice_bigger': case 'choice_smaller': {
      const [va, vb] = [Math.cbrt(volume(a)), Math.cbrt(volume(b))];
      const more = va > vb;
      const value = record.type === 'bigger' ? more : record.type === 'smaller' ? !more : pick(record.type === 'choice_bigger' ? more : !more);
      return { value, tie: lengthTie(va, vb) };
    }
    case 'taller': case 'shorter': case 'choice_taller': case 'choice_shorter': {
      const more = a.dims[2] > b.dims[2];
      const value = record.type === 'taller' ? more : record.type === 'shorter' ? !more : pick(record.type === 'choice_taller' ? more : !more);
      return { value, tie: lengthTie(a.dims[2], b.dims[2]) };
    }
    case 'wider': case 'thinner': case 'choice_wider': case 'choice_thinner': {
      const more = width(a) > width(b);
      const value = record.type === 'wider' ? more : record.type === 'thinner' ? !more : pick(record.type === 'choice_wider' ? more : !more);
      return { value, tie: lengthTie(width(a), width(b)) };
    }
    case 'distance_centre': return { value: dist(a.centre, b.centre) };
    case 'distance_gap': return { value: gap(a, b) };
    case 'distance_horizontal': return { value: Math.hypot(a.centre[0] - b.centre[0], a.centre[1] - b.centre[1]) };
    case 'distance_vertical': return { value: Math.abs(a.centre[2] - b.centre[2]) };
    case 'size_width': return { value: width(a) };
    case 'size_depth': return { value: depth(a) };
    case 'size_height': return { value: a.dims[2] };
    case 'distance_camera': return { value: fromCamera(a) };
    case 'how_much_left': return { value: b.centre[0] - a.centre[0] };
    case 'how_much_higher': return { value: a.bottom - b.top };
    case 'how_much_closer': return { value: fromCamera(b) - fromCamera(a) };
    case 'direction_clock': {
      const degrees = Math.atan2(b.centre[0] - a.centre[0], b.centre[1] - a.centre[1]) * DEG;
      const hour = ((Math.round(degrees / 30) % 12) + 12) % 12;
      return { value: hour === 0 ? 12 : hour };
    }
    case 'closest_to': case 'farthest_from': {
      const listed = objects.slice(1);
      const distances = listed.map((t) => dist(t.centre, a.centre));
      const best = record.type === 'closest_to' ? Math.min(...distances) : Math.max(...distances);
      return { value: listed[distances.indexOf(best)].id };
    }
    case 'sort_by_camera_distance': return { value: [...objects].sort((p, q) => fromCamera(p) - fromCamera(q)).map((t) => t.id) };
    case 'triangle_equilateral': case 'triangle_right': {
      const sides = [dist(a.centre, b.centre), dist(b.centre, c.centre), dist(c.centre, a.centre)].sort((x, y) => x - y);
      if (record.type === 'triangle_equilateral') return { value: sides[2] / sides[0] <= 1.15 };
      const angle = Math.acos((sides[0] ** 2 + sides[1] ** 2 - sides[2] ** 2) / (2 * sides[0] * sides[1])) * DEG;
      return { value: Math.abs(angle - 90) <= 10 };
    }
    case 'fits_on': {
      if (!SUPPORTS.has(b.label)) return { notApplicable: `${b.label} bears nothing on top` };
      if (FIXED.has(a.label)) return { notApplicable: `${a.label} is not moved onto things` };
      const slack = Math.min(width(b) - width(a), depth(b) - depth(a));
      return { value: slack > 0, tie: Math.abs(Math.abs(slack) - METRES) < NEAR_TIE };
    }
    case 'fits_inside': {
      if (!HOLDS.has(b.label)) return { notApplicable: `${b.label} holds nothing inside` };
      if (FIXED.has(a.label)) return { notApplicable: `${a.label} is not put into things` };
      const [da, db] = [[...a.dims].sort((x, y) => y - x), [...b.dims].sort((x, y) => y - x)];
      const slack = Math.min(db[0] - da[0], db[1] - da[1], db[2] - da[2]);
      return { value: slack > 0, tie: Math.abs(Math.abs(slack) - METRES) < NEAR_TIE };
    }
    case 'fits_under': {
      if (!ROOM_UNDER.has(b.label)) return { notApplicable: `${b.label} has no room under it` };
      if (FIXED.has(a.label)) return { notApplicable: `${a.label} is not moved under things` };
      const space = spaceUnder(b, all);
      if (!space) return { notApplicable: `${b.id} is a solid block` };
      const fits = a.dims[2] < space.height && width(a) < space.long && depth(a) < space.short;
      return { value: fits };
    }
  }
  throw new Error(`the oracle has no rule for ${record.type}`);
}

