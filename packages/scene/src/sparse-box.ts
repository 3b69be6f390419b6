/**
 * An object inside a 2D box from a handful of depth samples (projected lidar, a subsampled cloud, or
 * a box too far for a dense cluster). Its samples are the box's dominant depth mode: the samples off
 * the support plane are split into the surfaces they lie on (where they come in lidar rings, those
 * the rings connect, see `connectedAlongRings`; otherwise depth modes, where consecutive depths jump
 * by more than the object could be deep), and the box's object is the one that best fills the box
 * (the share of the box's width and height it spans). Where a surface runs on into other boxes (a
 * crowd, a row of barriers, a cone before a car), the boxes split it, see `crowdDepthMode`. Its
 * extent is the 2D box carried through the camera to those samples; see `frustumExtent`.
 */
import { selectRank, type OrganizedCloud } from '@spatialforge/geometry';
import type { Box2D, Intrinsics, Vec3 } from '@spatialforge/core';
import type { CanonicalTransform } from './canonical.js';

/** Least depth gap between two modes, metres, and as a share of the depth (lidar range noise grows with it). */
const MIN_GAP = 0.3;
const GAP_PER_METRE = 0.03;
/**
 * Samples this close above the support plane (or below it) are the ground, not the object: metres,
 * at least the plane fit's own threshold, growing by 0.5 % of the depth (a plane fitted near the camera
 * drifts from the real ground with distance).
 */
const GROUND_DISTANCE = 0.08;
const GROUND_PER_METRE = 0.005;
/** A depth mode needs this share of the box's samples off the ground (and 3 samples) to be the object. */
const MIN_MODE_SHARE = 0.1;
const MIN_MODE_COUNT = 3;
/** Rows below a box where the ground under it is read, as a share of the box's height (at least 10 rows: a far ring of lidar returns is several rows from the next). */
const GROUND_BAND = 0.5;
/** Samples under a box farther than this from the plane (metres, or 2 % of their depth) are not the ground. */
const GROUND_SEARCH = 0.3;
const GROUND_SEARCH_PER_METRE = 0.02;

/** The pixel rectangle of a box clipped to the image, whole pixels [x0, y0, x1, y1) . */
export function pixelRect(box: Box2D, width: number, height: number): [number, number, number, number] {
  return [Math.max(0, Math.floor(box[0])), Math.max(0, Math.floor(box[1])), Math.min(width, Math.ceil(box[2])), Math.min(height, Math.ceil(box[3]))];
}

/** Pass as `owner` to `samplesInBox` to take every pixel with depth, claimed or not. */
export const ANY_OWNER = -2;

/**
 * Pixels with depth inside the box, every `stride`-th row and column, that are unclaimed
 * (`claimed[p] < 0`) or claimed by `owner`.
 */
export function samplesInBox(cloud: OrganizedCloud, box: Box2D, claimed: Int32Array, stride = 1, owner = -1): Int32Array {
  const { width, height, positions } = cloud;
  const [x0, y0, x1, y1] = pixelRect(box, width, height);
  const out = new Int32Array(Math.ceil((x1 - x0) / stride) * Math.ceil((y1 - y0) / stride));
  let n = 0;
  for (let v = y0; v < y1; v += stride) {
    for (let u = x0, p = v * width + x0; u < x1; u += stride, p += stride) if (positions[3 * p + 2] > 0 && (owner === ANY_OWNER || claimed[p] < 0 || claimed[p] === owner)) out[n++] = p;
  }
  return out.slice(0, n);
}

/** Pixels with depth inside the box and inside none of `others` (its exclusive region), whoever claimed them. */
export function exclusiveSamples(cloud: OrganizedCloud, box: Box2D, others: readonly Box2D[]): Int32Array {
  const { width, height } = cloud;
  const rects = others.map((o) => pixelRect(o, width, height));
  const all = samplesInBox(cloud, box, new Int32Array(0), 1, ANY_OWNER);
  const out = new Int32Array(all.length);
  let n = 0;
  for (const p of all) {
    const u = p % width, v = (p - u) / width;
    if (!rects.some(([x0, y0, x1, y1]) => u >= x0 && u < x1 && v >= y0 && v < y1)) out[n++] = p;
  }
  return out.slice(0, n);
}

/** How many pixels inside the box have depth. */
export function depthPixelsInBox(cloud: OrganizedCloud, box: Box2D): number {
  const { width, height, positions } = cloud;
  const [x0, y0, x1, y1] = pixelRect(box, width, height);
  let n = 0;
  for (let v = y0; v < y1; v++) for (let p = 3 * (v * width + x0) + 2, end = 3 * (v * width + x1); p < end; p += 3) if (positions[p] > 0) n++;
  return n;
}

/**
 * The samples of the box's dominant depth mode (pixel indices): of the surfaces the samples off the
 * support plane lie on, the one that best fills the box; empty when no sample is off the plane.
 * `samples` are pixels with depth (camera z > 0).
 */
export function dominantDepthMode(cloud: OrganizedCloud, box: Box2D, samples: Int32Array, pose: CanonicalTransform, planeDistance: number): Int32Array {
  const { positions, width } = cloud;
  const candidates = offGround(cloud, box, samples, pose, planeDistance);
  if (candidates.length === 0) return candidates;
  const surfaces = (pose.canonical ? ringSurfaces(cloud, box, candidates, pose) : undefined) ?? depthModes(positions, candidates);
  const groups = surfaces.reduce((most, label) => Math.max(most, label + 1), 0);
  const extents = new Float64Array(4 * groups);
  const counts = new Int32Array(groups);
  candidates.forEach((p, k) => grow(extents, counts, surfaces[k], p % width, Math.floor(p / width)));
  let best = 0;
  let bestScore = -Infinity;
  for (let g = 0; g < groups; g++) {
    if (counts[g] === 0) continue;
    const score = counts[g] >= leastModeCount(candidates.length) ? boxFill(box, extents, g) : -1 / counts[g];
    if (score > bestScore) {
      bestScore = score;
      best = g;
    }
  }
  return candidates.filter((_, k) => surfaces[k] === best);
}

/** Least samples a depth mode needs to be a box's object, of the box's `candidates` samples off the ground. */
function leastModeCount(candidates: number): number {
  return Math.max(MIN_MODE_SHARE * candidates, Math.min(MIN_MODE_COUNT, candidates));
}

/**
 * Adds pixel (u, v) to extent `g` of `extents` (u0, v0, u1, v1 per extent, pixels) and counts it;
 * an extent whose count is 0 starts at the pixel.
 */
function grow(extents: Float64Array, counts: Int32Array, g: number, u: number, v: number): void {
  const e = 4 * g;
  if (counts[g]++ === 0) {
    extents[e] = extents[e + 2] = u;
    extents[e + 1] = extents[e + 3] = v;
    return;
  }
  if (u < extents[e]) extents[e] = u;
  if (v < extents[e + 1]) extents[e + 1] = v;
  if (u > extents[e + 2]) extents[e + 2] = u;
  if (v > extents[e + 3]) extents[e + 3] = v;
}

/**
 * How well extent `g` of `extents` (pixels, see `grow`) fills a box: the share of the box's height it
 * spans times the square root of the share of its width. The object spans its box from top to bottom
 * (the box is its outline); the background shows above or beside it, a neighbour at one side. Width
 * counts less: a lidar ring crosses a person's torso, not the arms that widen the box.
 */
