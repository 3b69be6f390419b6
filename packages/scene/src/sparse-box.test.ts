import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { OrganizedCloud } from '@spatialforge/geometry';
import { CAMERA_ALIGNED, type CanonicalTransform } from './canonical.js';
import type { Vec3 } from '@spatialforge/core';
import {
  centrality, connectedAlongRings, crowdDepthMode, dominantDepthMode, elevationRings, exclusiveSamples, frustumExtent, lastRowAtForward, levelBelow, medianCameraDepth, onGrid,
  rangeNoise, rowAngle, samplesInBox,
} from './sparse-box.js';

/** An organised cloud of `width`×`height` with depth z at the listed pixels (x, y from a unit focal length at the centre). */
function cloudWith(width: number, height: number, samples: [number, number, number][]): OrganizedCloud {
  const positions = new Float32Array(width * height * 3);
  for (const [u, v, z] of samples) positions.set([((u - width / 2) * z) / 100, ((v - height / 2) * z) / 100, z], 3 * (v * width + u));
  return { width, height, positions };
}

test('medianCameraDepth is the element of rank ⌊n/2⌋ of the depths', () => {
  let seed = 7;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (const n of [1, 2, 3, 10, 101, 1000]) {
    const samples: [number, number, number][] = Array.from({ length: n }, (_, k) => [k % 100, Math.floor(k / 100), Math.fround(0.5 + 30 * next())]);
    const cloud = cloudWith(100, 10, samples);
    const pixels = samples.map(([u, v]) => v * 100 + u);
    const sorted = samples.map((s) => s[2]).sort((a, b) => a - b);
    assert.equal(medianCameraDepth(cloud.positions, pixels), sorted[n >> 1], `n = ${n}`);
  }
  assert.ok(Number.isNaN(medianCameraDepth(new Float32Array(3), [])));
});

test("a box's object is the depth mode that spans it top to bottom, not the larger background above it", () => {
  // A person: 12 returns at 12.6 m over the box's full height and a sixth of its width (the torso); a wall: 40 returns at 33 m
  // across the box's width but only its top third.
  const person: [number, number, number][] = Array.from({ length: 12 }, (_, k) => [46 + (k % 4) * 3, 10 + 7 * k, 12.6 + 0.01 * k]);
  const wall: [number, number, number][] = Array.from({ length: 40 }, (_, k) => [20 + (k % 20) * 3, 10 + 10 * Math.floor(k / 20), 33 + 0.02 * (k % 5)]);
  const cloud = cloudWith(100, 100, [...person, ...wall]);
  const box: [number, number, number, number] = [20, 10, 80, 90];
  const samples = samplesInBox(cloud, box, new Int32Array(100 * 100).fill(-1));
  assert.equal(samples.length, 52);
  const mode = dominantDepthMode(cloud, box, samples, CAMERA_ALIGNED, 0.02);
  assert.equal(mode.length, 12);
  assert.ok(Array.from(mode).every((p) => cloud.positions[3 * p + 2] < 13));
});

test('centrality is 1 at the box centre, 0 on its edges, by the larger offset as a share of the half size', () => {
  const box: [number, number, number, number] = [10, 20, 50, 100];
  assert.equal(centrality(box, 30, 60), 1);
  assert.equal(centrality(box, 10, 60), 0);
  assert.equal(centrality(box, 30, 100), 0);
  // 10 px right of the centre is half the half width (20 px); 10 px down, a quarter of the half height (40 px).
  assert.equal(centrality(box, 40, 70), 0.5);
  assert.equal(centrality(box, 60, 60), -0.5);
});

test('exclusiveSamples keeps the pixels with depth of a box that lie in none of the others', () => {
  const cloud = cloudWith(100, 100, [[15, 15, 2], [35, 15, 2], [15, 35, 2], [60, 60, 2]]);
  const pixels = Array.from(exclusiveSamples(cloud, [10, 10, 40, 40], [[30, 0, 50, 20], [0, 30, 20, 50]]), (p) => [p % 100, Math.floor(p / 100)]);
  assert.deepEqual(pixels, [[15, 15]]);
});

/** Pixel indices of the listed samples, and of those among `pixels`, in a 100-pixel-wide image. */
const at = (samples: [number, number, number][]) => samples.map(([u, v]) => v * 100 + u).sort((a, b) => a - b);

