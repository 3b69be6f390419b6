import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backProjectDepth } from './back-project.js';
import { statisticalOutliersOrganized } from './outliers.js';

test('flying pixels and isolated points are outliers; background neighbours do not count', () => {
  const width = 40, height = 30;
  const depth = new Float32Array(width * height).fill(2);
  const labels = new Int32Array(width * height).fill(0);
  // Object 1: a 20×16 patch at 1.5 m, with two flying pixels halfway to the wall and one lone pixel.
  for (let v = 5; v < 21; v++) for (let u = 10; u < 30; u++) { depth[v * width + u] = 1.5; labels[v * width + u] = 1; }
  const flying = [12 * width + 10, 20 * width + 29];
  for (const p of flying) depth[p] = 1.75;
  const lone = 28 * width + 2;
  depth[lone] = 1.5;
  labels[lone] = 1;
  const cloud = backProjectDepth(depth, width, height, { fx: 50, fy: 50, cx: 20, cy: 15 });
  const pixels = Int32Array.from(Array.from(labels).flatMap((l, p) => (l === 1 ? [p] : [])));
  const { keep, kept } = statisticalOutliersOrganized(cloud, pixels, labels, 1, { radius: 2, stdRatio: 2 });
  const removed = Array.from(pixels).filter((_, k) => !keep[k]);
  for (const p of [...flying, lone]) assert.ok(removed.includes(p), `pixel ${p} should be removed`);
  assert.equal(kept, pixels.length - removed.length);
  assert.ok(removed.length <= 3 + 8, `only the outliers and a few of their neighbours go (${removed.length})`);
});