function boxFill(box: Box2D, extents: Float64Array, g: number): number {
  const boxWidth = Math.max(1, box[2] - box[0]), boxHeight = Math.max(1, box[3] - box[1]);
  const e = 4 * g;
  return (Math.min(boxHeight, extents[e + 3] - extents[e + 1] + 1) / boxHeight) * Math.sqrt(Math.min(boxWidth, extents[e + 2] - extents[e] + 1) / boxWidth);
}

/**
 * How centrally pixel (u, v) lies in a box: 1 at its centre, 0 on its edges (negative outside), by the
 * larger of the horizontal and vertical offsets, each as a share of the box's half size.
 */
export function centrality(box: Box2D, u: number, v: number): number {
  const halfWidth = Math.max(0.5, (box[2] - box[0]) / 2), halfHeight = Math.max(0.5, (box[3] - box[1]) / 2);
  return 1 - Math.max(Math.abs(u - (box[0] + box[2]) / 2) / halfWidth, Math.abs(v - (box[1] + box[3]) / 2) / halfHeight);
}

/** The samples (pixel indices) off the support plane and off the ground seen under the box; all of them without a plane. */
function offGround(cloud: OrganizedCloud, box: Box2D, samples: Int32Array, pose: CanonicalTransform, planeDistance: number): Int32Array {
  if (!pose.plane) return samples;
  const { positions } = cloud;
  const [nx, ny, nz] = pose.plane.normal;
  const d = pose.plane.d;
  const ground = localGround(cloud, box, pose);
  const off = new Int32Array(samples.length);
  let n = 0;
  for (const p of samples) {
    const o = 3 * p;
    const threshold = Math.max(GROUND_DISTANCE, planeDistance, GROUND_PER_METRE * positions[o + 2]);
    if (nx * positions[o] + ny * positions[o + 1] + nz * positions[o + 2] + d - ground > threshold) off[n++] = p;
  }
  return off.slice(0, n);
}

/** The window around a box where a surface that runs on beyond it shows, as a share of the box's size. */
const WINDOW_MARGIN = 0.35;
/** A detector's box may cut its object short by this share of its size on a side (and a pixel). */
const BOX_SLACK = 0.1;
/** A surface with more than this many samples beyond a box's slack per sample inside the box runs on beyond it. */
const CARRY_ON_SHARE = 0.15;
/** A box with this share of its area inside another lies in it (as the lift's order of boxes has it). */
const CONTAINED_SHARE = 0.7;
/** Where a box's own part of a row of objects lies is read off at most this many of its samples. */
const OWN_PART_SAMPLES = 64;

/**
 * Kinds of a box's share of a surface (`crowdDepthMode`): a surface a waiting box holds; a surface
 * running on beyond the box's slack (a row's share, the background); one ending in the box.
 */
const ANOTHERS = 0, RUNS_ON = 1, ENDS_IN_BOX = 2;

/**
 * The samples (pixel indices) of a box's object where the boxes still `waiting` for theirs may hold
 * the same surfaces: a crowd (pedestrians in a group, barriers in a row, cars parked bumper to bumper),
 * a cone before a car. The unclaimed samples off the ground in a window around the box and the waiting
 * boxes that overlap it (its rivals) are split into surfaces as `dominantDepthMode` does, each cut
 * where its depths jump (`depthModes`: the rings join one person to another behind him). A box is its
 * object's outline: a surface *holds* in a box when it has samples there and few beyond the box's
 * slack inside other boxes (it runs on into no other object's box), and *ends* there when it has few
 * beyond the slack at all. Of each surface, the box's share is:
 * - its samples in the box, when it holds there and in no rival; when it holds in rivals too (a person
 *   whose box and his neighbour's both hold him), only if it holds best here (the fewest samples
 *   beyond the slack per sample inside), then fits best here (`boxFill` times the `centrality` of its extent's centre);
 * - when it runs on into a rival that holds it, its samples in the box as another's object (a car's
 *   side through the box of a cone before it): the box's object only when nothing of its own lies
 *   before it (then it lies on that surface or is part of it: a book on a counter);
 * - when it holds in no box it lies in (a row of barriers, cars bumper to bumper): its samples in the
 *   box that lie nearer the box's own part of the row (its samples in none of the rivals) than each
 *   rival's (`rowShare`).
 * Each share is cut where its depths jump in the box. The object is, of those with enough samples
 * (`leastModeCount` of the box's samples off the ground), the one that best fills the box among those
 * that end in it, else among the rest; the largest when none has enough. A box whose window holds no
 * other box is `dominantDepthMode` of its own samples.
 * - `others`: the boxes of the frame's other objects, pixels; `waiting`: those of them not yet given their samples;
 * - `claimed[p] >= 0`: pixel p is taken.
 */
