import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { OrganizedCloud } from '@spatialforge/geometry';
import { CAMERA_ALIGNED } from './canonical.js';
import { dominantDepthMode, medianCameraDepth, samplesInBox } from './sparse-box.js';

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
