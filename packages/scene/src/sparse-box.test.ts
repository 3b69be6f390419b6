import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { OrganizedCloud } from '@spatialforge/geometry';
import { CAMERA_ALIGNED } from './canonical.js';
import type { Vec3 } from '@spatialforge/core';
import { connectedAlongRings, dominantDepthMode, medianCameraDepth, onGrid, rangeNoise, rowAngle, samplesInBox } from './sparse-box.js';

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

test('connectedAlongRings finds no rings in dense depth', () => {
  const f = 500, width = 60;
  const { points, pixels } = rings(width, 10, 60, 1, f, (a, b) => [a * 2, 2, 1.5 - b * 2]);
  assert.equal(connectedAlongRings(points, pixels, width, [0, 0, 1.5], 1 / f, 0.2, () => 0.01), undefined);
});
