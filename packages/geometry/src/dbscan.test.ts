import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clustersNear, dbscan, largestCluster } from './dbscan.js';
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

test('clustersNear joins the parts within reach of the seeds, transitively, and only big enough ones', () => {
  // Four lines of points along x, 1 cm apart within a line: A [0, 0.5], B [0.6, 0.8] (10 cm gap),
  // C [0.95, 1.0] (15 cm after B, 6 points), D [2, 2.5] (far).
  const line = (from: number, to: number) => Array.from({ length: Math.round((to - from) / 0.01) + 1 }, (_, i) => [from + i * 0.01, 0, 0]).flat();
  const points = new Float32Array([...line(0, 0.5), ...line(0.6, 0.8), ...line(0.95, 1.0), ...line(2, 2.5)]);
  const result = dbscan(points, 0.03, 3);
  assert.equal(result.clusterCount, 4);
  const members = (flags: Uint8Array) => [0, 1, 2, 3].filter((c) => flags[c + 1]);
  assert.deepEqual(members(clustersNear(points, result, [0], 0.12, 5)), [0, 1], 'B is 10 cm away, C 15 cm beyond B');
  assert.deepEqual(members(clustersNear(points, result, [0], 0.16, 5)), [0, 1, 2], 'C joins through B');
  assert.deepEqual(members(clustersNear(points, result, [0], 0.16, 10)), [0, 1], 'C is too small to join');
  assert.deepEqual(members(clustersNear(points, result, [0, 3], 0.12, 5)), [0, 1, 3], 'every seed is kept');
  assert.equal(clustersNear(points, result, [0], 0.16, 5)[0], 0, 'noise is never a member');
});
