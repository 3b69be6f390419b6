import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backProjectDepth } from './back-project.js';
import { statisticalOutliersOrganized } from './outliers.js';
import { seededRandom } from './random.js';

test('flying pixels and isolated points are outliers; background neighbours do not count', () => {
  const width = 40, height = 30;
  const depth = new Float32Array(width * height).fill(2);
  const object = new Uint8Array(width * height);
  // The object: a 20×16 patch at 1.5 m, with two flying pixels halfway to the wall and one lone pixel.
  for (let v = 5; v < 21; v++) for (let u = 10; u < 30; u++) { depth[v * width + u] = 1.5; object[v * width + u] = 1; }
  const flying = [12 * width + 10, 20 * width + 29];
  for (const p of flying) depth[p] = 1.75;
  const lone = 28 * width + 2;
  depth[lone] = 1.5;
  object[lone] = 1;
  const cloud = backProjectDepth(depth, width, height, { fx: 50, fy: 50, cx: 20, cy: 15 });
  const pixels = Int32Array.from(Array.from(object).flatMap((m, p) => (m ? [p] : [])));
  const labels = Int32Array.from(object, (m) => (m ? 1 : 0));
  for (const radius of [1, 2]) {
    const { keep, kept } = statisticalOutliersOrganized(cloud, pixels, labels, 1, { radius });
    const removed = Array.from(pixels).filter((_, k) => !keep[k]);
    assert.deepEqual(removed.sort((a, b) => a - b), [...flying, lone].sort((a, b) => a - b), `radius ${radius}`);
    assert.equal(kept, pixels.length - 3);
  }
});

/** The definition, pixel by pixel: the k nearest same-object pixels in the window, by brute force. */
function referenceScores(positions: Float32Array, width: number, height: number, pixels: Int32Array, radius: number, k: number): number[] {
  const member = new Set(pixels);
  return Array.from(pixels, (p) => {
    const u = p % width, v = Math.floor(p / width);
    const d: number[] = [];
    for (let y = v - radius; y <= v + radius; y++) {
      for (let x = u - radius; x <= u + radius; x++) {
        const q = y * width + x;
        if (x < 0 || y < 0 || x >= width || y >= height || q === p || !member.has(q)) continue;
        d.push(Math.hypot(positions[3 * q] - positions[3 * p], positions[3 * q + 1] - positions[3 * p + 1], positions[3 * q + 2] - positions[3 * p + 2]));
      }
    }
    d.sort((a, b) => a - b);
    const near = d.slice(0, k);
    return near.length ? near.reduce((a, b) => a + b, 0) / near.length / positions[3 * p + 2] : Infinity;
  });
}

test('scores are the mean of the k nearest same-label pixels in the window, at image borders too', () => {
  const random = seededRandom(9);
  const width = 23, height = 17;
  const depth = Float32Array.from({ length: width * height }, () => 1 + random());
  const cloud = backProjectDepth(depth, width, height, { fx: 20, fy: 20, cx: 11, cy: 8 });
  // A ragged object touching every border: 60 % of the pixels.
  const pixels = Int32Array.from(Array.from({ length: width * height }, (_, p) => p).filter(() => random() < 0.6));
  const labels = new Int32Array(width * height).fill(-1);
  for (const p of pixels) labels[p] = 7;
  for (const radius of [1, 2, 3]) {
    const expected = referenceScores(cloud.positions, width, height, pixels, radius, 4);
    const mean = expected.filter(Number.isFinite).reduce((a, b) => a + b, 0) / expected.filter(Number.isFinite).length;
    // With a huge std ratio only the scores' finiteness decides; with ratio 0 and no median floor, the mean does.
    const finite = statisticalOutliersOrganized(cloud, pixels, labels, 7, { radius, stdRatio: 1e9 }).keep;
    assert.deepEqual(Array.from(finite), expected.map((s) => (Number.isFinite(s) ? 1 : 0)), `radius ${radius}: isolated points`);
    const strict = statisticalOutliersOrganized(cloud, pixels, labels, 7, { radius, stdRatio: 0, keepBelowMedianRatio: 0 }).keep;
    const mismatches = expected.filter((s, k) => (s <= mean + 1e-6 ? 1 : 0) !== strict[k] && Math.abs(s - mean) > 1e-5).length;
    assert.equal(mismatches, 0, `radius ${radius}: scores match the brute-force definition`);
  }
});
