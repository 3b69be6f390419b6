import { test } from 'node:test';
import assert from 'node:assert/strict';
import { axisAlignedBox, convexHull2D, DEPTH_NOISE_OVERSHOOT, minAreaRectangle, trimDepthNoise, yawBox } from './box.js';
import { seededRandom } from './random.js';

test('the convex hull of a square with interior points is its four corners, counter-clockwise', () => {
  const xy = [0.5, 0.5, 0, 0, 1, 0, 0.2, 0.7, 1, 1, 0, 1, 0.5, 0];
  assert.deepEqual(Array.from(convexHull2D(xy)), [1, 2, 4, 5]);
});

test('min-area rectangle and yaw box recover a rotated box', () => {
  const random = seededRandom(4);
  const yaw = 2.5; // radians, beyond π/2 so wrapping into [0, π) is exercised
  const [length, width, height] = [0.8, 0.3, 0.5];
  const centre = [1, 2, 0.25];
  const n = 4000;
  const points = new Float32Array(n * 3);
  const c = Math.cos(yaw), s = Math.sin(yaw);
  for (let i = 0; i < n; i++) {
    // Points on the box's surface: pick a face coordinate at ±half for one axis.
    const local = [(random() - 0.5) * length, (random() - 0.5) * width, (random() - 0.5) * height];
    local[i % 3] = (i % 2 ? 0.5 : -0.5) * [length, width, height][i % 3];
    points.set([centre[0] + c * local[0] - s * local[1], centre[1] + s * local[0] + c * local[1], centre[2] + local[2]], 3 * i);
  }
  const box = yawBox(points);
  assert.ok(Math.abs(box.yaw - (yaw % Math.PI)) < 1e-3, `yaw ${box.yaw}`);
  box.size.forEach((v, k) => assert.ok(Math.abs(v - [length, width, height][k]) < 1e-3, `size ${box.size}`));
  box.centre.forEach((v, k) => assert.ok(Math.abs(v - centre[k]) < 1e-3, `centre ${box.centre}`));
  const rect = minAreaRectangle([0, 0, 2, 0, 2, 1, 0, 1]);
  assert.deepEqual(rect.centre, [1, 0.5]);
  assert.equal(rect.size[0] * rect.size[1], 2);

  const aabb = axisAlignedBox(new Float32Array([1, 2, 3, -1, 5, 0]));
  assert.deepEqual(aabb, { min: [-1, 2, 0], max: [1, 5, 3] });
});

test('depth noise is taken off the sides the camera looks along, not off those it looks across', () => {
  // A 1.0 × 0.4 m footprint, its long side along +x, seen straight along +y with noise σ = 2 cm.
  const box = { centre: [0, 3, 0.5] as [number, number, number], size: [1, 0.4, 1] as [number, number, number], yaw: 0 };
  const sigma = 0.02;
  const trimmed = trimDepthNoise(box, sigma, [0, 1, 0]);
  // Along the view (the 0.4 m side) each side comes in by DEPTH_NOISE_OVERSHOOT σ; across it nothing.
  assert.ok(Math.abs(trimmed.size[1] - (0.4 - 2 * DEPTH_NOISE_OVERSHOOT * sigma)) < 1e-9, `width ${trimmed.size[1]}`);
  assert.equal(trimmed.size[0], 1);
  assert.equal(trimmed.size[2], 1);
  assert.deepEqual(trimmed.centre, box.centre);
  // Seen at 45° both sides come in by the overshoot's share along each.
  const diagonal = trimDepthNoise(box, sigma, [Math.SQRT1_2, Math.SQRT1_2, 0]);
  const share = 2 * DEPTH_NOISE_OVERSHOOT * sigma * Math.SQRT1_2;
  assert.ok(Math.abs(diagonal.size[0] - (1 - share)) < 1e-9 && Math.abs(diagonal.size[1] - (0.4 - share)) < 1e-9, `${diagonal.size}`);
  // Looking straight down (the ray has no horizontal part) the footprint is untouched.
  assert.deepEqual(trimDepthNoise(box, sigma, [0, 0, -1]).size, box.size);
});

test('trimming depth noise never takes more than half a side, and keeps the longer side first', () => {
  // A 0.30 × 0.28 m footprint seen along its long side with σ = 10 cm: that side would go below zero.
  const box = { centre: [0, 0, 0] as [number, number, number], size: [0.3, 0.28, 0.5] as [number, number, number], yaw: 0.2 };
  const ray = [Math.cos(0.2), Math.sin(0.2), 0];
  const trimmed = trimDepthNoise(box, 0.1, ray);
  // The long side, seen along, is halved to 0.15 m and becomes the shorter: axes swap, yaw turns a quarter.
  assert.ok(Math.abs(trimmed.size[0] - 0.28) < 1e-9 && Math.abs(trimmed.size[1] - 0.15) < 1e-9, `${trimmed.size}`);
  assert.ok(Math.abs(trimmed.yaw - (0.2 + Math.PI / 2)) < 1e-9, `yaw ${trimmed.yaw}`);
});
