import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dbscan, largestCluster } from './dbscan.js';
import { seededRandom } from './random.js';

/** Textbook O(n²) core-point detection, the reference the grid version must match. */
function corePoints(points: Float32Array, eps: number, minPoints: number): boolean[] {
  const n = points.length / 3;
  return Array.from({ length: n }, (_, i) => {
    let count = 0;
    for (let j = 0; j < n; j++) {
      const d = Math.hypot(points[3 * i] - points[3 * j], points[3 * i + 1] - points[3 * j + 1], points[3 * i + 2] - points[3 * j + 2]);
      if (d <= eps) count++;
    }
    return count >= minPoints;
  });
}

test('finds two blobs, labels scattered points as noise, picks the larger blob', () => {
  const random = seededRandom(11);
  const blob = (cx: number, count: number) => Array.from({ length: count }, () => [cx + random() * 0.2, random() * 0.2, random() * 0.2]).flat();
  const noise = Array.from({ length: 20 }, (_, i) => [5 + i, -5, 3]).flat();
  const points = new Float32Array([...blob(0, 300), ...blob(1, 150), ...noise]);
  const result = dbscan(points, 0.08, 5);
  assert.equal(result.clusterCount, 2);
  assert.deepEqual(Array.from(result.sizes), [300, 150]);
  assert.ok(result.labels.subarray(450).every((l) => l === -1));
  assert.equal(largestCluster(result), 0);
  assert.equal(largestCluster(dbscan(new Float32Array(0), 0.05, 5)), -1);
});

test('core points and their partition match the brute-force definition on random data', () => {
  const random = seededRandom(2);
  const points = new Float32Array(Array.from({ length: 600 * 3 }, () => random() * 1 - 0.5));
  const eps = 0.09, minPoints = 6;
  const { labels } = dbscan(points, eps, minPoints);
  const core = corePoints(points, eps, minPoints);
  const n = core.length;
  for (let i = 0; i < n; i++) if (core[i]) assert.notEqual(labels[i], -1);
  // Two core points within eps share a cluster; every labelled non-core point is within eps of a core point of its cluster.
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const d = Math.hypot(points[3 * i] - points[3 * j], points[3 * i + 1] - points[3 * j + 1], points[3 * i + 2] - points[3 * j + 2]);
      if (core[i] && core[j] && d <= eps) assert.equal(labels[i], labels[j]);
    }
  }
  for (let i = 0; i < n; i++) {
    if (core[i] || labels[i] === -1) continue;
    const hasCore = core.some((c, j) => c && labels[j] === labels[i] &&
      Math.hypot(points[3 * i] - points[3 * j], points[3 * i + 1] - points[3 * j + 1], points[3 * i + 2] - points[3 * j + 2]) <= eps);
    assert.ok(hasCore, `border point ${i}`);
  }
});
