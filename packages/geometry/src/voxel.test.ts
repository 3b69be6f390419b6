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

test('the voxel table grows past its first guess without losing voxels', () => {
  // 5,000 points, each in its own 1 cm voxel (a 50 × 100 grid at z = 0.5 cm), each voxel hit twice.
  const points = new Float32Array(10000 * 3);
  for (let i = 0; i < 10000; i++) points.set([((i % 5000) % 50) * 0.01 + 0.005, Math.floor((i % 5000) / 50) * 0.01 + 0.005, 0.005], 3 * i);
  const { positions, voxelOfPoint } = voxelDownsample(points, 0.01);
  assert.equal(positions.length / 3, 5000);
  for (let i = 0; i < 5000; i++) assert.equal(voxelOfPoint[i], voxelOfPoint[i + 5000]);
  assert.equal(new Set(voxelOfPoint).size, 5000);
});
