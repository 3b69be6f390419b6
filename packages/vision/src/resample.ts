/**
 * Separable resampling of interleaved pixel or feature maps, as PIL's `Image.resize` computes it:
 * half-pixel centres, a triangle (bilinear) or Keys a = −0.5 (bicubic) kernel, and — with `antialias` —
 * a kernel widened by the shrink factor. Without antialias the bilinear case equals OpenCV's
 * INTER_LINEAR and PyTorch's `interpolate(mode="bilinear", align_corners=False)`.
 */

export type Filter = 'bilinear' | 'bicubic';

export interface ResampleOptions {
  filter: Filter;
  antialias: boolean;
  /** Round and clamp to 0–255, as resizing an 8-bit image does. */
  clampTo8Bit?: boolean;
}

/** A rectangle of the source, in source pixels. */
export interface Region {
  x: number;
  y: number;
  width: number;
  height: number;
}

interface Taps {
  /** First source index of each output index. */
  start: Int32Array;
  count: Int32Array;
  /** `maxTaps` weights per output index. */
  weights: Float32Array;
  maxTaps: number;
}

const SUPPORT: Record<Filter, number> = { bilinear: 1, bicubic: 2 };

function kernel(filter: Filter, x: number): number {
  const t = Math.abs(x);
  if (filter === 'bilinear') return t < 1 ? 1 - t : 0;
  const a = -0.5;
  if (t < 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
  if (t < 2) return (((t - 5) * t + 8) * t - 4) * a;
  return 0;
}

function computeTaps(inSize: number, outSize: number, { filter, antialias }: ResampleOptions): Taps {
  const scale = inSize / outSize;
  const filterScale = antialias && scale > 1 ? scale : 1;
  const support = SUPPORT[filter] * filterScale;
  const maxTaps = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Float32Array(outSize * maxTaps);
  for (let i = 0; i < outSize; i++) {
    const centre = (i + 0.5) * scale;
    const lo = Math.max(Math.trunc(centre - support + 0.5), 0);
    const hi = Math.min(Math.trunc(centre + support + 0.5), inSize);
    let total = 0;
    for (let j = lo; j < hi; j++) {
      const w = kernel(filter, (j - centre + 0.5) / filterScale);
      weights[i * maxTaps + (j - lo)] = w;
      total += w;
    }
    if (total !== 0) for (let k = 0; k < hi - lo; k++) weights[i * maxTaps + k] /= total;
    start[i] = lo;
    count[i] = hi - lo;
  }
  return { start, count, weights, maxTaps };
}

/**
 * Resamples `region` of an interleaved `channels`-channel map to `outWidth` × `outHeight`.
 * Returns a new interleaved Float32Array.
 */
export function resample(
  src: Uint8Array | Float32Array,
  srcWidth: number,
  srcHeight: number,
  channels: number,
  outWidth: number,
  outHeight: number,
  options: ResampleOptions,
  region: Region = { x: 0, y: 0, width: srcWidth, height: srcHeight },
): Float32Array {
  const xTaps = computeTaps(region.width, outWidth, options);
  const yTaps = computeTaps(region.height, outHeight, options);
  // Horizontal pass over the rows the vertical pass reads.
  const firstRow = yTaps.start[0];
  const lastRow = yTaps.start[outHeight - 1] + yTaps.count[outHeight - 1];
  const rowCount = lastRow - firstRow;
  const rowStride = outWidth * channels;
  const horizontal = new Float32Array(rowCount * rowStride);
  const { start: xStart, count: xCount, weights: xWeights, maxTaps: xMax } = xTaps;
  for (let r = 0; r < rowCount; r++) {
    const srcRow = ((region.y + firstRow + r) * srcWidth + region.x) * channels;
    const outRow = r * rowStride;
    for (let x = 0; x < outWidth; x++) {
      const from = srcRow + xStart[x] * channels;
      const n = xCount[x];
      const wBase = x * xMax;
      const to = outRow + x * channels;
      for (let k = 0; k < n; k++) {
        const w = xWeights[wBase + k];
        const tap = from + k * channels;
        for (let c = 0; c < channels; c++) horizontal[to + c] += src[tap + c] * w;
      }
    }
  }
  // Vertical pass, one weighted source row at a time.
  const out = new Float32Array(outHeight * rowStride);
  const { start: yStart, count: yCount, weights: yWeights, maxTaps: yMax } = yTaps;
  for (let y = 0; y < outHeight; y++) {
    const outRow = y * rowStride;
    for (let k = 0; k < yCount[y]; k++) {
      const w = yWeights[y * yMax + k];
      const inRow = (yStart[y] - firstRow + k) * rowStride;
      for (let i = 0; i < rowStride; i++) out[outRow + i] += horizontal[inRow + i] * w;
    }
  }
  if (options.clampTo8Bit === true) {
    for (let i = 0; i < out.length; i++) out[i] = Math.min(255, Math.max(0, Math.round(out[i])));
  }
  return out;
}
