/**
 * DBSCAN with a uniform grid of cell side eps as the neighbour index: a point's eps-neighbours lie
 * in its own and the 26 surrounding cells, so the cost is linear in the points for a bounded density
 * rather than the O(n²) of the textbook version.
 */
import { VoxelHash } from './voxel-hash.js';

export interface DbscanResult {
  /** Cluster of each point, 0-based; -1 for noise. */
  labels: Int32Array;
  clusterCount: number;
  /** Points in each cluster. */
  sizes: Int32Array;
}

/**
 * Clusters a packed xyz buffer: a core point has at least `minPoints` points (itself included)
 * within `eps`; clusters are the core points reachable from one another plus their border points.
 */
export function dbscan(points: Float32Array, eps: number, minPoints: number): DbscanResult {
  const n = points.length / 3;
  const inv = 1 / eps;
  const eps2 = eps * eps;

  // Bucket points by grid cell: cellStart/cellPoints form a CSR index (counting sort by cell id).
  const hash = new VoxelHash(n);
  const cellOf = new Int32Array(n);
  const cx = new Int32Array(n), cy = new Int32Array(n), cz = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    cx[i] = Math.floor(points[3 * i] * inv);
    cy[i] = Math.floor(points[3 * i + 1] * inv);
    cz[i] = Math.floor(points[3 * i + 2] * inv);
    cellOf[i] = hash.getOrInsert(cx[i], cy[i], cz[i], hash.size);
  }
  const cells = hash.size;
  const cellStart = new Int32Array(cells + 1);
  for (let i = 0; i < n; i++) cellStart[cellOf[i] + 1]++;
  for (let c = 0; c < cells; c++) cellStart[c + 1] += cellStart[c];
  const fill = cellStart.slice(0, cells);
  const cellPoints = new Int32Array(n);
  for (let i = 0; i < n; i++) cellPoints[fill[cellOf[i]]++] = i;

  // Each cell's occupied neighbour cells (itself included, at most 27), found once per cell rather
  // than once per point: neighbourCells[27·c, 27·c + neighbourCount[c]).
  const neighbourCells = new Int32Array(cells * 27);
  const neighbourCount = new Uint8Array(cells);
  for (let i = 0; i < n; i++) {
    const c = cellOf[i];
    if (neighbourCount[c] > 0) continue;
    let count = 0;
    for (let dx = -1; dx <= 1; dx++) {
      for (let dy = -1; dy <= 1; dy++) {
        for (let dz = -1; dz <= 1; dz++) {
          const d = hash.get(cx[i] + dx, cy[i] + dy, cz[i] + dz);
          if (d >= 0) neighbourCells[27 * c + count++] = d;
        }
      }
    }
    neighbourCount[c] = count;
  }

  // The current point's eps-neighbours: `neighbours[0..found)`.
  const neighbours = new Int32Array(n);
  let found = 0;
  const regionQuery = (i: number): void => {
    found = 0;
    const x = points[3 * i], y = points[3 * i + 1], z = points[3 * i + 2];
    const cell = cellOf[i];
    for (let m = 27 * cell, end = m + neighbourCount[cell]; m < end; m++) {
      const c = neighbourCells[m];
      for (let k = cellStart[c], last = cellStart[c + 1]; k < last; k++) {
        const j = cellPoints[k];
        const ex = points[3 * j] - x, ey = points[3 * j + 1] - y, ez = points[3 * j + 2] - z;
        if (ex * ex + ey * ey + ez * ez <= eps2) neighbours[found++] = j;
      }
    }
  };

  const UNVISITED = -2, NOISE = -1;
  const labels = new Int32Array(n).fill(UNVISITED);
  const queue = new Int32Array(n);
  const sizes: number[] = [];
  for (let i = 0; i < n; i++) {
    if (labels[i] !== UNVISITED) continue;
    regionQuery(i);
    if (found < minPoints) {
      labels[i] = NOISE;
      continue;
    }
    const cluster = sizes.length;
    let size = 0;
    let head = 0, tail = 0;
    labels[i] = cluster;
    size++;
    for (let f = 0; f < found; f++) {
      const j = neighbours[f];
      if (labels[j] === UNVISITED || labels[j] === NOISE) {
        if (labels[j] === UNVISITED) queue[tail++] = j;
        labels[j] = cluster;
        size++;
      }
    }
    while (head < tail) {
      const j = queue[head++];
      regionQuery(j);
      if (found < minPoints) continue; // a border point: labelled, not expanded
      for (let f = 0; f < found; f++) {
        const k = neighbours[f];
        if (labels[k] === UNVISITED || labels[k] === NOISE) {
          if (labels[k] === UNVISITED) queue[tail++] = k;
          labels[k] = cluster;
          size++;
        }
      }
    }
    sizes.push(size);
  }
  return { labels, clusterCount: sizes.length, sizes: Int32Array.from(sizes) };
}

/** The cluster with most points (the lowest index on ties), or -1 when there is none. */
export function largestCluster(result: DbscanResult): number {
  let best = -1;
  for (let c = 0; c < result.clusterCount; c++) if (best < 0 || result.sizes[c] > result.sizes[best]) best = c;
  return best;
}

/**
 * The seed clusters plus, repeatedly, every cluster of at least `minSize` (by `result.sizes`) with a
 * point within `distance` of the group: an object seen in parts (a chair's backrest and seat, split
 * where a thin bar joins them) is whole again, while clusters farther off stay out. Returns a flag
 * per cluster shifted by one, so `flags[label + 1]` is 1 for members and noise (-1) is never one.
 */
export function clustersNear(points: Float32Array, result: DbscanResult, seeds: readonly number[], distance: number, minSize: number): Uint8Array {
  const { labels, clusterCount, sizes } = result;
  const chosen = new Uint8Array(clusterCount + 1);
  for (const seed of seeds) if (seed >= 0) chosen[seed + 1] = 1;
  if (!chosen.includes(1)) return chosen;
  const n = labels.length;
  const inv = 1 / distance, d2 = distance * distance;
  const next = new Int32Array(n);
  for (let round = 0; round < 4; round++) {
    // The group's points in a grid of cell side `distance`, chained per cell through `next`.
    const grid = new VoxelHash(n);
    next.fill(-1);
    for (let i = 0; i < n; i++) {
      if (!chosen[labels[i] + 1]) continue;
      const first = grid.getOrInsert(Math.floor(points[3 * i] * inv), Math.floor(points[3 * i + 1] * inv), Math.floor(points[3 * i + 2] * inv), i);
      if (first !== i) {
        next[i] = next[first];
        next[first] = i;
      }
    }
    let joined = false;
    for (let i = 0; i < n; i++) {
      const c = labels[i];
      if (c < 0 || chosen[c + 1] || sizes[c] < minSize) continue;
      const x = points[3 * i], y = points[3 * i + 1], z = points[3 * i + 2];
      const ix = Math.floor(x * inv), iy = Math.floor(y * inv), iz = Math.floor(z * inv);
      search: for (let dx = -1; dx <= 1; dx++) {
        for (let dy = -1; dy <= 1; dy++) {
          for (let dz = -1; dz <= 1; dz++) {
            for (let j = grid.get(ix + dx, iy + dy, iz + dz); j >= 0; j = next[j]) {
              const ex = points[3 * j] - x, ey = points[3 * j + 1] - y, ez = points[3 * j + 2] - z;
              if (ex * ex + ey * ey + ez * ez <= d2) {
                chosen[c + 1] = 1;
                joined = true;
                break search;
              }
            }
          }
        }
      }
    }
    if (!joined) break;
  }
  return chosen;
}