test('crowdDepthMode: two people one behind the other, both boxes around both, each box takes the one that fits it', () => {
  // A person 10 m away (columns 40-48), another 10.7 m away behind and to his right (columns 50-56),
  // returns every 2 columns and 7 rows; their boxes overlap on most of their width.
  const front: [number, number, number][] = [], behind: [number, number, number][] = [];
  for (let v = 15; v <= 85; v += 7) {
    for (let u = 40; u <= 48; u += 2) front.push([u, v, 10]);
    for (let u = 50; u <= 56; u += 2) behind.push([u, v, 10.7]);
  }
  const cloud = cloudWith(100, 100, [...front, ...behind]);
  const frontBox: [number, number, number, number] = [30, 10, 60, 90], behindBox: [number, number, number, number] = [38, 12, 66, 88];
  const free = new Int32Array(100 * 100).fill(-1);
  // Whichever box goes first takes the person centred in it and leaves the other to the other box.
  assert.deepEqual(Array.from(crowdDepthMode(cloud, frontBox, [behindBox], [behindBox], free, CAMERA_ALIGNED, 0.02)), at(front));
  assert.deepEqual(Array.from(crowdDepthMode(cloud, behindBox, [frontBox], [frontBox], free, CAMERA_ALIGNED, 0.02)), at(behind));
});

test('crowdDepthMode: a row running through two boxes splits where each box\'s own part of it is nearer', () => {
  // A barrier row from column 12 to 78 whose depth grows steadily from 10 to 11 m, through a box on
  // the left (columns 10-50) and one on the right (40-80) that overlap in columns 40-50.
  const row: [number, number, number][] = [];
  for (let v = 35; v <= 65; v += 10) for (let u = 12; u <= 78; u += 3) row.push([u, v, 10 + (u - 12) / 66]);
  const cloud = cloudWith(100, 100, row);
  const left: [number, number, number, number] = [10, 30, 50, 70], right: [number, number, number, number] = [40, 30, 80, 70];
  const taken = crowdDepthMode(cloud, left, [right], [right], new Int32Array(100 * 100).fill(-1), CAMERA_ALIGNED, 0.02);
  // The left box's own part ends at column 39, the right one's starts at 51: of the overlap's columns
  // 42, 45 and 48, the first two lie at least as near the left part (one step or two from column 39,
  // against three or two from column 51); 48 nearer the right part.
  assert.deepEqual(Array.from(taken), at(row.filter(([u]) => u <= 45)));
});

test('crowdDepthMode: a car\'s side through the box of a cone before it is the car\'s; with nothing before it, a box on it takes it', () => {
  // A car's side 18 m away over a large box; a cone's box inside it holds one return 14.3 m away.
  const side: [number, number, number][] = [];
  for (let v = 25; v <= 75; v += 10) for (let u = 12; u <= 88; u += 3) side.push([u, v, 18]);
  const cone: [number, number, number] = [50, 62, 14.3];
  const car: [number, number, number, number] = [10, 20, 90, 80], coneBox: [number, number, number, number] = [45, 50, 55, 75];
  const free = new Int32Array(100 * 100).fill(-1);
  const withCone = cloudWith(100, 100, [...side, cone]);
  assert.deepEqual(Array.from(crowdDepthMode(withCone, coneBox, [car], [car], free, CAMERA_ALIGNED, 0.02)), at([cone]));
  // Without the cone's return the box's object lies on the side (a book on a counter): its part of it.
  const bare = cloudWith(100, 100, side);
  assert.deepEqual(Array.from(crowdDepthMode(bare, coneBox, [car], [car], free, CAMERA_ALIGNED, 0.02)), at(side.filter(([u, v]) => u >= 45 && u < 55 && v >= 50 && v < 75)));
});

test('crowdDepthMode: a box with no other box around it takes its dominant depth mode', () => {
  const person: [number, number, number][] = Array.from({ length: 12 }, (_, k) => [46 + (k % 4) * 3, 10 + 7 * k, 12.6]);
  const wall: [number, number, number][] = Array.from({ length: 40 }, (_, k) => [20 + (k % 20) * 3, 10 + 10 * Math.floor(k / 20), 33]);
  const cloud = cloudWith(100, 100, [...person, ...wall]);
  const box: [number, number, number, number] = [20, 10, 80, 90];
  const free = new Int32Array(100 * 100).fill(-1);
  assert.deepEqual(Array.from(crowdDepthMode(cloud, box, [[0, 0, 5, 5]], [], free, CAMERA_ALIGNED, 0.02)), Array.from(dominantDepthMode(cloud, box, samplesInBox(cloud, box, free), CAMERA_ALIGNED, 0.02)));
});

