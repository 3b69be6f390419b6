/**
 * Back-projection of an organised depth image through a pinhole camera. The result stays organised:
 * point i belongs to pixel i (row-major), so a pixel's image neighbours are its point neighbours.
 * Camera frame: x right, y down, z forward (along the optical axis), metres.
 */

/** Pinhole intrinsics, pixels. */
export interface PinholeIntrinsics {
  fx: number;
  fy: number;
  cx: number;
  cy: number;
}

/** An organised point cloud: `positions` holds xyz for every pixel (row-major); z = 0 where depth is missing. */
export interface OrganizedCloud {
  width: number;
  height: number;
  positions: Float32Array;
}

/**
 * Back-projects every pixel of `depth` (metres along the optical axis, row-major `width`×`height`;
 * 0 or NaN = no measurement) into `out` (3·width·height floats, allocated when absent). Pixel centres
 * are at integer coordinates, as in the usual (u − cx)·z/fx convention.
 */
export function backProjectDepth(
  depth: Float32Array,
  width: number,
  height: number,
  intrinsics: PinholeIntrinsics,
  out: Float32Array = new Float32Array(width * height * 3),
): OrganizedCloud {
  const { fx, fy, cx, cy } = intrinsics;
  const invFx = 1 / fx, invFy = 1 / fy;
  for (let v = 0, i = 0; v < height; v++) {
    const ry = (v - cy) * invFy;
    for (let u = 0; u < width; u++, i++) {
      const z = depth[i];
      const o = 3 * i;
      if (z > 0 && z < Infinity) {
        out[o] = (u - cx) * invFx * z;
        out[o + 1] = ry * z;
        out[o + 2] = z;
      } else {
        out[o] = 0; out[o + 1] = 0; out[o + 2] = 0;
      }
    }
  }
  return { width, height, positions: out };
}

/** Pixel indices (row-major) of the cloud's valid points, in order. */
export function validPixels(cloud: OrganizedCloud): Int32Array {
  const { positions } = cloud;
  const n = cloud.width * cloud.height;
  let count = 0;
  for (let i = 0; i < n; i++) if (positions[3 * i + 2] > 0) count++;
  const out = new Int32Array(count);
  for (let i = 0, k = 0; i < n; i++) if (positions[3 * i + 2] > 0) out[k++] = i;
  return out;
}

/** Copies the xyz of the given pixels into a packed buffer (3 floats per pixel, in the given order). */
export function gatherPoints(cloud: OrganizedCloud, pixels: ArrayLike<number>, out = new Float32Array(pixels.length * 3)): Float32Array {
  const { positions } = cloud;
  for (let k = 0; k < pixels.length; k++) {
    const s = 3 * pixels[k];
    out[3 * k] = positions[s];
    out[3 * k + 1] = positions[s + 1];
    out[3 * k + 2] = positions[s + 2];
  }
  return out;
}
