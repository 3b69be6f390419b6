/**
 * The object inside a 2D box. A detector's box holds the object and whatever is behind and below it:
 * the floor, a table top it stands on, the wall behind, and the edges of neighbours and occluders.
 * The surfaces are removed first (the support plane, then the large planes around the box that the
 * object stands on or against: the object is left on the camera's side of them). What is left is cut
 * into connected surfaces where the depth jumps between neighbouring pixels (by more than the
 * sensor's noise and a surface's slant explain), in a window a little larger than the box. The box is
 * the object's outline: the object (a surface with the parts split from it that lie close by in 3D)
 * reaches the box's edges, fills it and ends there, while a neighbour's or an occluder's surface
 * reaches fewer edges and carries on into that object's box. Of the objects reaching the most edges,
 * the nearest that fills the box about as well as the best.
 */
import { clustersNear, countPlaneInliers, fitPlaneRansac, ON_SURFACE_SIGMAS, voxelDownsample } from '@spatialforge/geometry';
import type { DepthNoise, OrganizedCloud, Plane } from '@spatialforge/geometry';
import type { Box2D } from '@spatialforge/core';

export interface BoxClusterOptions {
  /** Points within this distance of a removed plane are not the object, metres at 1 m depth (grows with depth beyond 2 m). */
  planeDistance: number;
  /** Parts of the object within 1.5 times this distance of it are joined to it, metres at 1 m depth (scaled by the box's median depth beyond 1 m). */
  clusterEps: number;
  /** Voxel side for the parts' 3D proximity, metres at 1 m depth (scaled as `clusterEps`). */
  voxelSize: number;
  /** Least share of the box's remaining points its object holds. */
  minShare: number;
  seed: number;
  /** The frame's depth noise. */
  noise: DepthNoise;
}

/** The window around a box where the surfaces that carry on beyond it show, as a share of its size. */
const WINDOW_MARGIN = 0.35;
/** A detector's box may end this share of its size short of its object on a side (the slack). */
export const BOX_SLACK = 0.1;
/** The object ends within the slack when at most this many of its pixels lie beyond it. */
const SLACK_OVERFLOW = 3;
/** A component with this many pixels beyond the box (past the slack) per pixel inside carries on beyond it. */
const CARRY_ON_SHARE = 0.15;
/** Neighbouring pixels are on one surface when their depths differ by at most this share of the depth… */
const JUMP_SHARE = 0.02;
/** …or this many deviations of the sensor's noise (on the difference of two pixels), whichever is larger. */
const JUMP_SIGMAS = 4;
/** Pixels link to measured pixels within about this many mean spacings of the window's depth pixels (1 pixel for dense depth)… */
const REACH_SPACING = 1.5;
/** …and never farther than this, pixels. */
const MAX_REACH = 8;
/** A plane must hold this share of the points around the box to be considered at all. */
const MIN_PLANE_SHARE = 0.1;
/** Every this many of a box's candidate pixels are voxelised to judge which parts lie near one another. */
const JOIN_STRIDE = 2;
/** Parts within this many `clusterEps` of the object are joined to it. */
const JOIN_DISTANCE = 1.5;
/** Least share of the box's points a part needs to be joined to the object. */
const MIN_PART_SHARE = 0.03;
/** A surface filling at least this share of the best-filling surface's share of the box is as good a fit. */
const FILL_TOLERANCE = 0.3;
/**
 * A plane is a surface only when seen at more than about 8° (its distance from the camera at least
 * this share of the depth): the pixels of a narrow box at any depths lie on the plane through the
 * camera that holds their rays, which is no surface.
 */
const MIN_PLANE_VIEW = Math.sin((8 * Math.PI) / 180);
/** Points sampled around the box for the plane search. */
const PLANE_SAMPLE = 1000;

/**
 * Pixel indices of the box's object, or an empty array when the box holds no candidate point.
 * Pixels already claimed (`claimed[p] >= 0`, by a mask or a box resolved before) are not candidates;
 * `others` are the boxes of the frame's other objects, pixels.
 */
