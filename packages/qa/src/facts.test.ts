import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { OrientedBox, SceneObject, Vec3 } from '@spatialforge/core';
import { affordanceOf } from './affordances.js';
import {
  DEFAULT_MARGINS, azimuthSpan, centreDistance, clockBoundaryDistance, clockHour, depthOf, equivalentSize, gapDistance,
  horizontalDistance, largestAngleDegrees, sideRatio, surfaceDistance, verticalDistance, widthOf,
} from './facts.js';
import { freeSpaceUnder, prepareItem, relationHolds } from './rules.js';

/** A shape with its own box: centre, size (length, width, height) and yaw in radians. */
const box = (centre: Vec3, size: Vec3 = [0.2, 0.2, 0.2], yaw = 0) => ({ centre, obb: { centre, size, yaw } as OrientedBox });
const camera: Vec3 = [0, 0, 1.5];
const close = (actual: number, expected: number, message?: string) => assert.ok(Math.abs(actual - expected) < 1e-9, `${message ?? ''} ${actual} ≠ ${expected}`);

function object(id: string, label: string, centre: Vec3, size: Vec3, yaw = 0): SceneObject {
  const half = size.map((s) => s / 2);
  return {
    id, label, colour: 'gray', name: `the ${label}`, centre, size,
    min: [centre[0] - half[0], centre[1] - half[1], centre[2] - half[2]], max: [centre[0] + half[0], centre[1] + half[1], centre[2] + half[2]],
    obb: { centre, size, yaw }, pointCount: 100, box2d: [0, 0, 1, 1], distanceFromCamera: 0,
  };
}
const item = (o: SceneObject, index = 0) => prepareItem(o, index, camera);

test('distances between boxes: centres, closest points of the oriented boxes, on the ground plane and vertically', () => {
  const a = box([0, 2, 0.5], [1, 1, 1]);
  const b = box([3, 6, 0.5], [1, 1, 1]);
  assert.equal(centreDistance(a, b), 5);
  // Faces 2 m apart in x and 3 m in y: the closest corners are √(4 + 9) apart.
  close(gapDistance(a, b), Math.sqrt(13));
  assert.equal(gapDistance(a, box([0.9, 2, 0.5], [1, 1, 1])), 0, 'overlapping boxes have no gap');
  // A 1 m square turned 45° reaches √2/2 m along x: 2 m from a unit cube's face is 1.5 − 0.707 away.
  close(gapDistance(box([0, 0, 0.5], [1, 1, 1]), box([2, 0, 0.5], [1, 1, 1], Math.PI / 4)), 2 - 0.5 - Math.SQRT1_2);
  // One on top of the other, 10 cm apart vertically.
  close(gapDistance(box([0, 0, 0.5], [1, 1, 1]), box([0, 0, 1.2], [0.2, 0.2, 0.2])), 0.1);
  const high = box([3, 6, 2.5], [1, 1, 1]);
  assert.equal(horizontalDistance(a, high), 5);
  assert.equal(verticalDistance(a, high), 2);
});

test('sizes come from the own box whatever its turn: width the longer footprint side, depth the shorter', () => {
  const suitcase = box([0, 2, 0.3], [0.4, 0.24, 0.6], (145 * Math.PI) / 180);
  assert.equal(widthOf(suitcase), 0.4);
  assert.equal(depthOf(suitcase), 0.24);
  close(equivalentSize(box([0, 0, 0], [0.5, 0.4, 0.1], 1)), Math.cbrt(0.02));
});

test('distance from the camera to the nearest surface, and where an object is in the picture', () => {
  // A 1 m cube 3 m ahead, its centre at camera height: its near face is 2.5 m away.
  close(surfaceDistance(box([0, 3, 1.5], [1, 1, 1]), camera), 2.5);
  const span = azimuthSpan(box([1, 4, 0.5], [1, 1, 1]), camera);
  close(span.centre, (Math.atan2(1, 4) * 180) / Math.PI);
  close(span.left, (Math.atan2(0.5, 4.5) * 180) / Math.PI);
  close(span.right, (Math.atan2(1.5, 3.5) * 180) / Math.PI);
});

test('left and right follow the picture, not x: a far object at larger x can be left of a near one', () => {
  // The near mug is 1 m right at 2 m (26.6°); the far lamp 2 m right at 8 m (14°): the lamp is left of the mug in the picture.
  const mug = item(object('mug', 'mug', [1, 2, 0.5], [0.1, 0.1, 0.1]));
  const lamp = item(object('lamp', 'lamp', [2, 8, 0.5], [0.3, 0.3, 1]), 1);
  assert.equal(relationHolds('left_of', lamp, mug, DEFAULT_MARGINS), true);
  // A mug standing within a table's span is neither left nor right of it.
  const table = item(object('table', 'table', [0, 3, 0.375], [1.2, 0.8, 0.75]));
  const onTable = item(object('mug', 'mug', [-0.4, 3, 0.8], [0.1, 0.1, 0.1]), 1);
  assert.equal(relationHolds('left_of', onTable, table, DEFAULT_MARGINS), undefined);
});

