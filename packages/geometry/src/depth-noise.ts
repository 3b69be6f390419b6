/**
 * The depth sensor's noise, measured on the depth image itself: no sensor model is assumed (a
 * structured-light camera's noise grows with the square of the depth, a time-of-flight camera's
 * slowly, a rendered or inpainted map has none). Along each row, the second difference of three
 * neighbouring depths, z₋ − 2z + z₊, cancels a surface's slope and leaves the noise: for independent
 * Gaussian noise of deviation σ it has deviation √6·σ. Depth edges and flying pixels are a small
 * share of all triples: per depth bin, the mean of the smallest 90 % of the absolute values leaves
 * them out (for Gaussian noise it is 0.657·√6·σ). A mean rather than a median, so depth quantised in
 * steps (a Kinect's raw disparity: most neighbours equal, some a step apart) still measures its steps.
 */

import { selectRank } from './select.js';

/** Depth bins, metres wide. */
const BIN = 0.25;
/** Bins cover depths up to this, metres; deeper triples count in the last. */
const MAX_DEPTH = 20;
/** A bin needs this many triples for its own median; others take the nearest such bin's. */
const MIN_TRIPLES = 200;
/** Every this many rows are read (the noise does not change from row to row). */
const ROW_STRIDE = 2;
/** The share of each bin's triples averaged, smallest first. */
const KEPT_SHARE = 0.9;
/** E[|X| : |X| below its 90th percentile] for X ~ N(0, 6σ²), per σ: √6 · √(2/π) · (1 − e^(−1.645²/2)) / 0.9. */
const TRIMMED_MEAN_PER_SIGMA = Math.sqrt(6) * 0.6573;

/** A point within this many deviations of its depth's noise from a surface is taken to lie on it. */
export const ON_SURFACE_SIGMAS = 2.5;

export interface DepthNoise {
  /** One standard deviation of the depth noise at depth `z` (metres along the optical axis), metres. */
  sigmaAt(z: number): number;
}

/** Measures the noise of a depth image (metres along the optical axis, row-major, 0 or NaN = none). */
export function estimateDepthNoise(depth: Float32Array, width: number, height: number): DepthNoise {
  const bins = Math.ceil(MAX_DEPTH / BIN); // 80: a bin index fits a byte
  const binOf = (z: number) => Math.min(bins - 1, Math.floor(z / BIN));
  // One pass keeps each triple's bin and |second difference|; a counting sort then groups them by bin.
  const rows = Math.ceil(height / ROW_STRIDE);
  const tripleBins = new Uint8Array(rows * width);
  const tripleValues = new Float32Array(rows * width);
  const counts = new Int32Array(bins + 1);
  let triples = 0;
  for (let v = 0; v < height; v += ROW_STRIDE) {
    for (let p = v * width + 1, end = (v + 1) * width - 1; p < end; p++) {
      const a = depth[p - 1], z = depth[p], b = depth[p + 1];
      if (!(a > 0 && z > 0 && b > 0) || !(z < Infinity)) continue;
      const bin = binOf(z);
      tripleBins[triples] = bin;
      tripleValues[triples++] = Math.abs(a - 2 * z + b);
      counts[bin + 1]++;
    }
  }
  for (let b = 0; b < bins; b++) counts[b + 1] += counts[b];
  const values = new Float32Array(triples);
  const next = counts.slice(0, bins);
  for (let t = 0; t < triples; t++) values[next[tripleBins[t]]++] = tripleValues[t];

  const sigma = new Float64Array(bins).fill(NaN);
  for (let b = 0; b < bins; b++) {
    const n = counts[b + 1] - counts[b];
    if (n < MIN_TRIPLES) continue;
    // After selecting the value of rank `kept`, the smaller ones sit before it (in no order).
    const slice = values.subarray(counts[b], counts[b + 1]);
    const kept = Math.max(1, Math.floor(KEPT_SHARE * n));
    selectRank(slice, n, kept - 1);
    let sum = 0;
    for (let k = 0; k < kept; k++) sum += slice[k];
    sigma[b] = sum / kept / TRIMMED_MEAN_PER_SIGMA;
  }
  // Bins with too few triples take the nearest measured bin's value (a deeper one when tied).
  const filled = Float64Array.from(sigma);
  for (let b = 0; b < bins; b++) {
    if (!Number.isNaN(sigma[b])) continue;
    for (let d = 1; d < bins; d++) {
      if (b + d < bins && !Number.isNaN(sigma[b + d])) { filled[b] = sigma[b + d]; break; }
      if (b - d >= 0 && !Number.isNaN(sigma[b - d])) { filled[b] = sigma[b - d]; break; }
    }
    if (Number.isNaN(filled[b])) filled[b] = 0;
  }
  return { sigmaAt: (z: number) => (z > 0 ? filled[binOf(z)] : 0) };
}