test('rowAngle reads 1 / fy off the back-projected samples', () => {
  // Pixels (u, v) back-projected with fy = 400, cy = 50: y / z = (v − 50) / 400.
  const width = 100, fy = 400, cy = 50;
  const positions = new Float32Array(width * 100 * 3);
  for (const [u, v, z] of [[10, 12, 2.5], [70, 81, 4]]) positions.set([(u - 50) * z / fy, ((v - cy) * z) / fy, z], 3 * (v * width + u));
  const cloud = { width, height: 100, positions };
  assert.ok(Math.abs(rowAngle(cloud, Int32Array.of(12 * width + 10, 81 * width + 70)) - 1 / fy) < 1e-9);
  assert.ok(Number.isNaN(rowAngle(cloud, Int32Array.of(12 * width + 10))));
});

test('onGrid tells a strided subsample (every k-th row and column) from lidar rows', () => {
  const width = 100;
  const strided = Int32Array.from([[3, 6], [9, 6], [3, 12], [15, 18]], ([u, v]) => v * width + u);
  assert.equal(onGrid(strided, width), true);
  // A ring wobbling by a row, its returns three columns apart: rows share no common step.
  const ring = Int32Array.from([[3, 40], [6, 40], [9, 41], [12, 41], [3, 49], [6, 50]], ([u, v]) => v * width + u);
  assert.equal(onGrid(ring, width), false);
});

test('elevationRings groups elevations within 1.5 pixels and measures the step between rings', () => {
  const resolution = 0.001;
  // Three rings 0.02 rad apart, each spread by less than a pixel.
  const elevations = Float64Array.of(-0.1201, -0.1, -0.14, -0.1004, -0.12, -0.1398);
  const rings = elevationRings(elevations, resolution);
  assert.deepEqual(Array.from(rings.starts), [0, 2, 4, 6]);
  assert.deepEqual(Array.from(rings.order.slice(0, 2)).sort(), [1, 3]);
  assert.deepEqual(Array.from(rings.order.slice(4)).sort(), [2, 5]);
  // Ring centres −0.1002, −0.12005, −0.1399.
  assert.ok(Math.abs(rings.spacing - 0.01985) < 1e-9, `spacing ${rings.spacing}`);
  // One ring: no step to measure; one band a pixel apart all along (dense depth): the pixel itself.
  assert.ok(Number.isNaN(elevationRings(Float64Array.of(-0.1, -0.1005), resolution).spacing));
  assert.equal(elevationRings(Float64Array.from({ length: 20 }, (_, k) => -0.1 - k * resolution), resolution).spacing, resolution);
});

test('rangeNoise is the standard deviation of the range noise along rows of returns', () => {
  // Returns every 3 columns on every 9th row, all at range 5 m plus normal noise of 2 cm.
  let seed = 11;
  const uniform = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const normal = () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
  const width = 300, height = 200, f = 300;
  const positions = new Float32Array(width * height * 3);
  for (let v = 4; v < height; v += 9) {
    for (let u = 1; u < width; u += 3) {
      const a = (u - 150) / f, b = (v - 100) / f, range = 5 + 0.02 * normal();
      const z = range / Math.hypot(a, b, 1);
      positions.set([a * z, b * z, z], 3 * (v * width + u));
    }
  }
  const sigma = rangeNoise({ width, height, positions });
  assert.ok(Math.abs(sigma - 0.02) < 0.002, `sigma ${sigma}`);
});

/**
 * Lidar-like returns seen by a camera at height `cameraHeight` looking level (canonical x right, y
 * forward, z up; pixel rows below the horizon row 0 look down by (v / f) in tangent): rings every
 * `ringRows` rows from `firstRow`, a return every 3 columns. `hit` gives the canonical point a ray
 * (tangents a right, b down) meets, or undefined.
 */
function rings(width: number, firstRow: number, lastRow: number, ringRows: number, f: number, hit: (a: number, b: number) => Vec3 | undefined) {
  const points: number[] = [], pixels: number[] = [];
  for (let v = firstRow; v <= lastRow; v += ringRows) {
    for (let u = 0; u < width; u += 3) {
      const p = hit((u - width / 2) / f, v / f);
      if (!p) continue;
      points.push(...p);
      pixels.push(v * width + u);
    }
  }
  return { points: Float32Array.from(points), pixels: Int32Array.from(pixels) };
}

