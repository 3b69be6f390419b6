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
  // Per voxel the summed coordinates (metres) and the point count, grown with the table.
  let sums = new Float64Array(3 * Math.min(n, 1024));
  let counts = new Int32Array(Math.min(n, 1024));
  // Points from an organised image come in pixel order, so a point mostly shares its predecessor's
  // voxel: that voxel is reused without a hash lookup.
  let lastX = 0, lastY = 0, lastZ = 0, last = -1;
  for (let i = 0; i < n; i++) {
    const x = points[3 * i], y = points[3 * i + 1], z = points[3 * i + 2];
    const ix = Math.floor(x * inv), iy = Math.floor(y * inv), iz = Math.floor(z * inv);
    if (last < 0 || ix !== lastX || iy !== lastY || iz !== lastZ) {
      last = hash.getOrInsert(ix, iy, iz, hash.size);
      lastX = ix; lastY = iy; lastZ = iz;
      if (last === counts.length) {
        const grownSums = new Float64Array(2 * sums.length), grownCounts = new Int32Array(2 * counts.length);
        grownSums.set(sums);
        grownCounts.set(counts);
        sums = grownSums;
        counts = grownCounts;
      }
    }
    voxelOfPoint[i] = last;
    sums[3 * last] += x;
    sums[3 * last + 1] += y;
    sums[3 * last + 2] += z;
    counts[last]++;
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
