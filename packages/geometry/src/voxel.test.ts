import { test } from 'node:test';
import assert from 'node:assert/strict';
import { voxelDownsample } from './voxel.js';

test('each occupied voxel becomes the centroid of its points, negative coordinates included', () => {
  const points = new Float32Array([
    0.01, 0.01, 0.01, 0.03, 0.05, 0.07, // voxel (0,0,0) of side 0.1
    -0.01, 0.02, 0.02, // voxel (-1,0,0)
    0.12, 0.0, 0.0, // voxel (1,0,0)
    0.09, 0.09, 0.09, // voxel (0,0,0)
  ]);
  const { positions, voxelOfPoint } = voxelDownsample(points, 0.1);
  assert.equal(positions.length, 9);
  assert.deepEqual(Array.from(voxelOfPoint), [0, 0, 1, 2, 0]);
  const expected = [(0.01 + 0.03 + 0.09) / 3, (0.01 + 0.05 + 0.09) / 3, (0.01 + 0.07 + 0.09) / 3, -0.01, 0.02, 0.02, 0.12, 0, 0];
  expected.forEach((value, i) => assert.ok(Math.abs(positions[i] - value) < 1e-6, `coordinate ${i}`));
});
