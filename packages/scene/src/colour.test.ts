import { test } from 'node:test';
import assert from 'node:assert/strict';
import { colourName, dominantColour } from './colour.js';

test('names pure and everyday colours plainly', () => {
  const cases: [number, number, number, string][] = [
    [220, 30, 30, 'red'], [255, 140, 0, 'orange'], [240, 220, 40, 'yellow'], [40, 160, 60, 'green'],
    [30, 60, 200, 'blue'], [120, 40, 170, 'purple'], [255, 150, 200, 'pink'], [120, 70, 30, 'brown'],
    [10, 10, 10, 'black'], [245, 245, 245, 'white'], [128, 128, 128, 'gray'], [90, 40, 80, 'purple'],
  ];
  for (const [r, g, b, name] of cases) assert.equal(colourName(r, g, b), name, `rgb(${r}, ${g}, ${b})`);
});

test('the dominant colour is the most voted one, not the average', () => {
  // 6 red pixels and 4 white ones: the average (pink) would be wrong.
  const rgb = new Uint8Array([...Array(6).fill([210, 20, 25]).flat(), ...Array(4).fill([250, 250, 250]).flat()]);
  assert.equal(dominantColour(rgb, Array.from({ length: 10 }, (_, i) => i)), 'red');
  assert.equal(dominantColour(rgb, [6, 7]), 'white');
});
