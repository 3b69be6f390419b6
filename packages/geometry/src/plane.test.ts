import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitPlaneRansac, countPlaneInliers } from './plane.js';
import { seededRandom } from './random.js';

/** Points on the plane z = 0.1x + 2 (noise ±noise) followed by uniform outliers. */
function tiltedPlaneWithOutliers(inliers: number, outliers: number, noise: number): Float32Array {
  const random = seededRandom(7);
  const points = new Float32Array((inliers + outliers) * 3);
  for (let i = 0; i < inliers; i++) {
    const x = random() * 4 - 2, y = random() * 4 - 2;
    points.set([x, y, 0.1 * x + 2 + (random() - 0.5) * 2 * noise], 3 * i);
  }
  for (let i = inliers; i < inliers + outliers; i++) points.set([random() * 4 - 2, random() * 4 - 2, random() * 4], 3 * i);
  return points;
}

test('RANSAC finds a plane among 40 % outliers and least squares refines it', () => {
  const points = tiltedPlaneWithOutliers(3000, 2000, 0.005);
  const fit = fitPlaneRansac(points, { distanceThreshold: 0.02, iterations: 100, seed: 1 });
  assert.ok(fit);
  const expected = [0.1, 0, -1].map((c) => c / Math.hypot(0.1, 1));
  const sign = Math.sign(fit.normal[2]) === Math.sign(expected[2]) ? 1 : -1;
  for (let k = 0; k < 3; k++) assert.ok(Math.abs(sign * fit.normal[k] - expected[k]) < 2e-3, `normal ${fit.normal}`);
  assert.ok(Math.abs(sign * fit.d - 2 / Math.hypot(0.1, 1)) < 5e-3, `d ${fit.d}`);
  assert.ok(fit.inlierCount >= 3000 && fit.inlierCount < 3100, `inliers ${fit.inlierCount}`);
});

test('the same seed gives the same plane; the filter can exclude the largest plane', () => {
  const points = tiltedPlaneWithOutliers(2000, 500, 0.01);
  const a = fitPlaneRansac(points, { distanceThreshold: 0.02, seed: 5 });
  const b = fitPlaneRansac(points, { distanceThreshold: 0.02, seed: 5 });
  assert.deepEqual(a, b);
  // Add a smaller horizontal plane y = 1 and accept only normals near ±y.
  const extra = new Float32Array(800 * 3);
  const random = seededRandom(3);
  for (let i = 0; i < 800; i++) extra.set([random() * 2, 1, random() * 2 + 1], 3 * i);
  const all = new Float32Array(points.length + extra.length);
  all.set(points);
  all.set(extra, points.length);
  const horizontal = fitPlaneRansac(all, { distanceThreshold: 0.02, seed: 5, accept: (p) => Math.abs(p.normal[1]) > 0.95 });
  assert.ok(horizontal);
  assert.ok(Math.abs(Math.abs(horizontal.normal[1]) - 1) < 1e-4);
  assert.ok(Math.abs(Math.abs(horizontal.d) - 1) < 1e-3);
  assert.equal(countPlaneInliers(extra, horizontal, 0.001), 800);
  assert.equal(fitPlaneRansac(all, { distanceThreshold: 0.02, accept: () => false }), null);
});

test('with a confidence, RANSAC stops once a better plane is unlikely and finds the same plane', () => {
  const points = tiltedPlaneWithOutliers(3000, 1000, 0.005);
  let scored = 0;
  const counting = { distanceThreshold: 0.02, iterations: 500, seed: 3, accept: () => (scored++, true) };
  const full = fitPlaneRansac(points, counting)!;
  const fullTries = scored;
  scored = 0;
  const early = fitPlaneRansac(points, { ...counting, confidence: 0.999 })!;
  assert.ok(fullTries > 490, `without a confidence every triple is tried (${fullTries} of 500 scored; repeats are skipped)`);
  assert.ok(scored < fullTries / 5, `${scored} hypotheses with a confidence vs ${fullTries}`);
  for (let k = 0; k < 3; k++) assert.ok(Math.abs(Math.abs(early.normal[k]) - Math.abs(full.normal[k])) < 2e-3);
  assert.ok(Math.abs(early.inlierCount - full.inlierCount) < 30);
});