export function objectPixelsInBox(
  cloud: OrganizedCloud,
  box: Box2D,
  others: readonly Box2D[],
  claimed: Int32Array,
  supportPlane: Plane | undefined,
  options: BoxClusterOptions,
): Int32Array {
  const { width, height, positions } = cloud;
  const x0 = Math.max(0, Math.floor(box[0])), y0 = Math.max(0, Math.floor(box[1]));
  const x1 = Math.min(width, Math.ceil(box[2])), y1 = Math.min(height, Math.ceil(box[3]));
  if (x1 <= x0 || y1 <= y0) return new Int32Array(0);

  // The window: the box and a margin around it, where a surface that carries on beyond the box shows.
  const mx = Math.max(2, Math.round((x1 - x0) * WINDOW_MARGIN)), my = Math.max(2, Math.round((y1 - y0) * WINDOW_MARGIN));
  const wx0 = Math.max(0, x0 - mx), wy0 = Math.max(0, y0 - my), wx1 = Math.min(width, x1 + mx), wy1 = Math.min(height, y1 + my);
  const ww = wx1 - wx0, wh = wy1 - wy0;
  const local = (p: number) => (Math.floor(p / width) - wy0) * ww + (p % width) - wx0;
  // Candidates: pixels of the window with depth and unclaimed; those in the box listed.
  const isCandidate = new Uint8Array(ww * wh);
  const inBoxPixels = new Int32Array((x1 - x0) * (y1 - y0));
  let inBoxCount = 0, withDepth = 0;
  for (let v = wy0; v < wy1; v++) {
    for (let u = wx0, p = v * width + wx0; u < wx1; u++, p++) {
      if (!(positions[3 * p + 2] > 0)) continue;
      withDepth++;
      if (claimed[p] >= 0) continue;
      isCandidate[(v - wy0) * ww + u - wx0] = 1;
      if (u >= x0 && u < x1 && v >= y0 && v < y1) inBoxPixels[inBoxCount++] = p;
    }
  }
  if (inBoxCount === 0) return new Int32Array(0);
  const inBox = inBoxPixels.subarray(0, inBoxCount);
  const depthScale = Math.max(1, medianDepth(positions, inBox));
  const sigma = options.noise.sigmaAt(depthScale);
  const planeDistance = options.planeDistance * Math.max(1, depthScale / 2);
  // Noise scatters a removed surface's points beyond that threshold; within a few deviations of it they are no bridge between objects.
  const planeBand = Math.max(planeDistance, ON_SURFACE_SIGMAS * sigma);
  // Off the support plane and the planes that carry on beyond the box.
  let candidates: Int32Array = inBox;
  const removed: Surface[] = [];
  if (supportPlane) candidates = offSurface(positions, candidates, { plane: supportPlane, near: 0, far: Infinity }, planeDistance);
  for (const surface of extendedSurfaces(cloud, [x0, y0, x1, y1], claimed, supportPlane, planeDistance, options.noise, depthScale, options.seed)) {
    const off = offSurface(positions, candidates, surface, planeDistance);
    // A surface behind or under the object leaves the object on the camera's side of it (a wall
    // behind a cabinet, a table top under a mug). What is left mostly beyond it is seen past its
    // edge: the plane is the object's own face (a table's top over its legs, level with another
    // table's top beside it).
    if (beyondShare(positions, off, surface.plane) <= 0.5) {
      candidates = off;
      removed.push(surface);
    }
  }
  if (candidates.length === 0) return candidates;
  if (supportPlane) removed.push({ plane: supportPlane, near: 0, far: Infinity });
  for (const { plane: { normal: [nx, ny, nz], d }, near, far } of removed) {
    for (let v = wy0; v < wy1; v++) {
      for (let i = (v - wy0) * ww, o = 3 * (v * width + wx0), end = i + ww; i < end; i++, o += 3) {
        const z = positions[o + 2];
        if (isCandidate[i] && z >= near && z <= far && Math.abs(nx * positions[o] + ny * positions[o + 1] + nz * z + d) <= planeBand) isCandidate[i] = 0;
      }
    }
  }
  const slopeJump = JUMP_SHARE * depthScale, noiseJump = JUMP_SIGMAS * Math.SQRT2 * sigma;
  const jump = Math.max(slopeJump, noiseJump);
  // Semi-dense depth (a subsampled cloud projected) leaves gaps between measured pixels: reach over them.
  const reach = Math.min(MAX_REACH, Math.max(1, Math.floor(REACH_SPACING / Math.sqrt(Math.max(1e-6, withDepth / (ww * wh))))));
  const component = depthComponents(positions, isCandidate, { wx0, wy0, ww, wh, width }, reach, slopeJump, noiseJump);
  // Points of the box in that noise band join a component they touch, through one another but not
  // beyond the box (an object's bottom where it meets the surface it stands on): outside the box they
  // bridge nothing.
  const band = new Uint8Array(ww * wh);
  const queue = new Int32Array(candidates.length);
  let queued = 0;
  for (const p of candidates) {
    const i = local(p);
    if (isCandidate[i]) queue[queued++] = i;
    else band[i] = 1;
  }
  const depthAt = (i: number) => positions[3 * ((((i / ww) | 0) + wy0) * width + (i % ww) + wx0) + 2];
  const spread = (i: number, n: number, z: number) => {
    if (!band[n] || Math.abs(depthAt(n) - z) > jump) return;
    band[n] = 0;
    component.labels[n] = component.labels[i];
    queue[queued++] = n;
  };
  while (queued > 0) {
    const i = queue[--queued];
    const u = i % ww, v = (i - u) / ww, z = depthAt(i);
    if (u > 0) spread(i, i - 1, z);
    if (u + 1 < ww) spread(i, i + 1, z);
    if (v > 0) spread(i, i - ww, z);
    if (v + 1 < wh) spread(i, i + ww, z);
  }

  // Per component: pixels in the box, summed depth and pixel extent there, and pixels beyond the
  // box's edges by more than a detector's slack (a surface that carries on past the box).
  const count = component.count;
  const size = new Int32Array(count);
  const beyond = new Int32Array(count);
  // Window pixels inside another object's box: a surface that carries on there is that object's.
  const inOther = new Uint8Array(ww * wh);
  for (const other of others) {
    const [ox0, oy0, ox1, oy1] = [Math.max(wx0, Math.floor(other[0])), Math.max(wy0, Math.floor(other[1])), Math.min(wx1, Math.ceil(other[2])), Math.min(wy1, Math.ceil(other[3]))];
    for (let v = oy0; v < oy1; v++) inOther.fill(1, (v - wy0) * ww + ox0 - wx0, (v - wy0) * ww + ox1 - wx0);
  }
  const depthSum = new Float64Array(count);
  const span = new Int32Array(4 * count).fill(-1);
  // Pixels beyond the slack, wherever they are: an object that has none there ends within it.
  const overflow = new Int32Array(count);
  const sx = Math.round((x1 - x0) * BOX_SLACK) + 1, sy = Math.round((y1 - y0) * BOX_SLACK) + 1;
  for (let v = wy0; v < wy1; v++) {
    for (let u = wx0; u < wx1; u++) {
      const c = component.labels[(v - wy0) * ww + u - wx0];
      if (c < 0) continue;
      if (u >= x0 && u < x1 && v >= y0 && v < y1) {
        size[c]++;
        depthSum[c] += positions[3 * (v * width + u) + 2];
        if (span[4 * c] < 0) span.set([u, v, u, v], 4 * c);
        else {
          if (u < span[4 * c]) span[4 * c] = u;
          if (v < span[4 * c + 1]) span[4 * c + 1] = v;
          if (u > span[4 * c + 2]) span[4 * c + 2] = u;
          if (v > span[4 * c + 3]) span[4 * c + 3] = v;
        }
      } else if (u < x0 - sx || u >= x1 + sx || v < y0 - sy || v >= y1 + sy) {
        overflow[c]++;
        if (inOther[(v - wy0) * ww + u - wx0]) beyond[c]++;
      }
    }
  }
  const carriesOn = (c: number) => beyond[c] > CARRY_ON_SHARE * size[c];

  // An object is a surface and the parts split from it in the image (a chair's seat, back and foot;
  // a lamp's base below a pole the depth lost) that lie near it in 3D and end within the box; a
  // surface that carries on beyond the box is a neighbour's or the background's.
  // Nearness is judged on voxels a few pixels wide: every other candidate fills them as well.
  const sampled = Math.ceil(candidates.length / JOIN_STRIDE);
  const points = new Float32Array(sampled * 3);
  const sampleLabels = new Int32Array(sampled);
  for (let k = 0, j = 0; k < candidates.length; k += JOIN_STRIDE, j++) {
    const o = 3 * candidates[k];
    points[3 * j] = positions[o]; points[3 * j + 1] = positions[o + 1]; points[3 * j + 2] = positions[o + 2];
    sampleLabels[j] = component.labels[local(candidates[k])];
  }
  const voxels = voxelDownsample(points, options.voxelSize * depthScale);
  const voxelLabels = new Int32Array(voxels.positions.length / 3).fill(-1);
  for (let j = 0; j < sampled; j++) voxelLabels[voxels.voxelOfPoint[j]] = sampleLabels[j];
  const minPart = MIN_PART_SHARE * candidates.length;
  const groupOf = (seed: number) => {
    const joinable = Int32Array.from(size, (n, c) => (carriesOn(c) && c !== seed ? 0 : n));
    const members = clustersNear(voxels.positions, { labels: voxelLabels, clusterCount: count, sizes: joinable }, [seed], JOIN_DISTANCE * options.clusterEps * depthScale, minPart);
    let pixels = 0, depth = 0, u0 = Infinity, v0 = Infinity, u1 = -Infinity, v1 = -Infinity;
    for (let c = 0; c < count; c++) {
      if (!members[c + 1] || size[c] === 0) continue;
      pixels += size[c];
      depth += depthSum[c];
      u0 = Math.min(u0, span[4 * c]); v0 = Math.min(v0, span[4 * c + 1]); u1 = Math.max(u1, span[4 * c + 2]); v1 = Math.max(v1, span[4 * c + 3]);
    }
    return {
      seed, members, pixels, depth: depth / pixels,
      edges: Number(u0 <= x0 + sx) + Number(v0 <= y0 + sy) + Number(u1 >= x1 - 1 - sx) + Number(v1 >= y1 - 1 - sy),
      fill: Math.min(1, (v1 - v0 + 1) / (y1 - y0)) * Math.min(1, (u1 - u0 + 1) / (x1 - x0)),
    };
  };
  // The box is the object's visible outline: the object reaches the box's edges and spans it, top to
  // bottom and side to side, and ends there; an occluder's fragment or a neighbour's edge reaches
  // fewer of them, and carries on beyond. Among objects large enough, those reaching the most edges
  // (within the slack); of them, the one that best fills the box, the nearest of those that fill it
  // about as well (a mug before a monitor that fills the mug's box too).
  const minSize = options.minShare * candidates.length;
  const groups = (allowCarryOn: boolean) => {
    const out: ReturnType<typeof groupOf>[] = [];
    for (let c = 0; c < count; c++) if (size[c] >= minPart && (allowCarryOn || !carriesOn(c))) out.push(groupOf(c));
    return out.filter((group) => group.pixels >= minSize);
  };
  const choose = (candidatesGroups: ReturnType<typeof groupOf>[]) => {
    const mostEdges = Math.max(...candidatesGroups.map((g) => g.edges));
    const best = candidatesGroups.filter((g) => g.edges === mostEdges);
    const bestFill = Math.max(...best.map((g) => g.fill));
    return best.filter((g) => g.fill >= FILL_TOLERANCE * bestFill).reduce((a, b) => (b.depth < a.depth ? b : a));
  };
  let eligible = groups(false);
  if (eligible.length === 0) eligible = groups(true);
  if (eligible.length === 0) return new Int32Array(0);
  const chosen = choose(eligible).members;
  // The object's pixels: its surfaces' in the box, and just beyond its edges where a detector's box
  // cut it short (within the slack, not in another object's box) when it ends there: what carries on
  // farther (pipes up a wall from a water heater) is connected to it but is not the object.
  let beyondSlack = 0;
  for (let c = 0; c < count; c++) if (chosen[c + 1]) beyondSlack += overflow[c];
  const withSlack = beyondSlack <= SLACK_OVERFLOW;
  const [ou0, ov0, ou1, ov1] = [Math.max(wx0, x0 - sx), Math.max(wy0, y0 - sy), Math.min(wx1, x1 + sx), Math.min(wy1, y1 + sy)];
  const out = new Int32Array((ou1 - ou0) * (ov1 - ov0));
  let n = 0;
  for (let v = ov0; v < ov1; v++) {
    for (let u = ou0, i = (v - wy0) * ww + ou0 - wx0; u < ou1; u++, i++) {
      if (!chosen[component.labels[i] + 1]) continue;
      if ((u >= x0 && u < x1 && v >= y0 && v < y1) || (withSlack && !inOther[i])) out[n++] = v * width + u;
    }
  }
  return out.slice(0, n);
}

