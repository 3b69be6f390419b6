/**
 * Statistical outlier removal on an organised cloud. Open3D and PCL find each point's k nearest
 * neighbours with a KD-tree; in a depth image the neighbours are already known: they are the
 * pixels around it. A point's score is its mean 3D distance to the same-object pixels in a
 * (2r+1)×(2r+1) window; points scoring above mean + stdRatio·std of all scores are outliers, as are
 * points with no same-object neighbour at all.
 */
import type { OrganizedCloud } from './back-project.js';

export interface OutlierOptions {
  /** Window half-size in pixels: radius 2 looks at up to 24 neighbours. @defaultValue 2 */
  radius?: number;
  /** Threshold in standard deviations above the mean score. @defaultValue 2 */
  stdRatio?: number;
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
  const { radius = 2, stdRatio = 2 } = options;
  const { width, height, positions } = cloud;
  const scores = new Float32Array(pixels.length);
  let sum = 0, sumSq = 0, scored = 0;
  for (let k = 0; k < pixels.length; k++) {
    const p = pixels[k];
    const u = p % width, v = (p - u) / width;
    const px = positions[3 * p], py = positions[3 * p + 1], pz = positions[3 * p + 2];
    const v0 = v > radius ? v - radius : 0, v1 = v + radius < height ? v + radius : height - 1;
    const u0 = u > radius ? u - radius : 0, u1 = u + radius < width ? u + radius : width - 1;
    let total = 0, count = 0;
    for (let y = v0; y <= v1; y++) {
      for (let x = u0, q = y * width + u0; x <= u1; x++, q++) {
        if (q === p || labels[q] !== label) continue;
        const o = 3 * q;
        const dx = positions[o] - px, dy = positions[o + 1] - py, dz = positions[o + 2] - pz;
        total += Math.sqrt(dx * dx + dy * dy + dz * dz);
        count++;
      }
    }
    if (count === 0) {
      scores[k] = Infinity;
      continue;
    }
    const score = total / count;
    scores[k] = score;
    sum += score;
    sumSq += score * score;
    scored++;
  }
  const mean = scored ? sum / scored : 0;
  const std = scored ? Math.sqrt(Math.max(0, sumSq / scored - mean * mean)) : 0;
  const limit = mean + stdRatio * std;
  let kept = 0;
  for (let k = 0; k < pixels.length; k++) {
    const inlier = scores[k] <= limit ? 1 : 0;
    keep[k] = inlier;
    kept += inlier;
  }
  return { keep, kept };
}
