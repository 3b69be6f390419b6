import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SceneObject } from '@spatialforge/core';
import { nameObjects } from './naming.js';

function object(id: string, label: string, x: number, distance: number, colour = 'gray'): SceneObject {
  const centre: [number, number, number] = [x, distance, 0.5];
  return {
    id, label, colour, name: label, centre, size: [0.5, 0.5, 1], min: centre, max: centre,
    obb: { centre, size: [0.5, 0.5, 1], yaw: 0 }, pointCount: 100, box2d: [0, 0, 1, 1], distanceFromCamera: distance,
  };
}

const names = (objects: SceneObject[]) => Object.fromEntries(nameObjects(objects, { minSeparation: 0.15 }).map((o) => [o.id, o.name]));

test('a unique label is "the <label>", case-insensitively grouped', () => {
  assert.deepEqual(names([object('a', 'Mug', 0, 2), object('b', 'chair', 1, 2)]), { a: 'the mug', b: 'the chair' });
});

test('two of a label: left/right, else nearer/farther, else their colours, else both plain and both kept', () => {
  assert.deepEqual(names([object('a', 'chair', 0.5, 2), object('b', 'chair', -0.5, 2.1)]), { a: 'the right chair', b: 'the left chair' });
  assert.deepEqual(names([object('a', 'chair', 0.05, 4), object('b', 'chair', 0, 2)]), { a: 'the farther chair', b: 'the nearer chair' });
  assert.deepEqual(names([object('a', 'chair', 0, 2, 'red'), object('b', 'chair', 0.05, 2.05, 'blue')]), { a: 'the red chair', b: 'the blue chair' });
  assert.deepEqual(names([object('a', 'chair', 0, 2), object('b', 'chair', 0.05, 2.05)]), { a: 'the chair', b: 'the chair' });
});

test('three or more of a label stay in the scene graph, named in order from the left when the order is clear', () => {
  assert.deepEqual(names([object('a', 'cup', 1, 2), object('b', 'cup', -1, 2), object('c', 'cup', 0, 2), object('d', 'cup', 2, 2), object('e', 'table', 0, 3)]), {
    a: 'the third cup from the left', b: 'the leftmost cup', c: 'the second cup from the left', d: 'the rightmost cup', e: 'the table',
  });
  const crowded = names([object('a', 'cup', 0, 2), object('b', 'cup', 0.1, 2.5), object('c', 'cup', 1, 2)]);
  assert.deepEqual(crowded, { a: 'the cup', b: 'the cup', c: 'the cup' }, 'two of them closer than the separation: no order is clear');
});