/**
 * Connected components of the window's candidate pixels. Pixels within `reach` pixels of each other
 * join when their depths differ by at most `slopeJump` metres per pixel between them (a surface seen
 * at a slant steps further the farther apart its pixels are) or by `noiseJump` metres (the sensor's
 * noise), whichever is larger. A reach beyond 1 links the scattered pixels of semi-dense depth.
 * Labels per window pixel (-1 for none), and the component count.
 */
function depthComponents(
  positions: Float32Array, isCandidate: Uint8Array, window: { wx0: number; wy0: number; ww: number; wh: number; width: number },
  reach: number, slopeJump: number, noiseJump: number,
) {
  const { wx0, wy0, ww, wh, width } = window;
  // The neighbours ahead of a pixel in scan order within `reach` (each pair is looked at once), and the jump allowed to each.
  const steps: number[] = [];
  for (let dv = 0; dv <= reach; dv++) {
    for (let du = dv === 0 ? 1 : -reach; du <= reach; du++) {
      const distance = Math.hypot(du, dv);
      if (distance <= reach + 0.5) steps.push(du, dv, Math.max(slopeJump * distance, noiseJump));
    }
  }
  const offsets = Float64Array.from(steps);
  const parent = new Int32Array(ww * wh).fill(-1);
  const find = (i: number) => {
    let r = i;
    while (parent[r] !== r) r = parent[r];
    while (parent[i] !== r) {
      const next = parent[i];
      parent[i] = r;
      i = next;
    }
    return r;
  };
  for (let i = 0; i < parent.length; i++) if (isCandidate[i]) parent[i] = i;
  for (let v = 0; v < wh; v++) {
    for (let u = 0; u < ww; u++) {
      const i = v * ww + u;
      if (!isCandidate[i]) continue;
      const z = positions[3 * ((v + wy0) * width + u + wx0) + 2];
      for (let k = 0; k < offsets.length; k += 3) {
        const nu = u + offsets[k], nv = v + offsets[k + 1], jump = offsets[k + 2];
        if (nu < 0 || nu >= ww || nv >= wh) continue;
        const n = nv * ww + nu;
        if (!isCandidate[n] || Math.abs(positions[3 * ((nv + wy0) * width + nu + wx0) + 2] - z) > jump) continue;
        const ra = find(i), rb = find(n);
        if (ra !== rb) parent[Math.max(ra, rb)] = Math.min(ra, rb);
      }
    }
  }
  const labels = new Int32Array(ww * wh).fill(-1);
  let count = 0;
  for (let i = 0; i < parent.length; i++) {
    if (parent[i] < 0) continue;
    const r = find(i);
    if (r === i) labels[i] = count++;
    else labels[i] = labels[r];
  }
  return { labels, count };
}

