import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backProjectDepth, gatherPoints, validPixels } from './back-project.js';

const intrinsics = { fx: 100, fy: 200, cx: 2, cy: 1 };

test('back-projects pixels through the pinhole model in the camera frame (x right, y down, z forward)', () => {
  const width = 5, height = 3;
  const depth = new Float32Array(width * height).fill(2);
  depth[0] = 0;
  depth[1] = NaN;
  const cloud = backProjectDepth(depth, width, height, intrinsics);
  const at = (u: number, v: number) => Array.from(cloud.positions.subarray(3 * (v * width + u), 3 * (v * width + u) + 3));
  assert.deepEqual(at(2, 1), [0, 0, 2]); // the principal point lies on the optical axis
  const [x, y, z] = at(4, 2);
  assert.ok(Math.abs(x - (2 * 2) / 100) < 1e-6 && Math.abs(y - (1 * 2) / 200) < 1e-6 && z === 2);
  assert.deepEqual(at(0, 0), [0, 0, 0], 'missing depth gives z = 0');
  assert.deepEqual(at(1, 0), [0, 0, 0], 'NaN depth gives z = 0');
  const valid = validPixels(cloud);
  assert.equal(valid.length, width * height - 2);
  assert.equal(valid[0], 2);
  assert.deepEqual(Array.from(gatherPoints(cloud, [7])), at(2, 1));
});
