import { test } from 'node:test';
import assert from 'node:assert/strict';
import { axisAlignedBox, convexHull2D, minAreaRectangle, yawBox } from './box.js';
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
