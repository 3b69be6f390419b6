import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Vec3 } from '@spatialforge/core';
import {
  DEFAULT_MARGINS, centreDistance, clearanceUnder, clockBoundaryDistance, clockHour, compare, equivalentSize,
  fitsInside, fitsOn, fitsUnder, gapDistance, horizontalDistance, isClearDifference, isRightTriangle,
  isRoughlyEquilateral, largestAngleDegrees, shapeFromBox, sideRatio, verticalDistance,
} from './facts.js';

const box = (centre: Vec3, size: Vec3 = [0.2, 0.2, 0.2]) => shapeFromBox(centre, size);
const camera: Vec3 = [0, 0, 1.5];

test('distances between boxes: centres, closest points, on the ground plane and vertically', () => {
  const a = box([0, 2, 0.5], [1, 1, 1]);
  const b = box([3, 6, 0.5], [1, 1, 1]);
  assert.equal(centreDistance(a, b), 5);
  // Faces 2 m apart in x and 3 m in y: the closest corners are √(4 + 9) apart.
  assert.ok(Math.abs(gapDistance(a, b) - Math.sqrt(13)) < 1e-12);
  assert.equal(gapDistance(a, box([0.9, 2, 0.5], [1, 1, 1])), 0, 'overlapping boxes have no gap');
  const high = box([3, 6, 2.5], [1, 1, 1]);
  assert.equal(horizontalDistance(a, high), 5);
  assert.equal(verticalDistance(a, high), 2);
});

test('clock positions: 12 ahead, 3 right, 6 behind, 9 left, 2 at 60° to the right', () => {
  const from = box([1, 1, 0]);
  assert.equal(clockHour(from, box([1, 3, 0])), 12);
  assert.equal(clockHour(from, box([3, 1, 0])), 3);
  assert.equal(clockHour(from, box([1, -1, 0])), 6);
  assert.equal(clockHour(from, box([-1, 1, 0])), 9);
  const sixty = (60 * Math.PI) / 180;
  assert.equal(clockHour(from, box([1 + Math.sin(sixty), 1 + Math.cos(sixty), 0])), 2);
  assert.equal(clockBoundaryDistance(60), 15);
  assert.equal(clockBoundaryDistance(44), 1);
  assert.equal(clockBoundaryDistance(346), 1);
});

test('comparisons follow the canonical axes and the camera', () => {
  const left = box([-1, 3, 0.4], [0.5, 0.5, 0.8]);
  const right = box([1, 4, 1.2], [1, 1, 0.2]);
  assert.ok(compare('left_of', left, right, camera) && !compare('left_of', right, left, camera));
  assert.ok(compare('right_of', right, left, camera));
  assert.ok(compare('above', right, left, camera) && compare('below', left, right, camera));
  assert.ok(compare('behind', right, left, camera) && compare('in_front_of', left, right, camera));
  assert.ok(compare('closer', left, right, camera) && compare('farther', right, left, camera));
  assert.ok(compare('taller', left, right, camera) && compare('shorter', right, left, camera));
  assert.ok(compare('wider', right, left, camera) && compare('thinner', left, right, camera));
  // Volumes 0.2 m³ and 0.2 m³ are equal: neither is bigger.
  assert.equal(equivalentSize(left), equivalentSize(right));
  assert.ok(!compare('bigger', left, right, camera) && !compare('smaller', left, right, camera));
});

test('a difference is clear only past both margins (positions: the metres margin alone)', () => {
  assert.ok(!isClearDifference('lateral', 0, 0.04, DEFAULT_MARGINS));
  assert.ok(isClearDifference('lateral', 10, 10.06, DEFAULT_MARGINS), 'positions have no relative margin');
  assert.ok(!isClearDifference('cameraDistance', 4, 4.15, DEFAULT_MARGINS), '0.15 m is under 5 % of 4.15 m');
  assert.ok(isClearDifference('cameraDistance', 4, 4.25, DEFAULT_MARGINS));
});

test('triangles: equilateral within 15 %, right within 10°', () => {
  const a = box([0, 0, 0]);
  const b = box([2, 0, 0]);
  assert.ok(isRoughlyEquilateral(a, b, box([1, Math.sqrt(3), 0])));
  assert.ok(!isRoughlyEquilateral(a, b, box([1, 3, 0])));
  assert.ok(isRightTriangle(a, box([3, 0, 0]), box([0, 4, 0])));
  assert.ok(Math.abs(largestAngleDegrees([3, 4, 5]) - 90) < 1e-9);
  assert.ok(!isRightTriangle(a, b, box([1, Math.sqrt(3), 0])));
  assert.equal(sideRatio([3, 4, 5]), 5 / 3);
});

test('fits on, under and inside', () => {
  const table = box([0, 3, 0.375], [1.2, 0.8, 0.75]);
  const mug = box([0.2, 3, 0.8], [0.09, 0.09, 0.1]);
  const shelf = box([0, 3, 1.3], [0.9, 0.3, 0.04]);
  const crate = box([2, 3, 0.2], [0.5, 0.4, 0.4]);
  assert.ok(fitsOn(mug, table) && !fitsOn(table, mug));
  // Under the shelf, the highest thing below is the table top (0.75 m): 0.53 m of free space.
  assert.ok(Math.abs(clearanceUnder(shelf, [table, mug, shelf, crate]) - (1.28 - 0.85)) < 1e-9, 'the mug on the table is the highest thing under the shelf');
  assert.equal(clearanceUnder(mug, [table, mug]), 0, 'the mug rests on the table');
  assert.ok(fitsUnder(box([5, 5, 0.1], [0.2, 0.2, 0.2]), shelf, [table, mug, shelf]));
  assert.ok(!fitsUnder(crate, mug, [table, mug, crate]));
  // A long thin box fits in the crate when turned: extents are compared longest to longest.
  assert.ok(fitsInside(box([0, 0, 0], [0.1, 0.45, 0.1]), crate));
  assert.ok(!fitsInside(box([0, 0, 0], [0.1, 0.55, 0.1]), crate));
});
