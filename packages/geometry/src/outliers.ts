/**
 * Statistical outlier removal on an organised cloud. Open3D and PCL find each point's k nearest
 * neighbours with a KD-tree; in a depth image the candidates are already known: the pixels around
 * it. A point's score is its mean 3D distance to its k nearest same-object pixels in a
 * (2r+1)×(2r+1) window, divided by its depth (pixel spacing grows with depth, so this makes near and
 * far parts of an object comparable). Points scoring above mean + stdRatio·std are outliers, as are
 * points with no same-object neighbour.
 *
 * One departure from the textbook rule: a point scoring within `keepBelowMedianRatio`× the median
 * is always kept. A surface seen at a grazing angle (a table top) has neighbours several times
 * farther apart than one facing the camera; on clean data the scores are then two tight modes and
 * mean + 2·std would cut the whole grazing surface. Isolated points score an order of magnitude
 * above the median, so they still go.
 */
import type { OrganizedCloud } from './back-project.js';
import { selectRank } from './select.js';

export interface OutlierOptions {
  /** Window half-size in pixels: radius 1 looks at the 8 pixels around, radius 2 at 24. @defaultValue 2 */
  radius?: number;
  /** Neighbours (the nearest in the window) a score averages over. @defaultValue 4 */
  neighbours?: number;
  /** Threshold in standard deviations above the mean score. @defaultValue 2 */
  stdRatio?: number;
  /** Scores up to this multiple of the median are never outliers. @defaultValue 3 */
  keepBelowMedianRatio?: number;
}

/**
 * Marks in `keep` (one byte per entry of `pixels`) the points that are not outliers and returns
 * how many were kept. `labels` is a per-pixel object id image: only pixels with `labels[q] === label`
 * count as neighbours, so an object's edge is not judged against the background behind it.
 */
export function statisticalOutliersOrganized(
  cloud: OrganizedCloud,
  pixels: Int32Array,
  labels: Int32Array,
  label: number,
  options: OutlierOptions = {},
  keep: Uint8Array = new Uint8Array(pixels.length),
): { keep: Uint8Array; kept: number } {
  const { radius = 2, neighbours = 4, stdRatio = 2, keepBelowMedianRatio = 3 } = options;
  const { width, height, positions } = cloud;
  const scores = scratchScores(pixels.length);
  const nearest = new Float64Array(neighbours);
  let sum = 0, sumSq = 0, scored = 0;
  // The row of the previous pixel: pixel lists come in row-major order, so most need no division.
  let v = 0, rowStart = 0;
  for (let k = 0; k < pixels.length; k++) {
    const p = pixels[k];
    if (p < rowStart || p >= rowStart + width) {
      v = Math.floor(p / width);
      rowStart = v * width;
    }
    const u = p - rowStart;
    const px = positions[3 * p], py = positions[3 * p + 1], pz = positions[3 * p + 2];
    const v0 = v > radius ? v - radius : 0, v1 = v + radius < height ? v + radius : height - 1;
    const u0 = u > radius ? u - radius : 0, u1 = u + radius < width ? u + radius : width - 1;
    // `nearest` holds the `found` smallest squared distances so far, ascending (insertion sort);
    // `worst` is the largest of them once there are `neighbours`.
    let found = 0, worst = Infinity;
    for (let y = v0; y <= v1; y++) {
      for (let x = u0, q = y * width + u0; x <= u1; x++, q++) {
        if (q === p || labels[q] !== label) continue;
        const o = 3 * q;
        const dx = positions[o] - px, dy = positions[o + 1] - py, dz = positions[o + 2] - pz;
        const d2 = dx * dx + dy * dy + dz * dz;
        if (d2 >= worst) continue;
        let j = found < neighbours ? found++ : found - 1;
        while (j > 0 && nearest[j - 1] > d2) {
          nearest[j] = nearest[j - 1];
          j--;
        }
        nearest[j] = d2;
        if (found === neighbours) worst = nearest[found - 1];
      }
    }
    if (found === 0) {
      scores[k] = Infinity;
      continue;
    }
    let total = 0;
    for (let j = 0; j < found; j++) total += Math.sqrt(nearest[j]);
    const score = total / found / pz;
    scores[k] = score;
    sum += score;
    sumSq += score * score;
    scored++;
  }
  const mean = scored ? sum / scored : 0;
  const std = scored ? Math.sqrt(Math.max(0, sumSq / scored - mean * mean)) : 0;
  const limit = Math.max(mean + stdRatio * std, keepBelowMedianRatio * median(scores, pixels.length));
  let kept = 0;
  for (let k = 0; k < pixels.length; k++) {
    const inlier = scores[k] <= limit ? 1 : 0;
    keep[k] = inlier;
    kept += inlier;
  }
  return { keep, kept };
}

/**
 * Scratch buffers reused across calls (the lift thread denoises one object after another): a score
 * per pixel and a copy for the median's quickselect. Nothing is kept across calls.
 */
let scoreBuffer = new Float32Array(0);
let medianBuffer = new Float32Array(0);

function scratchScores(length: number): Float32Array {
  if (scoreBuffer.length < length) {
    scoreBuffer = new Float32Array(Math.max(length, 2 * scoreBuffer.length));
    medianBuffer = new Float32Array(scoreBuffer.length);
  }
  return scoreBuffer;
}

/** Median of the first `length` values (Infinity included) by quickselect on a copy: O(n). */
function median(values: Float32Array, length: number): number {
  if (length === 0) return 0;
  medianBuffer.set(values.subarray(0, length));
  return selectRank(medianBuffer, length, length >> 1);
}