/** A plane where it was seen: it stands for a surface between these camera depths (metres) only. */
interface Surface {
  plane: Plane;
  near: number;
  far: number;
}

/** A plane shows on a side of a box when this share of its points around the box lie there, beyond the slack. */
const SIDE_SHARE = 0.1;
/** A plane seen around a box stands for the surface this share of the depth nearer and farther than where it was seen. */
const SURFACE_DEPTH_SLACK = 0.1;

/**
 * Up to three large planes of the box's surroundings (a margin of WINDOW_MARGIN around it, the box
 * itself and the support plane left out): the surfaces that carry on beyond the box, behind or under
 * its object or its own, each between the depths where it was seen.
 */
function extendedSurfaces(
  cloud: OrganizedCloud, box: Box2D, claimed: Int32Array, supportPlane: Plane | undefined, threshold: number, noise: DepthNoise, depth: number, seed: number,
): Surface[] {
  const { width, height, positions } = cloud;
  const [x0, y0, x1, y1] = box;
  const mx = Math.round((x1 - x0) * WINDOW_MARGIN), my = Math.round((y1 - y0) * WINDOW_MARGIN);
  const cx0 = Math.max(0, x0 - mx), cy0 = Math.max(0, y0 - my), cx1 = Math.min(width, x1 + mx), cy1 = Math.min(height, y1 + my);
  const area = (cx1 - cx0) * (cy1 - cy0) - (x1 - x0) * (y1 - y0);
  const stride = Math.max(1, Math.floor(Math.sqrt(area / PLANE_SAMPLE)));
  // Just beyond its edges (within the slack) a box cut short shows its own object's faces; a surface
  // around the object shows farther out too.
  const sx = Math.round((x1 - x0) * BOX_SLACK) + 1, sy = Math.round((y1 - y0) * BOX_SLACK) + 1;
  // The ring's points off the support plane (its points spread with the noise of their depth), and
  // how many there are with it: a plane must hold a share of them all.
  const sample: number[] = [];
  const farOut: number[] = [];
  let total = 0;
  for (let v = cy0; v < cy1; v += stride) {
    for (let u = cx0; u < cx1; u += stride) {
      if (u >= x0 && u < x1 && v >= y0 && v < y1) continue;
      const p = v * width + u;
      const z = positions[3 * p + 2];
      if (!(z > 0) || claimed[p] >= 0) continue;
      total++;
      if (supportPlane && onPlane(positions, p, supportPlane, Math.max(threshold, ON_SURFACE_SIGMAS * noise.sigmaAt(z)))) continue;
      sample.push(positions[3 * p], positions[3 * p + 1], z);
      // Which side of the box beyond the slack, as a bit (0 within it): left 1, right 2, above 4, below 8.
      farOut.push((u < x0 - sx ? 1 : 0) | (u >= x1 + sx ? 2 : 0) | (v < y0 - sy ? 4 : 0) | (v >= y1 + sy ? 8 : 0));
    }
  }
  let points = new Float32Array(sample);
  let isFarOut = Uint8Array.from(farOut);
  const surfaces: Surface[] = [];
  for (let round = 0; round < 3 && points.length >= 9; round++) {
    const fit = fitPlaneRansac(points, { distanceThreshold: threshold, iterations: 100, seed: seed + round, accept: (plane) => Math.abs(plane.d) >= MIN_PLANE_VIEW * depth });
    if (!fit || fit.inlierCount < MIN_PLANE_SHARE * total) break;
    const inliers = new Uint8Array(points.length / 3);
    countPlaneInliers(points, fit, threshold, inliers);
    // Where it was seen: the 5th to 95th percentile of its points' depths (a few strays lie on any plane).
    const depths: number[] = [];
    const perSide = [0, 0, 0, 0];
    for (let i = 0; i < inliers.length; i++) {
      if (!inliers[i]) continue;
      depths.push(points[3 * i + 2]);
      for (let side = 0; side < 4; side++) if (isFarOut[i] & (1 << side)) perSide[side]++;
    }
    // A surface behind or under the object shows around it, on two sides at least; a neighbour's face
    // that happens to lie in the plane of the object's own (a suitcase beside a chair's backrest), on one.
    const sides = perSide.filter((n) => n >= SIDE_SHARE * fit.inlierCount).length;
    depths.sort((a, b) => a - b);
    const near = depths[Math.floor(0.05 * (depths.length - 1))], far = depths[Math.ceil(0.95 * (depths.length - 1))];
    if (sides >= 2) surfaces.push({ plane: fit, near: near * (1 - SURFACE_DEPTH_SLACK), far: far * (1 + SURFACE_DEPTH_SLACK) });
    // Carry on with the points off this plane.
    const keep = inliers.length - fit.inlierCount;
    const next = new Float32Array(keep * 3);
    const nextFarOut = new Uint8Array(keep);
    for (let i = 0, j = 0; i < inliers.length; i++) {
      if (inliers[i]) continue;
      next.set(points.subarray(3 * i, 3 * i + 3), 3 * j);
      nextFarOut[j++] = isFarOut[i];
    }
    points = next;
    isFarOut = nextFarOut;
  }
  return surfaces;
}