export function crowdDepthMode(
  cloud: OrganizedCloud, box: Box2D, others: readonly Box2D[], waiting: readonly Box2D[], claimed: Int32Array, pose: CanonicalTransform, planeDistance: number,
): Int32Array {
  const { width, height, positions } = cloud;
  // The boxes competing for the samples: this one first, then the waiting ones overlapping it.
  const rivals = [box, ...waiting.filter((o) => overlap(o, box))];
  const window: Box2D = [Infinity, Infinity, -Infinity, -Infinity];
  for (const r of rivals) {
    const marginX = WINDOW_MARGIN * (r[2] - r[0]), marginY = WINDOW_MARGIN * (r[3] - r[1]);
    window[0] = Math.min(window[0], r[0] - marginX);
    window[1] = Math.min(window[1], r[1] - marginY);
    window[2] = Math.max(window[2], r[2] + marginX);
    window[3] = Math.max(window[3], r[3] + marginY);
  }
  const near = others.filter((o) => overlap(o, window));
  if (near.length === 0) return dominantDepthMode(cloud, box, samplesInBox(cloud, box, claimed), pose, planeDistance);
  const candidates = offGround(cloud, box, samplesInBox(cloud, window, claimed), pose, planeDistance);
  if (candidates.length === 0) return candidates;
  const surfaces = cutAtDepthJumps(positions, candidates, (pose.canonical ? ringSurfaces(cloud, box, candidates, pose, window) : undefined) ?? depthModes(positions, candidates));
  const samples = windowSamples(candidates, width, [box, ...near], near.filter((o) => !waiting.includes(o)));
  const rects = rivals.map((r) => pixelRect(r, width, height));
  const slacks = rivals.map((r) => [Math.round(BOX_SLACK * (r[2] - r[0])) + 1, Math.round(BOX_SLACK * (r[3] - r[1])) + 1]);
  // Of a surface's samples (candidate indices), those beyond rival j's slack (inside another box, or
  // `anywhere`) per sample in its box; Infinity for none in it.
  const spill = (members: Int32Array, j: number, anywhere: boolean) => {
    const [x0, y0, x1, y1] = rects[j], [sx, sy] = slacks[j];
    let inside = 0, out = 0;
    for (const k of members) {
      const u = samples.us[k], v = samples.vs[k];
      if (u >= x0 && u < x1 && v >= y0 && v < y1) inside++;
      else if ((anywhere || samples.boxed[k] > 0) && (u < x0 - sx || u >= x1 + sx || v < y0 - sy || v >= y1 + sy)) out++;
    }
    return inside === 0 ? Infinity : out / inside;
  };
  // How well a surface fits rival j: how it fills the box, times how centrally it lies in it.
  const fit = (members: Int32Array, j: number) => {
    const extent = new Float64Array(4), count = new Int32Array(1);
    for (const k of members) if (samples.inRect(rects[j], k)) grow(extent, count, 0, samples.us[k], samples.vs[k]);
    return boxFill(rivals[j], extent, 0) * centrality(rivals[j], (extent[0] + extent[2]) / 2, (extent[1] + extent[3]) / 2);
  };
  // Whether the box lies mostly inside each rival: then it holds what is in it (what stands on that one's object, or before it).
  const area = (r: readonly number[]) => Math.max(0, r[2] - r[0]) * Math.max(0, r[3] - r[1]);
  const containedIn = rivals.map((r) => area([Math.max(r[0], box[0]), Math.max(r[1], box[1]), Math.min(r[2], box[2]), Math.min(r[3], box[3])]) >= CONTAINED_SHARE * area(box));

  // The box's share of each surface (-1: none) and each surface's kind.
  const shareOf = new Int32Array(candidates.length).fill(-1);
  const kind = new Uint8Array(surfaces.length);
  const bySurface = groupByLabel(surfaces);
  bySurface.forEach((members, g) => {
    const here = spill(members, 0, false);
    const holders: number[] = [];
    for (let j = 1; j < rivals.length; j++) if (spill(members, j, false) <= CARRY_ON_SHARE) holders.push(j);
    let share = members;
    if (here > CARRY_ON_SHARE) {
      kind[g] = holders.length > 0 ? ANOTHERS : RUNS_ON;
      if (holders.length === 0) share = rowShare(positions, candidates, samples, members, rects.filter((_, j) => j === 0 || !containedIn[j]));
    } else {
      kind[g] = spill(members, 0, true) <= CARRY_ON_SHARE ? ENDS_IN_BOX : RUNS_ON;
      if (holders.some((j) => spill(members, j, false) < here || (spill(members, j, false) === here && fit(members, j) > fit(members, 0)))) return;
    }
    for (const k of share) if (samples.inRect(rects[0], k)) shareOf[k] = g;
  });

  // The units the object is chosen from: each share cut where its depths in the box jump (what stands
  // before or behind an object, joined to it through the window), with its kind, samples, pixel
  // extent and median depth (metres).
  const units = cutAtDepthJumps(positions, candidates, shareOf);
  const unitCount = units.reduce((most, label) => Math.max(most, label + 1), 0);
  const unitKind = new Uint8Array(unitCount), counts = new Int32Array(unitCount), extents = new Float64Array(4 * unitCount), depth = new Float64Array(unitCount);
  const depths = new Float32Array(candidates.length);
  groupByLabel(units).forEach((members, u) => {
    for (let i = 0; i < members.length; i++) {
      const k = members[i];
      grow(extents, counts, u, samples.us[k], samples.vs[k]);
      depths[i] = positions[3 * candidates[k] + 2];
    }
    unitKind[u] = kind[shareOf[members[0]]];
    depth[u] = selectRank(depths, members.length, members.length >> 1);
  });
  // Another box's surface is not this one's object when something of its own lies before it (what a
  // nearer object left in its box does not count).
  let nearestOwn = Infinity;
  for (let k = 0; k < candidates.length; k++) {
    const u = units[k];
    if (u >= 0 && unitKind[u] !== ANOTHERS && !samples.leftOver[k]) nearestOwn = Math.min(nearestOwn, depth[u]);
  }
  const least = leastModeCount(samples.countIn(rects[0]));
  let chosen = -1, chosenScore = -Infinity;
  for (let u = 0; u < unitCount; u++) {
    if (unitKind[u] === ANOTHERS && nearestOwn < depth[u]) continue;
    // Tiers: [2, 3] ends in the box, [1, 2] the others, [-1, 0) too few samples (the largest first).
    const score = counts[u] >= least ? (unitKind[u] === ENDS_IN_BOX ? 2 : 1) + boxFill(box, extents, u) : -1 / counts[u];
    if (score > chosenScore) {
      chosenScore = score;
      chosen = u;
    }
  }
  return candidates.filter((_, k) => chosen >= 0 && units[k] === chosen);
}

/** The samples of a crowd's window (pixel indices in an image `width` wide) and where they lie. */
interface WindowSamples {
  /** Each sample's column and row, pixels. */
  us: Int32Array;
  vs: Int32Array;
  /** How many of the boxes in the window each lies in. */
  boxed: Uint8Array;
  /** 1 where a box already given its samples holds it: what a nearer object left there. */
  leftOver: Uint8Array;
  /** Whether sample k lies in a pixel rectangle [x0, y0, x1, y1). */
  inRect(rect: readonly number[], k: number): boolean;
  /** How many samples lie in a pixel rectangle. */
  countIn(rect: readonly number[]): number;
}

function windowSamples(pixels: Int32Array, width: number, boxes: readonly Box2D[], given: readonly Box2D[]): WindowSamples {
  const n = pixels.length;
  const us = new Int32Array(n), vs = new Int32Array(n), boxed = new Uint8Array(n), leftOver = new Uint8Array(n);
  const inRect = (rect: readonly number[], k: number) => us[k] >= rect[0] && us[k] < rect[2] && vs[k] >= rect[1] && vs[k] < rect[3];
  const rects = boxes.map((b) => pixelRect(b, Infinity, Infinity)), givenRects = given.map((b) => pixelRect(b, Infinity, Infinity));
  for (let k = 0; k < n; k++) {
    us[k] = pixels[k] % width;
    vs[k] = (pixels[k] - us[k]) / width;
    for (const rect of rects) if (inRect(rect, k)) boxed[k]++;
    for (const rect of givenRects) if (inRect(rect, k)) leftOver[k] = 1;
  }
  const countIn = (rect: readonly number[]) => {
    let count = 0;
    for (let k = 0; k < n; k++) if (inRect(rect, k)) count++;
    return count;
  };
  return { us, vs, boxed, leftOver, inRect, countIn };
}

/**
 * A box's share of a row of objects (a surface running on through several boxes): of the surface's
 * samples (`members`, candidate indices) in the box (`rects[0]`, pixels), those in no rival box
 * (`rects[1..]`) and those in rivals that lie at least as near (metres) the box's own part of the row
 * (its samples in none of the rivals) as each rival's own part: the row is split where its objects
 * meet, and the nearer object keeps what it hides.
 */
function rowShare(positions: Float32Array, pixels: Int32Array, samples: WindowSamples, members: Int32Array, rects: readonly number[][]): Int32Array {
  const lying = rects.filter((rect, j) => j === 0 || members.some((k) => samples.inRect(rect, k)));
  // Each box's own part, at most OWN_PART_SAMPLES of it evenly spread.
  const own = lying.map((rect) => {
    const alone = members.filter((k) => samples.inRect(rect, k) && lying.every((other) => other === rect || !samples.inRect(other, k)));
    const every = Math.ceil(alone.length / OWN_PART_SAMPLES);
    return alone.filter((_, i) => i % every === 0);
  });
  // Squared distance (m²) from sample k to the nearest of a part.
  const nearest = (k: number, part: Int32Array) => {
    const o = 3 * pixels[k];
    let best = Infinity;
    for (const i of part) {
      const q = 3 * pixels[i];
      best = Math.min(best, (positions[o] - positions[q]) ** 2 + (positions[o + 1] - positions[q + 1]) ** 2 + (positions[o + 2] - positions[q + 2]) ** 2);
    }
    return best;
  };
  return members.filter((k) => {
    if (!samples.inRect(lying[0], k)) return false;
    let here = -1;
    for (let j = 1; j < lying.length; j++) {
      if (!samples.inRect(lying[j], k)) continue;
      if (here < 0) here = nearest(k, own[0]);
      if (nearest(k, own[j]) < here) return false;
    }
    return true;
  });
}