test('up and down by vertical extents: resting on is above; side by side on one table is neither', () => {
  const table = item(object('table', 'table', [0, 3, 0.375], [1.2, 0.8, 0.75]));
  const mug = item(object('mug', 'mug', [0.2, 3, 0.8], [0.1, 0.1, 0.1]), 1);
  const bottle = item(object('bottle', 'bottle', [-0.2, 3, 0.89], [0.08, 0.08, 0.28]), 2);
  assert.equal(relationHolds('above', mug, table, DEFAULT_MARGINS), true);
  assert.equal(relationHolds('below', table, mug, DEFAULT_MARGINS), true);
  assert.equal(relationHolds('above', bottle, mug, DEFAULT_MARGINS), undefined, 'overlapping extents');
  assert.equal(relationHolds('higher', bottle, mug, DEFAULT_MARGINS), undefined, 'same bottom: not clearly higher');
  const plant = item(object('plant', 'plant', [1, 3, 0.3], [0.3, 0.3, 0.6]), 3);
  const chair = item(object('chair', 'chair', [-1, 3, 0.45], [0.5, 0.5, 0.9]), 4);
  assert.equal(relationHolds('higher', plant, chair, DEFAULT_MARGINS), undefined, 'a plant whose top is below the chair\'s is not above it');
  const lamp = item(object('lamp', 'lamp', [0.3, 3.2, 1.05], [0.2, 0.2, 0.6]), 5);
  assert.equal(relationHolds('higher', lamp, chair, DEFAULT_MARGINS), true, 'higher at both bottom and top');
});

test('closer and farther by centre distance, not asked where the nearest surfaces disagree', () => {
  const table = item(object('table', 'table', [0, 3, 0.375], [2, 2, 0.75]));
  const mug = item(object('mug', 'mug', [0, 2.6, 0.8], [0.1, 0.1, 0.1]), 1);
  // The mug's centre is nearer than the table's, but the table's near edge is nearer than the mug: not asked.
  assert.equal(relationHolds('closer', mug, table, DEFAULT_MARGINS), undefined);
  const chair = item(object('chair', 'chair', [0, 6, 0.45], [0.5, 0.5, 0.9]), 2);
  assert.equal(relationHolds('farther', chair, table, DEFAULT_MARGINS), true);
  assert.equal(relationHolds('in_front_of', table, chair, DEFAULT_MARGINS), true);
});

test('free space under a table comes from its top surface, its footprint less the legs', () => {
  const table = item(object('table', 'table', [0, 3, 0.375], [1.2, 0.8, 0.75]));
  const free = freeSpaceUnder(table, [table]);
  close(free.height, 0.7);
  close(free.footprint[0], 1.0);
  close(free.footprint[1], 0.6);
  const box = item(object('box', 'box', [0.2, 3, 0.15], [0.3, 0.3, 0.3]), 1);
  close(freeSpaceUnder(table, [table, box]).height, 0.4, 'a box under it raises the floor of the free space');
});

test('affordances: what bears, holds, has room under, and moves; unknown labels afford nothing', () => {
  assert.deepEqual(affordanceOf('Dining_Table'), { supports: true, holds: false, roomUnder: true, movable: false });
  assert.deepEqual(affordanceOf('bottle'), { supports: false, holds: false, roomUnder: false, movable: true });
  assert.equal(affordanceOf('box').holds, true);
  assert.equal(affordanceOf('counter').roomUnder, false);
  assert.deepEqual(affordanceOf('flux capacitor'), { supports: false, holds: false, roomUnder: false, movable: false });
});

test('clock positions: 12 ahead, 3 right, 6 behind, 9 left, 2 at 60° to the right', () => {
  const from = box([1, 1, 0]);
  assert.equal(clockHour(from, box([1, 3, 0])), 12);
  assert.equal(clockHour(from, box([3, 1, 0])), 3);
  assert.equal(clockHour(from, box([1, -1, 0])), 6);
  assert.equal(clockHour(from, box([-1, 1, 0])), 9);
  assert.equal(clockHour(from, box([1 + Math.sin(Math.PI / 3), 1 + Math.cos(Math.PI / 3), 0])), 2);
  assert.equal(clockBoundaryDistance(15), 0);
  assert.equal(clockBoundaryDistance(30), 15);
});

test('triangles: side ratio and the largest angle', () => {
  assert.equal(sideRatio([3, 4, 5]), 5 / 3);
  close(largestAngleDegrees([3, 4, 5]), 90);
  close(largestAngleDegrees([1, 1, 1]), 60);
});