/** Share of the points (pixel indices) on the far side of the plane from the camera (the camera-frame origin). */
function beyondShare(positions: Float32Array, pixels: Int32Array, plane: Plane): number {
  if (pixels.length === 0) return 0;
  const [nx, ny, nz] = plane.normal;
  const cameraSide = Math.sign(plane.d);
  let beyond = 0;
  for (const p of pixels) {
    const o = 3 * p;
    if (Math.sign(nx * positions[o] + ny * positions[o + 1] + nz * positions[o + 2] + plane.d) !== cameraSide) beyond++;
  }
  return beyond / pixels.length;
}

function onPlane(positions: Float32Array, p: number, plane: Plane, threshold: number): boolean {
  const o = 3 * p;
  return Math.abs(plane.normal[0] * positions[o] + plane.normal[1] * positions[o + 1] + plane.normal[2] * positions[o + 2] + plane.d) <= threshold;
}

function offSurface(positions: Float32Array, pixels: Int32Array, { plane: { normal: [nx, ny, nz], d }, near, far }: Surface, threshold: number): Int32Array {
  const keep = new Int32Array(pixels.length);
  let kept = 0;
  for (const p of pixels) {
    const o = 3 * p, z = positions[o + 2];
    if (!(z >= near && z <= far && Math.abs(nx * positions[o] + ny * positions[o + 1] + nz * z + d) <= threshold)) keep[kept++] = p;
  }
  return keep.subarray(0, kept);
}

/** Median depth (metres) of the pixels, by a 1 cm histogram. */
export function medianDepth(positions: Float32Array, pixels: ArrayLike<number>): number {
  const bins = new Int32Array(2048);
  for (let k = 0; k < pixels.length; k++) bins[Math.min(2047, Math.floor(positions[3 * pixels[k] + 2] * 100))]++;
  for (let b = 0, seen = 0; b < bins.length; b++) {
    seen += bins[b];
    if (2 * seen >= pixels.length) return (b + 0.5) / 100;
  }
  return 0;
}