/** Whether two boxes (pixels) overlap. */
function overlap(a: Box2D, b: Box2D): boolean {
  return a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3];
}

/** The indices of each label (0 .. the largest; -1 for none), ascending: members[g] are those labelled g. */
function groupByLabel(labels: Int32Array): Int32Array[] {
  const groups = labels.reduce((most, label) => Math.max(most, label + 1), 0);
  const start = new Int32Array(groups + 1);
  for (const g of labels) if (g >= 0) start[g + 1]++;
  for (let g = 0; g < groups; g++) start[g + 1] += start[g];
  const order = new Int32Array(start[groups]);
  const next = start.slice(0, groups);
  labels.forEach((g, k) => {
    if (g >= 0) order[next[g]++] = k;
  });
  return Array.from({ length: groups }, (_, g) => order.subarray(start[g], start[g + 1]));
}

/**
 * Labels of samples (pixel indices; -1 for none) cut where the depths of one label's samples jump
 * (`depthModes`): new labels, numbered from 0 (-1 stays none).
 */
function cutAtDepthJumps(positions: Float32Array, samples: Int32Array, labels: Int32Array): Int32Array {
  const cut = new Int32Array(samples.length).fill(-1);
  let count = 0;
  for (const members of groupByLabel(labels)) {
    if (members.length === 0) continue;
    const modes = depthModes(positions, Int32Array.from(members, (k) => samples[k]));
    let most = 0;
    members.forEach((k, i) => {
      cut[k] = count + modes[i];
      most = Math.max(most, modes[i] + 1);
    });
    count += most;
  }
  return cut;
}

/** Depth modes of the samples (pixel indices): a label per sample, a new one where the sorted depths jump by more than an object could be deep. */
function depthModes(positions: Float32Array, samples: Int32Array): Int32Array {
  const n = samples.length;
  const sorted = new Float32Array(n);
  for (let k = 0; k < n; k++) sorted[k] = positions[3 * samples[k] + 2];
  sorted.sort();
  // The depths each mode starts above (the last depth before a jump), ascending.
  const jumps = new Float32Array(n);
  let modes = 0;
  for (let k = 1; k < n; k++) if (sorted[k] - sorted[k - 1] > Math.max(MIN_GAP, GAP_PER_METRE * sorted[k - 1])) jumps[modes++] = sorted[k - 1];
  const labels = new Int32Array(n);
  if (modes === 0) return labels;
  for (let k = 0; k < n; k++) {
    const z = positions[3 * samples[k] + 2];
    let lo = 0, hi = modes;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (jumps[mid] < z) lo = mid + 1;
      else hi = mid;
    }
    labels[k] = lo;
  }
  return labels;
}

/**
 * The surfaces the samples (pixel indices, in `region`) lie on when they come in rings of returns
 * (projected lidar): a label per sample, undefined when they show no rings. See `connectedAlongRings`
 * (a level links no farther than the box is wide).
 */
function ringSurfaces(cloud: OrganizedCloud, box: Box2D, samples: Int32Array, pose: CanonicalTransform, region: Box2D = box): Int32Array | undefined {
  // Rings leave most rows between them empty: a region (the box, or a window around it the samples
  // come from) with depth on most of its pixels is dense.
  const [x0, y0, x1, y1] = pixelRect(region, cloud.width, cloud.height);
  if (samples.length > DENSE_SHARE * (x1 - x0) * (y1 - y0)) return undefined;
  const resolution = rowAngle(cloud, samples);
  if (!(resolution > 0) || onGrid(samples, cloud.width)) return undefined;
  const points = new Float32Array(samples.length * 3);
  const r = pose.rotation, t = pose.translation, { positions } = cloud;
  samples.forEach((p, k) => {
    const x = positions[3 * p], y = positions[3 * p + 1], z = positions[3 * p + 2];
    points[3 * k] = r[0] * x + r[1] * y + r[2] * z + t[0];
    points[3 * k + 1] = r[3] * x + r[4] * y + r[5] * z + t[1];
    points[3 * k + 2] = r[6] * x + r[7] * y + r[8] * z + t[2];
  });
  return connectedAlongRings(points, samples, cloud.width, t, resolution, (box[2] - box[0]) * resolution, () => rangeNoise(cloud));
}

/** Boxes with depth on more than this share of their pixels are dense: no lidar's rings. */
const DENSE_SHARE = 0.5;

/** Range noise of each cloud measured so far (it is the sensor's, the same over the frame). */
const noiseOfCloud = new WeakMap<Float32Array, number>();

/** The range noise is measured on about this many samples, in rows spread over the frame (a dense frame needs no more). */
const NOISE_SAMPLES = 20000;

/**
 * The range noise of an organised cloud's samples, metres (one standard deviation): over rows spread
 * over the frame, the second differences of the range across consecutive returns (no farther apart
 * than NEXT_RETURN times their median spacing), median absolute, as a standard deviation. A frame's
 * returns are mostly on smooth surfaces (the ground, walls), so edges barely move the median.
 */
export function rangeNoise(cloud: OrganizedCloud): number {
  const known = noiseOfCloud.get(cloud.positions);
  if (known !== undefined) return known;
  const { width, height, positions } = cloud;
  let valid = 0;
  for (let p = 0, n = width * height; p < n; p++) if (positions[3 * p + 2] > 0) valid++;
  const rowStep = Math.max(1, Math.ceil(valid / NOISE_SAMPLES));
  // Returns of the rows read, row after row: their columns and ranges (metres), and where each row ends.
  const columns = new Int32Array(Math.ceil(valid / rowStep) + width), ranges = new Float32Array(columns.length);
  const rowEnds = new Int32Array(Math.ceil(height / rowStep));
  let count = 0;
  for (let v = 0, row = 0; v < height; v += rowStep, row++) {
    for (let u = 0, p = v * width; u < width; u++, p++) {
      if (!(positions[3 * p + 2] > 0)) continue;
      columns[count] = u;
      const x = positions[3 * p], y = positions[3 * p + 1], z = positions[3 * p + 2];
      ranges[count++] = Math.sqrt(x * x + y * y + z * z);
    }
    rowEnds[row] = count;
  }
  const gaps = new Float32Array(count), second = new Float32Array(count);
  let gapCount = 0, secondCount = 0;
  for (let row = 0, k = 0; row < rowEnds.length; k = rowEnds[row++]) for (let j = k + 1; j < rowEnds[row]; j++) gaps[gapCount++] = columns[j] - columns[j - 1];
  let sigma = 0;
  if (gapCount > 0) {
    const near = NEXT_RETURN * selectRank(gaps, gapCount, gapCount >> 1);
    for (let row = 0, k = 0; row < rowEnds.length; k = rowEnds[row++]) {
      for (let j = k + 1; j + 1 < rowEnds[row]; j++) {
        if (columns[j] - columns[j - 1] <= near && columns[j + 1] - columns[j] <= near) second[secondCount++] = Math.abs(ranges[j] - (ranges[j - 1] + ranges[j + 1]) / 2);
      }
    }
    if (secondCount > 0) sigma = selectRank(second, secondCount, secondCount >> 1) / (NORMAL_MEDIAN * Math.sqrt(1.5));
  }
  noiseOfCloud.set(cloud.positions, sigma);
  return sigma;
}