test('connectedAlongRings keeps a face apart from the wall seen beside it, each face whole', () => {
  // Camera 1.5 m up; a box's face at 2 m in columns below 60, a wall at 4 m from there on, rings every 9 rows.
  const f = 500, width = 100, cameraHeight = 1.5;
  const { points, pixels } = rings(width, 10, 100, 9, f, (a, b) => {
    const y = a < (60 - width / 2) / f ? 2 : 4;
    return [a * y, y, cameraHeight - b * y];
  });
  const labels = connectedAlongRings(points, pixels, width, [0, 0, cameraHeight], 1 / f, 0.2, () => 0.01)!;
  assert.ok(labels);
  const face = new Set<number>(), wall = new Set<number>();
  pixels.forEach((p, k) => ((p % width) < 60 ? face : wall).add(labels[k]));
  assert.equal(face.size, 1);
  assert.equal(wall.size, 1);
  assert.notEqual([...face][0], [...wall][0]);
});

test('connectedAlongRings joins the far-apart rings on one top and keeps a lower top behind apart', () => {
  // Camera 1.5 m up looking level. A cabinet's top at 0.68 m from 1.2 to 1.6 m ahead, a table's top
  // at 0.57 m from 1.8 to 2.8 m behind it; rings every 9 rows from row 166 to 337.
  const f = 500, width = 100, cameraHeight = 1.5;
  const level = (height: number, near: number, far: number, b: number): Vec3 | undefined => {
    const y = (cameraHeight - height) / b;
    return y >= near && y <= far ? [0, y, height] : undefined;
  };
  const { points, pixels } = rings(width, 166, 337, 9, f, (a, b) => {
    const p = level(0.68, 1.2, 1.6, b) ?? level(0.57, 1.8, 2.8, b);
    return p && [a * p[1], p[1], p[2]];
  });
  const labels = connectedAlongRings(points, pixels, width, [0, 0, cameraHeight], 1 / f, 0.2, () => 0.01)!;
  assert.ok(labels);
  const cabinet = new Set<number>(), table = new Set<number>();
  pixels.forEach((_, k) => (points[3 * k + 2] > 0.6 ? cabinet : table).add(labels[k]));
  assert.equal(cabinet.size, 1);
  assert.equal(table.size, 1, 'the table top rings (up to 0.14 m apart) are one surface');
  assert.notEqual([...cabinet][0], [...table][0]);
});

test('connectedAlongRings measures the ring step across rings that slant across the image', () => {
  // A wall 2 m ahead of a camera 1.5 m up; rings 9 rows apart, each dropping a row every 3 columns
  // (the next return along a ring lies a row lower, two returns along two rows lower).
  const f = 500, width = 100, points: number[] = [], pixels: number[] = [];
  for (let ring = 0; ring < 6; ring++) {
    for (let u = 0; u < width; u += 3) {
      const v = 10 + 9 * ring + u / 3;
      const [a, b] = [(u - width / 2) / f, v / f];
      points.push(a * 2, 2, 1.5 - b * 2);
      pixels.push(v * width + u);
    }
  }
  const order = pixels.map((_, k) => k).sort((a, b) => pixels[a] - pixels[b]);
  const labels = connectedAlongRings(Float32Array.from(order.flatMap((k) => points.slice(3 * k, 3 * k + 3))), Int32Array.from(order, (k) => pixels[k]), width, [0, 0, 1.5], 1 / f, 0.2, () => 0.01);
  assert.ok(labels, 'the rings are found');
  assert.equal(new Set(labels).size, 1, 'the wall is one surface');
});

test('connectedAlongRings finds no rings in dense depth', () => {
  const f = 500, width = 60;
  const { points, pixels } = rings(width, 10, 60, 1, f, (a, b) => [a * 2, 2, 1.5 - b * 2]);
  assert.equal(connectedAlongRings(points, pixels, width, [0, 0, 1.5], 1 / f, 0.2, () => 0.01), undefined);
});

/** A camera `height` metres up, pitched down by `pitch` (no roll), f = 500 px at the centre of a 640×480 image. */
function pitchedCamera(height: number, pitch: number) {
  const [sp, cp] = [Math.sin(pitch), Math.cos(pitch)];
  const pose: CanonicalTransform = { canonical: true, rotation: [1, 0, 0, 0, -sp, cp, 0, -cp, -sp], translation: [0, 0, height] };
  const intrinsics = { fx: 500, fy: 500, cx: 320, cy: 240 };
  return { pose, intrinsics };
}

