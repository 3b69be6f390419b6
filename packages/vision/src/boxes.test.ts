import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { iou, nms } from './boxes.js';
import { chunk, prefetchMap } from './prefetch.js';

describe('iou and nms', () => {
  it('measures overlap and suppresses only same-label overlaps above the threshold', () => {
    assert.equal(iou([0, 0, 10, 10], [5, 0, 15, 10]), 50 / 150);
    assert.equal(iou([0, 0, 10, 10], [10, 10, 20, 20]), 0);
    const kept = nms(
      [
        { label: 'cup', score: 0.6, box: [1, 0, 11, 10] },
        { label: 'cup', score: 0.9, box: [0, 0, 10, 10] },
        { label: 'chair', score: 0.5, box: [0, 0, 10, 10] },
        { label: 'cup', score: 0.4, box: [30, 30, 40, 40] },
      ],
      0.45,
    );
    assert.deepEqual(kept.map((d) => [d.label, d.score]), [['cup', 0.9], ['chair', 0.5], ['cup', 0.4]]);
  });
});

describe('prefetchMap', () => {
  it('starts loading item i + 1 before running item i, and returns results in order', async () => {
    const started = new Set<number>();
    const seenAhead: boolean[] = [];
    const results = await prefetchMap(
      [10, 20, 30, 40],
      async (item, i) => {
        started.add(i);
        await new Promise((r) => setImmediate(r));
        return item * 2;
      },
      async (loaded, _item, i) => {
        seenAhead.push(i === 3 || started.has(i + 1));
        return loaded + 1;
      },
    );
    assert.deepEqual(results, [21, 41, 61, 81]);
    assert.deepEqual(seenAhead, [true, true, true, true]);
  });

  it('rejects with a failing load, and chunks', async () => {
    await assert.rejects(
      prefetchMap([1, 2], async (x) => {
        if (x === 2) throw new Error('fetch failed');
        return x;
      }, async (x) => x),
      /fetch failed/,
    );
    assert.deepEqual(chunk([1, 2, 3, 4, 5], 2), [[1, 2], [3, 4], [5]]);
  });
});