/**
 * Whether the pixels lie on a grid coarser than the image's (every k-th row and column, k > 1): a
 * subsample taken with a stride, whose rows are no lidar's rings.
 */
export function onGrid(pixels: Int32Array, imageWidth: number): boolean {
  if (pixels.length < 2) return false;
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  const u0 = pixels[0] % imageWidth, v0 = Math.floor(pixels[0] / imageWidth);
  let rows = 0, columns = 0;
  for (const p of pixels) {
    const u = p % imageWidth;
    rows = gcd(rows, Math.abs((p - u) / imageWidth - v0));
    columns = gcd(columns, Math.abs(u - u0));
  }
  return rows !== 1 && columns !== 1;
}

/**
 * The angle one pixel row spans (1 / fy, radians), read off an organised cloud's samples: a pixel's
 * back-projected y / z is (v − cy) / fy, so two samples rows apart give it exactly. NaN when all the
 * samples lie on one row.
 */
export function rowAngle(cloud: OrganizedCloud, samples: Int32Array): number {
  const { positions, width } = cloud;
  let top = -1, bottom = -1;
  for (const p of samples) {
    if (top < 0 || p < top) top = p;
    if (bottom < 0 || p > bottom) bottom = p;
  }
  const rows = Math.floor(bottom / width) - Math.floor(top / width);
  if (rows === 0) return NaN;
  return (positions[3 * bottom + 1] / positions[3 * bottom + 2] - positions[3 * top + 1] / positions[3 * top + 2]) / rows;
}

/** The median of |x| for x normal with unit standard deviation. */
const NORMAL_MEDIAN = 0.6745;
/** Range noise allowed between two returns on one surface, standard deviations of their difference. */
const NOISE_SIGMAS = 3;
/**
 * Along a ring, neighbouring returns lie on one surface while their ranges differ by at most this
 * many times the arc between them: a surface down to 10° from the ray (a box's side seen nearly edge-on).
 */
const ALONG_RING_SLOPE = 1 / Math.tan((10 * Math.PI) / 180);
/** Returns along a ring up to this many steps apart are neighbours (one return missing between them); a wider gap is something else between them. */
const NEXT_RETURN = 2.5;
/** Returns within this share of each other's range are at about one range (on one surface, for measuring the ring step). */
const SAME_RANGE = 0.05;
/** The ring step is measured on at most this many returns spread over a box's (its median needs no more). */
const RING_STEP_SAMPLES = 256;
/** Rings are at least this many pixel rows apart; closer, the depth is dense (or unstructured), not rings. */
const MIN_RING_ROWS = 3;
/**
 * Rows down to this many ring steps below a return are its neighbours across: a ring may be missing
 * on the object (a car's window returns nothing) or be another thing's (a lidar beside the camera
 * shifts the rings of near and far things apart).
 */
const ACROSS_RING_REACH = 2.5;
/**
 * Across rings, neighbouring returns lie on one surface while their ranges differ by at most this many
 * times the arc between them: a surface facing the camera within 60° (a face, a top seen from well above).
 */
const ACROSS_RING_SLOPE = Math.tan((60 * Math.PI) / 180);
/** Across rings, returns at one height (a top seen from above) up to this many times the spacing of the rings on a level there. */
const LEVEL_REACH = 2;

/**
 * Labels the samples by the surface they lie on, when they come in rings of returns (projected
 * lidar: rows of returns a few pixels apart along the row, several rows between rings). Returns
 * that neighbour each other along a ring (the next one along, a row up or down at most) or across
 * rings (the nearest one sideways in each row down to 2.5 ring steps below) are linked when they
 * are on one surface: a face seen within 60° of head-on (ranges differing by at most the arc between
 * them times tan 60°, plus the noise), a face seen obliquely along a ring (up to 10° from the ray),
 * or a level (a top seen from above: the same height within the noise, no farther apart than the
 * rings fall on a level at that height, nor farther than the object is wide: a ground the plane
 * left, seen nearly edge-on, is not one top). The ring step is measured on the samples themselves.
 * Undefined when the samples show no rings.
 * - `points`: the samples in the canonical frame (packed xyz), the camera at `origin`;
 * - `pixels`: their pixel indices in an image `imageWidth` wide;
 * - `resolution`: the angle of one pixel, `width` the angle the object's box spans across, radians;
 * - `rangeNoise`: the sensor's range noise, metres (one standard deviation), asked for once the samples show rings.
 */