/** Where the ray of pixel (u, v) first meets the axis-aligned cuboid [lo, hi] (canonical), or undefined. */
function hitCuboid(u: number, v: number, lo: Vec3, hi: Vec3, camera: ReturnType<typeof pitchedCamera>): Vec3 | undefined {
  const { pose, intrinsics } = camera, r = pose.rotation, t = pose.translation;
  const a = (u - intrinsics.cx) / intrinsics.fx, b = (v - intrinsics.cy) / intrinsics.fy;
  const d = [r[0] * a + r[1] * b + r[2], r[3] * a + r[4] * b + r[5], r[6] * a + r[7] * b + r[8]];
  let near = 0, far = Infinity;
  for (let k = 0; k < 3; k++) {
    const [s0, s1] = [(lo[k] - t[k]) / d[k], (hi[k] - t[k]) / d[k]];
    near = Math.max(near, Math.min(s0, s1));
    far = Math.min(far, Math.max(s0, s1));
  }
  return near <= far ? [t[0] + near * d[0], t[1] + near * d[1], t[2] + near * d[2]] : undefined;
}

/**
 * A lidar at the camera sweeping rings every degree of elevation, a return every 0.3° of azimuth,
 * each measured along the ray of the pixel it falls on (as hard.ts does, without noise), on a
 * cuboid: its returns (canonical, packed) and its tight 2D box.
 */
function lidarOnCuboid(lo: Vec3, hi: Vec3, camera: ReturnType<typeof pitchedCamera>) {
  const { pose, intrinsics } = camera, r = pose.rotation, t = pose.translation;
  const project = (p: Vec3): [number, number] => {
    const q = [p[0] - t[0], p[1] - t[1], p[2] - t[2]];
    const x = r[0] * q[0] + r[3] * q[1] + r[6] * q[2], y = r[1] * q[0] + r[4] * q[1] + r[7] * q[2], z = r[2] * q[0] + r[5] * q[1] + r[8] * q[2];
    return [intrinsics.cx + (intrinsics.fx * x) / z, intrinsics.cy + (intrinsics.fy * y) / z];
  };
  const points: number[] = [];
  const seen = new Set<number>();
  for (let elevation = -60; elevation <= 0; elevation += 1) {
    for (let azimuth = -30; azimuth <= 30; azimuth += 0.3) {
      const [e, az] = [(elevation * Math.PI) / 180, (azimuth * Math.PI) / 180];
      const [u, v] = project([t[0] + Math.cos(e) * Math.sin(az), t[1] + Math.cos(e) * Math.cos(az), t[2] + Math.sin(e)]).map(Math.round);
      if (seen.has(v * 640 + u)) continue;
      seen.add(v * 640 + u);
      const hit = hitCuboid(u, v, lo, hi, camera);
      if (hit) points.push(...hit);
    }
  }
  const corners = [0, 1, 2, 3, 4, 5, 6, 7].map((k) => project([k & 1 ? hi[0] : lo[0], k & 2 ? hi[1] : lo[1], k & 4 ? hi[2] : lo[2]]));
  const box: [number, number, number, number] = [
    Math.min(...corners.map((c) => c[0])), Math.min(...corners.map((c) => c[1])), Math.max(...corners.map((c) => c[0])), Math.max(...corners.map((c) => c[1])),
  ];
  return { points: Float32Array.from(points), box };
}

test('frustumExtent: a top seen from above gives the height, the box top edge coming down to it the far side', () => {
  // A cabinet 0.4 m wide, 0.4 m deep, 0.6 m tall, 2 m ahead; the camera 1.5 m up, pitched 30° down.
  const camera = pitchedCamera(1.5, Math.PI / 6);
  const { points, box } = lidarOnCuboid([-0.2, 2, 0], [0.2, 2.4, 0.6], camera);
  const { min, max } = frustumExtent(points, box, camera.intrinsics, camera.pose, 0.01);
  const expect = (got: number, want: number, within: number, what: string) => assert.ok(Math.abs(got - want) <= within, `${what}: ${got}, not ${want}`);
  expect(min[0], -0.2, 0.01, 'left');
  expect(max[0], 0.2, 0.01, 'right');
  expect(min[1], 2, 0.01, 'near side');
  expect(max[1], 2.4, 0.02, 'far side');
  expect(min[2], 0, 0.01, 'bottom');
  expect(max[2], 0.6, 0.005, 'top');
});

