import { test } from 'node:test';
import assert from 'node:assert/strict';
import { selectRank } from './select.js';
import { seededRandom } from './random.js';

test('selectRank returns the value a full sort puts at that rank, for every rank, with ties and Infinity', () => {
  const random = seededRandom(7);
  for (const length of [1, 2, 3, 10, 101]) {
    const source = Float32Array.from({ length }, (_, i) => (i % 5 === 4 ? Infinity : Math.round(random() * 8)));
    const sorted = [...source].sort((a, b) => a - b);
    for (let rank = 0; rank < length; rank++) {
      const values = source.slice();
      assert.equal(selectRank(values, length, rank), sorted[rank], `length ${length}, rank ${rank}`);
    }
  }
});

test('selectRank looks only at the first `length` values', () => {
  const values = Float32Array.from([5, 1, 3, -100, -200]);
  assert.equal(selectRank(values, 3, 1), 3);
  assert.deepEqual([...values.subarray(3)], [-100, -200]);
});