export function connectedAlongRings(
  points: Float32Array, pixels: Int32Array, imageWidth: number, origin: ArrayLike<number>, resolution: number, width: number, rangeNoise: () => number,
): Int32Array | undefined {
  const n = pixels.length;
  if (n < 3) return undefined;
  const range = new Float64Array(n), columns = new Int32Array(n), rows = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    const x = points[3 * k] - origin[0], y = points[3 * k + 1] - origin[1], z = points[3 * k + 2] - origin[2];
    range[k] = Math.sqrt(x * x + y * y + z * z);
    columns[k] = pixels[k] % imageWidth;
    rows[k] = (pixels[k] - columns[k]) / imageWidth;
  }
  // Samples by row, then column (pixels listed in scan order need no sorting); rowStart[v - top] ..
  // rowStart[v - top + 1] are row v's. The first row at or below v holding samples is filledFrom[v - top].
  const order = Int32Array.from({ length: n }, (_, k) => k);
  if (pixels.some((p, k) => k > 0 && p < pixels[k - 1])) order.sort((a, b) => pixels[a] - pixels[b]);
  const top = rows[order[0]], bottom = rows[order[n - 1]];
  const rowStart = new Int32Array(bottom - top + 2);
  for (let k = 0, v = top; v <= bottom + 1; v++) {
    while (k < n && rows[order[k]] < v) k++;
    rowStart[v - top] = k;
  }
  const filledFrom = new Int32Array(bottom - top + 2).fill(bottom + 1);
  for (let v = bottom; v >= top; v--) filledFrom[v - top] = rowStart[v - top + 1] > rowStart[v - top] ? v : filledFrom[v - top + 1];
  const nextFilled = (v: number) => (v < top ? top : v > bottom ? bottom + 1 : filledFrom[v - top]);
  /** The first sample of row v right of column u; -1 for none. */
  const rightOf = (v: number, u: number) => {
    if (v < top || v > bottom) return -1;
    let lo = rowStart[v - top], hi = rowStart[v - top + 1];
    const end = hi;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (columns[order[mid]] <= u) lo = mid + 1;
      else hi = mid;
    }
    return lo < end ? order[lo] : -1;
  };
  /** The sample of row v nearest column u; -1 for none. */
  const nearestInRow = (v: number, u: number) => {
    if (v < top || v > bottom) return -1;
    const start = rowStart[v - top], end = rowStart[v - top + 1];
    let lo = start, hi = end;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (columns[order[mid]] < u) lo = mid + 1;
      else hi = mid;
    }
    if (lo === end) return lo > start ? order[lo - 1] : -1;
    if (lo === start || columns[order[lo]] - u < u - columns[order[lo - 1]]) return order[lo];
    return order[lo - 1];
  };
  const arc = (a: number, b: number) => {
    const du = columns[a] - columns[b], dv = rows[a] - rows[b];
    return Math.sqrt(du * du + dv * dv) * resolution;
  };

  // Along a ring: each return's next one to the right, a row up or down at most; its step (median, pixels).
  const next = new Int32Array(n).fill(-1);
  const gaps = new Float64Array(n);
  let gapCount = 0;
  for (let a = 0; a < n; a++) {
    for (let dv = -1; dv <= 1; dv++) {
      const b = rightOf(rows[a] + dv, columns[a]);
      if (b >= 0 && (next[a] < 0 || columns[b] - columns[a] < columns[next[a]] - columns[a])) next[a] = b;
    }
    if (next[a] >= 0) gaps[gapCount++] = columns[next[a]] - columns[a];
  }
  if (gapCount === 0) return undefined;
  const step = median(gaps.subarray(0, gapCount));
  const neighbours = (a: number) => next[a] >= 0 && columns[next[a]] - columns[a] <= NEXT_RETURN * step;
  // The ring step (rows): for returns spread over the samples (RING_STEP_SAMPLES of them at most), the
  // nearest row below holding a return beside it at about its range, farther below than beside: a ring
  // running across the image at a slant holds the next returns along it a row or two lower.
  const ringRows: number[] = [];
  for (let a = 0, every = Math.ceil(n / RING_STEP_SAMPLES); a < n; a += every) {
    for (let v = nextFilled(rows[a] + 2); v <= bottom; v = nextFilled(v + 1)) {
      const b = nearestInRow(v, columns[a]);
      if (b < 0 || Math.abs(columns[b] - columns[a]) > Math.min(NEXT_RETURN * step, v - rows[a] - 1)) continue;
      if (Math.abs(range[b] - range[a]) > SAME_RANGE * range[a]) continue;
      ringRows.push(v - rows[a]);
      break;
    }
  }
  if (ringRows.length === 0) return undefined;
  const spacing = median(Float64Array.from(ringRows));
  if (spacing < MIN_RING_ROWS) return undefined;
  const noise = NOISE_SIGMAS * Math.SQRT2 * rangeNoise();

  const parent = Int32Array.from({ length: n }, (_, k) => k);
  const find = (k: number): number => {
    while (parent[k] !== k) k = parent[k] = parent[parent[k]];
    return k;
  };
  const join = (a: number, b: number) => {
    parent[find(a)] = find(b);
  };
  const onFace = (a: number, b: number, slope: number) => Math.abs(range[a] - range[b]) <= Math.min(range[a], range[b]) * arc(a, b) * slope + noise;
  const onLevel = (a: number, b: number) => {
    const drop = origin[2] - (points[3 * a + 2] + points[3 * b + 2]) / 2;
    if (drop <= 0) return false;
    const down = (origin[2] - points[3 * a + 2] + origin[2] - points[3 * b + 2]) / (range[a] + range[b]);
    const heightNoise = noise * down + resolution * Math.max(range[a], range[b]);
    // Rings an arc apart fall this far apart on a level `drop` below the camera, seen `down` (sine) below the horizontal.
    const ringStep = (drop * arc(a, b)) / (down * down);
    const dx = points[3 * a] - points[3 * b], dy = points[3 * a + 1] - points[3 * b + 1];
    const apart = Math.sqrt(dx * dx + dy * dy);
    return Math.abs(points[3 * a + 2] - points[3 * b + 2]) <= heightNoise && apart <= Math.min(LEVEL_REACH * ringStep, width * range[a]) + noise;
  };
  for (let a = 0; a < n; a++) if (neighbours(a) && onFace(a, next[a], ALONG_RING_SLOPE)) join(a, next[a]);
  // Across rings: row by row, each row below within reach walked alongside (its sample nearest each
  // return's column, the left one on a tie).
  for (let r = top; r <= bottom; r = nextFilled(r + 1)) {
    const first = rowStart[r - top], end = rowStart[r - top + 1];
    for (let v = nextFilled(r + 2), last = Math.min(bottom, r + ACROSS_RING_REACH * spacing); v <= last; v = nextFilled(v + 1)) {
      const start = rowStart[v - top], stop = rowStart[v - top + 1];
      for (let i = first, lo = start; i < end; i++) {
        const a = order[i], u = columns[a];
        while (lo < stop && columns[order[lo]] < u) lo++;
        const b = lo === stop || (lo > start && u - columns[order[lo - 1]] <= columns[order[lo]] - u) ? order[lo - 1] : order[lo];
        if (Math.abs(columns[b] - u) <= spacing && (onFace(a, b, ACROSS_RING_SLOPE) || onLevel(a, b))) join(a, b);
      }
    }
  }
  const labels = new Int32Array(n);
  const labelOfRoot = new Int32Array(n).fill(-1);
  let count = 0;
  for (let k = 0; k < n; k++) {
    const root = find(k);
    if (labelOfRoot[root] < 0) labelOfRoot[root] = count++;
    labels[k] = labelOfRoot[root];
  }
  return labels;
}

/**
 * Height of the ground under the box above the support plane, metres: the median of the samples in
 * the rows just below the box that lie near the plane. Far from the camera a road dips or climbs
 * away from the plane fitted near it; 0 when nothing is seen there.
 */
function localGround(cloud: OrganizedCloud, box: Box2D, pose: CanonicalTransform): number {
  const { width, height, positions } = cloud;
  const [x0, y0, x1, y1] = pixelRect(box, width, height);
  const [nx, ny, nz] = pose.plane!.normal;
  const d = pose.plane!.d;
  const heights: number[] = [];
  const band = Math.max(10, Math.round(GROUND_BAND * (y1 - y0)));
  for (let v = y1; v < Math.min(height, y1 + band); v++) {
    for (let u = x0, p = v * width + x0; u < x1; u++, p++) {
      const z = positions[3 * p + 2];
      if (!(z > 0)) continue;
      const above = nx * positions[3 * p] + ny * positions[3 * p + 1] + nz * z + d;
      if (Math.abs(above) <= Math.max(GROUND_SEARCH, GROUND_SEARCH_PER_METRE * z)) heights.push(above);
    }
  }
  return heights.length === 0 ? 0 : median(Float64Array.from(heights));
}

/** The median of a typed array's values (sorted copy). */
function median(values: Float64Array): number {
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.floor(sorted.length / 2)];
}

/** Median camera depth (metres along the optical axis) of the pixels; NaN for none. Linear time (quickselect). */
export function medianCameraDepth(positions: Float32Array, pixels: ArrayLike<number>): number {
  const n = pixels.length;
  if (n === 0) return NaN;
  const z = new Float32Array(n);
  for (let k = 0; k < n; k++) z[k] = positions[3 * pixels[k] + 2];
  return selectRank(z, n, n >> 1);
}

/**
 * Samples up to this height above the box's bottom edge (metres, or this share of their depth) are
 * the surface the object stands on (a table top seen behind a mug), not the object.
 */
const SURFACE_BAND = 0.02;
const SURFACE_BAND_PER_METRE = 0.01;

/**
 * The samples (packed canonical xyz) without those on the surface under the object: at the height
 * where the box's bottom edge meets the nearest samples, or below it. All of them when fewer than
 * three would be left.
 */