test('frustumExtent: a top seen nearly edge-on leaves the far side at the samples', () => {
  // A car-sized block 12 m ahead whose roof is 0.1 m below a level camera: the ring above the roof's
  // would come down to it some 40 m away, so the box's top edge cannot place the far side.
  const camera = pitchedCamera(1.6, 0);
  const { points, box } = lidarOnCuboid([-0.9, 12, 0], [0.9, 16, 1.5], camera);
  const { max } = frustumExtent(points, box, camera.intrinsics, camera.pose, 0.01);
  let farthest = -Infinity;
  for (let k = 1; k < points.length; k += 3) farthest = Math.max(farthest, points[k]);
  assert.ok(max[1] <= farthest + 1e-6, `far side ${max[1]} beyond the farthest sample ${farthest}`);
});

test('levelBelow reads the level under a box nearest where its bottom edge meets the object', () => {
  // Rows under a box ending at row 50 (the camera frame is the canonical one: up = −y, forward = z):
  // a ring at rows 53-54 on a table top 0.72 m high and, beside it, on a mug in front whose top is
  // 0.8 m high; the next ring, at row 62, on the table's front face 0.6 m high.
  const width = 100;
  const pose: CanonicalTransform = { canonical: true, rotation: [1, 0, 0, 0, 0, 1, 0, -1, 0], translation: [0, 0, 1.5] };
  const positions = new Float32Array(width * 100 * 3);
  const ring = (v: number, heights: number[]) => heights.forEach((up, k) => positions.set([0, 1.5 - up, 2], 3 * (v * width + 20 + 3 * k)));
  ring(53, [0.72, 0.73, 0.71, 0.72, 0.8, 0.8]);
  ring(54, [0.72, 0.72]);
  ring(62, [0.6, 0.6, 0.6]);
  const cloud = { width, height: 100, positions };
  const box: [number, number, number, number] = [15, 10, 60, 50];
  // The box's bottom edge meets the object 0.7 m up: the table top.
  assert.ok(Math.abs(levelBelow(cloud, box, pose, 15, 1, 3, 0.02, 0.7)! - 0.72) < 1e-6);
  // No higher than 0.7 m (the object's lowest sample): the front face is the only level left.
  assert.ok(Math.abs(levelBelow(cloud, box, pose, 15, 0.7, 3, 0.02, 0.7)! - 0.6) < 1e-6);
  // Nothing within two rows of the box.
  assert.equal(levelBelow(cloud, box, pose, 2, 1, 3, 0.02, 0.7), undefined);
});

test('lastRowAtForward finds how far down the object\'s face goes on under its box', () => {
  // Under a box ending at row 50 (camera frame = canonical frame: forward = z): the object's face
  // 2 m ahead at rows 55 and 64, the floor 2.6 m ahead at row 70.
  const width = 100;
  const pose: CanonicalTransform = { canonical: true, rotation: [1, 0, 0, 0, 0, 1, 0, -1, 0], translation: [0, 0, 1.5] };
  const positions = new Float32Array(width * 100 * 3);
  for (const [v, forward] of [[55, 2], [64, 2.01], [70, 2.6]]) positions.set([0, 1, forward], 3 * (v * width + 30));
  const cloud = { width, height: 100, positions };
  const box: [number, number, number, number] = [15, 10, 60, 50];
  assert.equal(lastRowAtForward(cloud, box, pose, 30, 2, 0.05), 64);
  assert.equal(lastRowAtForward(cloud, box, pose, 10, 2, 0.05), 55);
  assert.equal(lastRowAtForward(cloud, box, pose, 30, 3, 0.05), -1);
});

test('frustumExtent: a ring above a top seen by several rings, on something standing on it, leaves the top at its level', () => {
  // A table top 0.5 m high seen by four rings (1° apart, 21° to 24° below the horizontal from a
  // camera 1.5 m up, pitched 25° down), and one ring above them on a thing 0.7 m high standing on it.
  const camera = pitchedCamera(1.5, (25 * Math.PI) / 180);
  const points: number[] = [];
  const ring = (degrees: number, height: number) => {
    const down = Math.tan((degrees * Math.PI) / 180);
    for (const x of [-0.2, -0.1, 0, 0.1, 0.2]) points.push(x, (1.5 - height) / down, height);
  };
  for (const degrees of [21, 22, 23, 24]) ring(degrees, 0.5);
  ring(20, 0.7);
  const { max } = frustumExtent(Float32Array.from(points), [280, 150, 360, 300], camera.intrinsics, camera.pose, 0.01);
  assert.ok(Math.abs(max[2] - 0.5) < 1e-6, `top ${max[2]}`);
});
