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
  const hash = new VoxelHash(n);
  const voxelOfPoint = new Int32Array(n);
  const sums = new Float64Array(n * 3);
  const counts = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const x = points[3 * i], y = points[3 * i + 1], z = points[3 * i + 2];
    const v = hash.getOrInsert(Math.floor(x * inv), Math.floor(y * inv), Math.floor(z * inv), hash.size);
    voxelOfPoint[i] = v;
    sums[3 * v] += x; sums[3 * v + 1] += y; sums[3 * v + 2] += z;
    counts[v]++;
  }
  const voxels = hash.size;
  const positions = new Float32Array(voxels * 3);
  for (let v = 0; v < voxels; v++) {
    const c = counts[v];
    positions[3 * v] = sums[3 * v] / c;
    positions[3 * v + 1] = sums[3 * v + 1] / c;
    positions[3 * v + 2] = sums[3 * v + 2] / c;
  }
  return { positions, voxelOfPoint };
}