export function withoutSupportSurface(pointsCanonical: Float32Array, box: Box2D, intrinsics: Intrinsics, pose: CanonicalTransform): Float32Array {
  const n = pointsCanonical.length / 3;
  const ys = new Float64Array(n);
  for (let k = 0; k < n; k++) ys[k] = pointsCanonical[3 * k + 1];
  ys.sort();
  const near = ys[Math.floor(EXTENT_TAIL * (n - 1))];
  const base = rayAtForward((box[0] + box[2]) / 2, box[3], near, intrinsics, pose)[2];
  const t = pose.translation;
  const kept: number[] = [];
  for (let k = 0; k < n; k++) {
    const [x, y, z] = [pointsCanonical[3 * k], pointsCanonical[3 * k + 1], pointsCanonical[3 * k + 2]];
    const range = Math.hypot(x - t[0], y - t[1], z - t[2]);
    if (z > base + Math.max(SURFACE_BAND, SURFACE_BAND_PER_METRE * range)) kept.push(x, y, z);
  }
  return kept.length >= 9 ? Float32Array.from(kept) : pointsCanonical;
}

/** Share of the samples left out at either end of their forward extent (stray returns). */
const EXTENT_TAIL = 0.05;

export interface FrustumExtent {
  min: Vec3;
  max: Vec3;
  /** Forward distance (canonical y) of the visible face the extent was taken at, metres. */
  faceY: number;
  /** Elevation step from one ring of returns to the next on the object, radians; NaN when unknown. */
  ringStep: number;
}

/**
 * A top seen from above bounds the far side when the ring above the highest one on it would have
 * come down to its level at most this many times as far as that ring did.
 */
const MAX_FAR_STRETCH = 1.5;
/** Elevations closer than this many pixels' angle belong to one ring of returns (the pixel grid rounds each return's direction by up to half a pixel). */
const RING_MERGE_PIXELS = 1.5;

/** Rings of returns among sample elevations: their bounds in the descending order, and their spacing. */
export interface Rings {
  /** Sample indices by elevation, highest first. */
  order: Int32Array;
  /** Ring k holds order[starts[k]] .. order[starts[k + 1] - 1]; starts has one more entry than there are rings. */
  starts: Int32Array;
  /**
   * Median elevation step from one ring to the next, radians; `resolution` when the samples are dense
   * (one ring spanning more than a few steps of it), NaN when a single narrow ring gives no step.
   */
  spacing: number;
}

/**
 * Groups sample elevations (radians above the horizontal through the camera) into rings: a lidar's
 * beams sweep at fixed elevations, so its returns on an object fall on a few elevations, one per beam,
 * each spread by the pixel grid only. `resolution` is the angle of one pixel (1 / fy).
 */
export function elevationRings(elevations: Float64Array, resolution: number): Rings {
  const n = elevations.length;
  const order = Int32Array.from({ length: n }, (_, k) => k).sort((a, b) => elevations[b] - elevations[a]);
  const starts: number[] = [0];
  for (let k = 1; k < n; k++) if (elevations[order[k - 1]] - elevations[order[k]] > RING_MERGE_PIXELS * resolution) starts.push(k);
  starts.push(n);
  const rings = starts.length - 1;
  const centre = (r: number) => (elevations[order[starts[r]]] + elevations[order[starts[r + 1] - 1]]) / 2;
  let spacing: number;
  if (rings >= 2) {
    const steps = Float64Array.from({ length: rings - 1 }, (_, r) => centre(r) - centre(r + 1)).sort();
    spacing = steps[(rings - 1) >> 1];
  } else {
    spacing = n > 0 && elevations[order[0]] - elevations[order[n - 1]] > 2 * RING_MERGE_PIXELS * resolution ? resolution : NaN;
  }
  return { order, starts: Int32Array.from(starts), spacing };
}

/**
 * The canonical axis-aligned box of an object seen as `pointsCanonical` (packed xyz, its depth
 * samples in the canonical frame) inside `box`, each side from what measures it:
 * - near side (y): the samples' 5th percentile forward distance (the face they hit);
 * - top: the silhouette's top is the box's top edge, but no higher than the ring of returns above
 *   the highest ring on the object (that ring missed it) and no lower than that ring. A run of rings
 *   at one height (within `heightNoise`, metres) running away from the camera is a top seen from
 *   above, its height the top's; rings above it, fewer than it holds, are what stands on the object.
 *   Otherwise, where the highest two rings run away from the camera, the top is the highest ring's
 *   height; where they rise up a face, it lies between that ring and the ring above, where the
 *   silhouette's top ray comes down at the far side of a footprint about as deep as the box is wide
 *   (a top at or above the camera shows its near edge instead);
 * - far side: where the silhouette's top ray comes down to a top seen from above, when the ring
 *   above would have come down to it not much farther (a top seen nearly edge-on leaves it to the
 *   samples' 95th percentile);
 * - bottom: the box's bottom edge at the near side;
 * - left and right: the box's side edges at the samples' median forward distance.
 */
export function frustumExtent(pointsCanonical: Float32Array, box: Box2D, intrinsics: Intrinsics, pose: CanonicalTransform, heightNoise: number): FrustumExtent {
  const n = pointsCanonical.length / 3;
  const [tx, ty, tz] = pose.translation;
  const sortedYs = new Float64Array(n);
  // Elevation of each sample above the horizontal through the camera, radians.
  const elevations = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const x = pointsCanonical[3 * k] - tx, y = pointsCanonical[3 * k + 1] - ty, z = pointsCanonical[3 * k + 2] - tz;
    sortedYs[k] = pointsCanonical[3 * k + 1];
    elevations[k] = Math.atan2(z, Math.hypot(x, y));
  }
  sortedYs.sort();
  const faceY = median(sortedYs);
  const yNear = Math.min(faceY, sortedYs[Math.floor(EXTENT_TAIL * (n - 1))]);
  const yFarSeen = Math.max(faceY, sortedYs[Math.ceil((1 - EXTENT_TAIL) * (n - 1))]);

  const rings = elevationRings(elevations, 1 / intrinsics.fy);
  const ringCount = rings.starts.length - 1;
  const ringSize = (r: number) => rings.starts[r + 1] - rings.starts[r];
  const ringMedian = (r: number, axis: number) => {
    const values = Float64Array.from({ length: ringSize(r) }, (_, k) => pointsCanonical[3 * rings.order[rings.starts[r] + k] + axis]).sort();
    return median(values);
  };
  // Rings with two returns or more (a single one is a stray), highest first, and their median
  // forward distance and height.
  const counted = Int32Array.from({ length: ringCount }, (_, r) => r).filter((r) => ringSize(r) >= 2);
  const rungs = counted.length > 0 ? counted : Int32Array.of(0);
  const ringY = Float64Array.from(rungs, (r) => ringMedian(r, 1)), ringZ = Float64Array.from(rungs, (r) => ringMedian(r, 2));
  // A top seen from above by several rings: the highest run of rings at one height (within the
  // height noise) running away from the camera farther than they rise (rings up a face close to the
  // camera rise by less than the noise too). Rings above it, fewer than it holds, are what stands on
  // the object (returns its own box missed), not its top.
  const onLevel = (i: number) => {
    if (i + 1 >= rungs.length) return false;
    const rise = Math.abs(ringZ[i] - ringZ[i + 1]);
    return rise <= heightNoise && ringY[i] - ringY[i + 1] > rise;
  };
  let runStart = 0;
  while (runStart < rungs.length && !onLevel(runStart)) runStart++;
  let runEnd = runStart;
  while (onLevel(runEnd)) runEnd++;
  const level = runStart < runEnd && runStart <= runEnd - runStart;
  const top = level ? runStart : 0;
  const topY = ringY[top], topZ = level ? median(ringZ.slice(runStart, runEnd + 1)) : ringZ[top];
  const highest = elevations[rings.order[rings.starts[rungs[top]]]];
  // The two highest rings run away from the camera (a top seen from above) rather than rise up a face.
  const runsAway = level || (rungs.length > 1 && topY - ringY[1] > Math.abs(topZ - ringZ[1]));

  const [u0, v0, u1, v1] = box;
  const uMid = (u0 + u1) / 2;
  const edge = rayDirection(uMid, v0, intrinsics, pose);
  const edgeElevation = Math.atan2(edge[2], Math.hypot(edge[0], edge[1]));
  const ceiling = Number.isNaN(rings.spacing) ? Infinity : highest + rings.spacing;
  const silhouetteTop = Math.min(ceiling, Math.max(highest, edgeElevation));
  const azimuthCos = edge[1] / Math.hypot(edge[0], edge[1]);
  let zTop = topZ;
  if (!runsAway) {
    const faceRange = (topY - ty) / azimuthCos;
    const across = Math.abs(rayAtForward(u1, v0, topY, intrinsics, pose)[0] - rayAtForward(u0, v0, topY, intrinsics, pose)[0]);
    const prior = tz + (silhouetteTop < 0 ? faceRange + across : faceRange) * Math.tan(silhouetteTop);
    const ringAbove = Number.isNaN(rings.spacing) ? Infinity : tz + faceRange * Math.tan(highest + rings.spacing);
    zTop = Math.min(ringAbove, Math.max(topZ, prior));
  }
  // Horizontal distance (metres) at which a ray `elevation` below the horizontal comes down to the top.
  const reach = (elevation: number) => (tz - zTop) / Math.tan(-elevation);
  const bounded = runsAway && ceiling < 0 && zTop < tz && reach(ceiling) <= MAX_FAR_STRETCH * reach(highest);
  const yFar = Math.max(yFarSeen, topY, bounded ? ty + reach(silhouetteTop) * azimuthCos : -Infinity);
  const vMid = (v0 + v1) / 2;
  const left = rayAtForward(u0, vMid, faceY, intrinsics, pose)[0], right = rayAtForward(u1, vMid, faceY, intrinsics, pose)[0];
  const bottom = rayAtForward(uMid, v1, yNear, intrinsics, pose)[2];
  return {
    min: [Math.min(left, right), yNear, Math.min(zTop, bottom)],
    max: [Math.max(left, right), yFar, Math.max(zTop, bottom)],
    faceY,
    ringStep: rings.spacing,
  };
}

