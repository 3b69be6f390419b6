/**
 * Instance masks as COCO compressed RLE, the form pycocotools (`mask.decode`), SpatialRGPT and most
 * region-aware training code read: `{ size: [height, width], counts }`, where the run lengths go over
 * the pixels in column-major order (down each column, left to right), start with a run of zeros
 * (possibly empty) and alternate, and `counts` is the run lengths written as pycocotools'
 * `rleToString` does (each length, minus the one two before it from the fourth on, in 5-bit groups
 * with a continuation bit, offset by 48 into printable ASCII).
 */

export interface RleMask {
  /** [height, width] of the image, pixels. */
  size: [number, number];
  counts: string;
}

/**
 * Encodes the pixels of `values` (row-major, `width` × `height`) equal to `value` as a compressed RLE.
 */
export function encodeRle(values: ArrayLike<number>, width: number, height: number, value: number): RleMask {
  const runs: number[] = [];
  let inside = false;
  let run = 0;
  for (let x = 0; x < width; x++) {
    for (let y = 0; y < height; y++) {
      const on = values[y * width + x] === value;
      if (on !== inside) {
        runs.push(run);
        run = 0;
        inside = on;
      }
      run++;
    }
  }
  runs.push(run);
  return { size: [height, width], counts: runLengthsToString(runs) };
}

/** pycocotools' `rleToString`. */
function runLengthsToString(runs: readonly number[]): string {
  let text = '';
  for (let i = 0; i < runs.length; i++) {
    let x = runs[i]! - (i > 2 ? runs[i - 2]! : 0);
    let more = true;
    while (more) {
      let c = x & 0x1f;
      x >>= 5;
      more = c & 0x10 ? x !== -1 : x !== 0;
      if (more) c |= 0x20;
      text += String.fromCharCode(c + 48);
    }
  }
  return text;
}
