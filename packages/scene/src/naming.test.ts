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

const names = (objects: SceneObject[]) => {
  const { named, dropped } = nameObjects(objects, { minSeparation: 0.15 });
  return { named: Object.fromEntries(named.map((o) => [o.id, o.name])), dropped: dropped.map((d) => `${d.id}:${d.reason}`) };
};

test('a unique label is "the <label>", case-insensitively grouped', () => {
  assert.deepEqual(names([object('a', 'Mug', 0, 2), object('b', 'chair', 1, 2)]).named, { a: 'the mug', b: 'the chair' });
});

test('two of a label: left/right, else nearer/farther, else their colours, else both dropped', () => {
  assert.deepEqual(names([object('a', 'chair', 0.5, 2), object('b', 'chair', -0.5, 2.1)]).named, { a: 'the right chair', b: 'the left chair' });
  assert.deepEqual(names([object('a', 'chair', 0.05, 4), object('b', 'chair', 0, 2)]).named, { a: 'the farther chair', b: 'the nearer chair' });
  assert.deepEqual(names([object('a', 'chair', 0, 2, 'red'), object('b', 'chair', 0.05, 2.05, 'blue')]).named, { a: 'the red chair', b: 'the blue chair' });
  assert.deepEqual(names([object('a', 'chair', 0, 2), object('b', 'chair', 0.05, 2.05)]), { named: {}, dropped: ['a:ambiguous', 'b:ambiguous'] });
});

test('three or more of a label are left out of questions as ambiguous', () => {
  const result = names([object('a', 'cup', -1, 2), object('b', 'cup', 0, 2), object('c', 'cup', 1, 2), object('d', 'table', 0, 3)]);
  assert.deepEqual(result, { named: { d: 'the table' }, dropped: ['a:ambiguous', 'b:ambiguous', 'c:ambiguous'] });
});