/** The direction of pixel (u, v)'s ray in the canonical frame (not unit length: its camera-frame z is 1). */
function rayDirection(u: number, v: number, intrinsics: Intrinsics, pose: CanonicalTransform): Vec3 {
  const r = pose.rotation;
  const a = (u - intrinsics.cx) / intrinsics.fx, b = (v - intrinsics.cy) / intrinsics.fy;
  return [r[0] * a + r[1] * b + r[2], r[3] * a + r[4] * b + r[5], r[6] * a + r[7] * b + r[8]];
}

/**
 * The height (canonical z, metres) of the level seen just below a box, in front of the object's
 * foot: the samples (whoever owns them) in the `rows` rows under its bottom edge, within its columns,
 * no higher than `highest` and no farther than `farthest` (canonical y, metres), grouped into levels
 * (heights within `tolerance` of the next); of those with two samples or more, the median height of
 * the one nearest `expected` (where the box's bottom edge meets the object: an occluder's top, a
 * table's front edge lie above or below it). Undefined when none is seen.
 */
export function levelBelow(
  cloud: OrganizedCloud, box: Box2D, pose: CanonicalTransform, rows: number, highest: number, farthest: number, tolerance: number, expected: number,
): number | undefined {
  const { width, height, positions } = cloud;
  const [x0, , x1, y1] = pixelRect(box, width, height);
  const r = pose.rotation, t = pose.translation;
  const heights: number[] = [];
  for (let v = y1; v < Math.min(height, y1 + Math.ceil(rows)); v++) {
    for (let u = x0, p = v * width + x0; u < x1; u++, p++) {
      const x = positions[3 * p], y = positions[3 * p + 1], z = positions[3 * p + 2];
      if (!(z > 0)) continue;
      const up = r[6] * x + r[7] * y + r[8] * z + t[2], forward = r[3] * x + r[4] * y + r[5] * z + t[1];
      if (up <= highest && forward <= farthest) heights.push(up);
    }
  }
  const sorted = Float64Array.from(heights).sort();
  let best: number | undefined;
  for (let start = 0; start < sorted.length;) {
    let end = start + 1;
    while (end < sorted.length && sorted[end] - sorted[end - 1] <= tolerance) end++;
    const level = sorted[(start + end) >> 1];
    if (end - start >= 2 && (best === undefined || Math.abs(level - expected) < Math.abs(best - expected))) best = level;
    start = end;
  }
  return best;
}

/**
 * The last of the `rows` pixel rows under a box's bottom edge holding a sample (within its columns)
 * at forward distance `forward` (canonical y, metres, within `tolerance`): how far down the object's
 * face goes on under its box. -1 when none does.
 */
export function lastRowAtForward(cloud: OrganizedCloud, box: Box2D, pose: CanonicalTransform, rows: number, forward: number, tolerance: number): number {
  const { width, height, positions } = cloud;
  const [x0, , x1, y1] = pixelRect(box, width, height);
  const r = pose.rotation, t = pose.translation;
  let last = -1;
  for (let v = y1; v < Math.min(height, y1 + Math.ceil(rows)); v++) {
    for (let u = x0, p = v * width + x0; u < x1; u++, p++) {
      const x = positions[3 * p], y = positions[3 * p + 1], z = positions[3 * p + 2];
      if (z > 0 && Math.abs(r[3] * x + r[4] * y + r[5] * z + t[1] - forward) <= tolerance) last = v;
    }
  }
  return last;
}

/**
 * Where the ray of pixel (u, v) reaches canonical forward distance `y` (metres), in the canonical
 * frame. A ray that never gets there (pointing backwards) stays at the camera.
 */
export function rayAtForward(u: number, v: number, y: number, intrinsics: Intrinsics, pose: CanonicalTransform): Vec3 {
  const r = pose.rotation;
  const a = (u - intrinsics.cx) / intrinsics.fx, b = (v - intrinsics.cy) / intrinsics.fy;
  const dx = r[0] * a + r[1] * b + r[2], dy = r[3] * a + r[4] * b + r[5], dz = r[6] * a + r[7] * b + r[8];
  const t = pose.translation;
  const s = dy > 1e-9 ? Math.max(0, (y - t[1]) / dy) : 0;
  return [t[0] + s * dx, t[1] + s * dy, t[2] + s * dz];
}

/**
 * Where the ray of pixel (u, v) comes down to canonical height `z` (metres), in the canonical frame;
 * undefined when it never does (it points level or up from above `z`).
 */
export function rayAtHeight(u: number, v: number, z: number, intrinsics: Intrinsics, pose: CanonicalTransform): Vec3 | undefined {
  const r = pose.rotation;
  const a = (u - intrinsics.cx) / intrinsics.fx, b = (v - intrinsics.cy) / intrinsics.fy;
  const dx = r[0] * a + r[1] * b + r[2], dy = r[3] * a + r[4] * b + r[5], dz = r[6] * a + r[7] * b + r[8];
  const t = pose.translation;
  const s = (z - t[2]) / dz;
  return dz < -1e-9 && s > 0 ? [t[0] + s * dx, t[1] + s * dy, z] : undefined;
}
