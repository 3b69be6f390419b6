/**
 * Voxel-grid down-sampling: every occupied voxel of side `voxelSize` becomes the centroid of its
 * points (as Open3D's `voxel_down_sample`). Voxels are keyed by integer coordinates in a hash.
 */
import { VoxelHash } from './voxel-hash.js';

export interface VoxelDownsample {
  /** Packed xyz centroids, one per occupied voxel, in order of first occurrence. */
  positions: Float32Array;
  /** For each input point, the index of its voxel in `positions`. */
  voxelOfPoint: Int32Array;
}

export function voxelDownsample(points: Float32Array, voxelSize: number): VoxelDownsample {
  const n = points.length / 3;
  const inv = 1 / voxelSize;
  // Surfaces put many points in a voxel; start the table small and let it grow.
  const hash = new VoxelHash(Math.min(n, 1024));
  const voxelOfPoint = new Int32Array(n);
  // Points from an organised image come in pixel order, so a point mostly shares its predecessor's
  // voxel: that voxel is reused without a hash lookup.
  let lastX = 0, lastY = 0, lastZ = 0, last = -1;
  for (let i = 0; i < n; i++) {
    const ix = Math.floor(points[3 * i] * inv), iy = Math.floor(points[3 * i + 1] * inv), iz = Math.floor(points[3 * i + 2] * inv);
    if (last < 0 || ix !== lastX || iy !== lastY || iz !== lastZ) {
      last = hash.getOrInsert(ix, iy, iz, hash.size);
      lastX = ix; lastY = iy; lastZ = iz;
    }
    voxelOfPoint[i] = last;
  }
  const voxels = hash.size;
  const sums = new Float64Array(voxels * 3);
  const counts = new Int32Array(voxels);
  for (let i = 0; i < n; i++) {
    const v = voxelOfPoint[i];
    sums[3 * v] += points[3 * i];
    sums[3 * v + 1] += points[3 * i + 1];
    sums[3 * v + 2] += points[3 * i + 2];
    counts[v]++;
  }
  const positions = new Float32Array(voxels * 3);
  for (let v = 0; v < voxels; v++) {
    const c = counts[v];
    positions[3 * v] = sums[3 * v] / c;
    positions[3 * v + 1] = sums[3 * v + 1] / c;
    positions[3 * v + 2] = sums[3 * v + 2] / c;
  }
  return { positions, voxelOfPoint };
}
