/**
 * Bounding boxes of packed xyz buffers: axis-aligned, and oriented with a yaw about +z (the box's
 * footprint is the minimum-area rectangle of the points' x-y projection, its height their z extent).
 * Meant for points in a gravity-aligned frame (z up).
 */

export interface AxisAlignedBox {
  min: [number, number, number];
  max: [number, number, number];
}

export interface YawBox {
  centre: [number, number, number];
  /** Length along the yaw axis (the longer side), width across it, height along z. */
  size: [number, number, number];
  /** Angle of the first (longer) axis from +x towards +y, radians in [0, π). */
  yaw: number;
}

/** Min and max corner of the points; both are ±Infinity for an empty buffer. */
export function axisAlignedBox(points: Float32Array): AxisAlignedBox {
  let x0 = Infinity, y0 = Infinity, z0 = Infinity, x1 = -Infinity, y1 = -Infinity, z1 = -Infinity;
  for (let i = 0; i < points.length; i += 3) {
    const x = points[i], y = points[i + 1], z = points[i + 2];
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
    if (y < y0) y0 = y;
    if (y > y1) y1 = y;
    if (z < z0) z0 = z;
    if (z > z1) z1 = z;
  }
  return { min: [x0, y0, z0], max: [x1, y1, z1] };
}

/**
 * Convex hull of 2D points (packed xy) by Andrew's monotone chain: indices of the hull vertices in
 * counter-clockwise order, collinear points dropped.
 */
export function convexHull2D(xy: ArrayLike<number>): Int32Array {
  const n = xy.length >> 1;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => xy[2 * a] - xy[2 * b] || xy[2 * a + 1] - xy[2 * b + 1]);
  if (n < 3) return Int32Array.from(order);
  const hull = new Int32Array(2 * n);
  let k = 0;
  const turn = (o: number, a: number, b: number) =>
    (xy[2 * a] - xy[2 * o]) * (xy[2 * b + 1] - xy[2 * o + 1]) - (xy[2 * a + 1] - xy[2 * o + 1]) * (xy[2 * b] - xy[2 * o]);
  for (const i of order) {
    while (k >= 2 && turn(hull[k - 2], hull[k - 1], i) <= 0) k--;
    hull[k++] = i;
  }
  for (let j = n - 2, lower = k + 1; j >= 0; j--) {
    const i = order[j];
    while (k >= lower && turn(hull[k - 2], hull[k - 1], i) <= 0) k--;
    hull[k++] = i;
  }
  return hull.slice(0, k - 1);
}

export interface Rectangle2D {
  centre: [number, number];
  /** Side along `angle`, side across. */
  size: [number, number];
  /** Direction of the first side from +x, radians. */
  angle: number;
}

/**
 * Minimum-area enclosing rectangle of 2D points (packed xy) by rotating calipers over the convex
 * hull: the optimal rectangle has a side collinear with a hull edge, so only the hull's edge
 * directions are tried.
 */
export function minAreaRectangle(xy: ArrayLike<number>): Rectangle2D {
  const hull = convexHull2D(xy);
  if (hull.length === 0) return { centre: [NaN, NaN], size: [0, 0], angle: 0 };
  let best: Rectangle2D | null = null;
  let bestArea = Infinity;
  const m = hull.length;
  const edges = m < 2 ? 1 : m;
  for (let e = 0; e < edges; e++) {
    const a = hull[e], b = hull[(e + 1) % m];
    let ex = xy[2 * b] - xy[2 * a], ey = xy[2 * b + 1] - xy[2 * a + 1];
    const len = Math.hypot(ex, ey);
    if (len > 0) { ex /= len; ey /= len; } else { ex = 1; ey = 0; }
    let u0 = Infinity, u1 = -Infinity, v0 = Infinity, v1 = -Infinity;
    for (let h = 0; h < m; h++) {
      const x = xy[2 * hull[h]], y = xy[2 * hull[h] + 1];
      const u = x * ex + y * ey, v = -x * ey + y * ex;
      if (u < u0) u0 = u;
      if (u > u1) u1 = u;
      if (v < v0) v0 = v;
      if (v > v1) v1 = v;
    }
    const area = (u1 - u0) * (v1 - v0);
    if (area < bestArea - 1e-12) {
      bestArea = area;
      const uc = (u0 + u1) / 2, vc = (v0 + v1) / 2;
      best = { centre: [uc * ex - vc * ey, uc * ey + vc * ex], size: [u1 - u0, v1 - v0], angle: Math.atan2(ey, ex) };
    }
  }
  return best!;
}

/** Wraps an angle (radians) into [0, π). */
function wrapHalfTurn(angle: number): number {
  const wrapped = angle % Math.PI;
  const result = wrapped < 0 ? wrapped + Math.PI : wrapped;
  return result >= Math.PI - 1e-12 ? 0 : result;
}

/**
 * Oriented box with a yaw about +z: the minimum-area rectangle of the x-y projection, the z extent
 * of the points. The first axis is the rectangle's longer side.
 */
export function yawBox(points: Float32Array): YawBox {
  const n = points.length / 3;
  const xy = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    xy[2 * i] = points[3 * i];
    xy[2 * i + 1] = points[3 * i + 1];
  }
  return boxAtYaw(points, minAreaRectangle(xy).angle);
}

/**
 * The box of the points with its first axis at `yaw` (radians from +x): their extents along that
 * axis, across it and along z. Axes are swapped (yaw + π/2) when needed so the first side is the
 * longer one. Lets a caller pick the yaw on a few points and take the extents from many.
 */
export function boxAtYaw(points: Float32Array, yaw: number): YawBox {
  const c = Math.cos(yaw), s = Math.sin(yaw);
  let u0 = Infinity, u1 = -Infinity, v0 = Infinity, v1 = -Infinity, z0 = Infinity, z1 = -Infinity;
  for (let i = 0; i < points.length; i += 3) {
    const x = points[i], y = points[i + 1], z = points[i + 2];
    const u = x * c + y * s, v = -x * s + y * c;
    if (u < u0) u0 = u;
    if (u > u1) u1 = u;
    if (v < v0) v0 = v;
    if (v > v1) v1 = v;
    if (z < z0) z0 = z;
    if (z > z1) z1 = z;
  }
  const uc = (u0 + u1) / 2, vc = (v0 + v1) / 2;
  const centre: [number, number, number] = [uc * c - vc * s, uc * s + vc * c, (z0 + z1) / 2];
  let length = u1 - u0, width = v1 - v0, angle = yaw;
  if (width > length) {
    [length, width] = [width, length];
    angle += Math.PI / 2;
  }
  return { centre, size: [length, width, z1 - z0], yaw: wrapHalfTurn(angle) };
}

/**
 * Depth noise moves points along the camera's rays, so the points that reach farthest along an axis
 * are those it moved out: the extremes left after the outlier filter lie about this many standard
 * deviations of the noise past the surface (measured on Kinect-like synthetic depth, where the truth
 * is known: with it footprints come out a median 2 cm too long, without it within 1 mm).
 */
export const DEPTH_NOISE_OVERSHOOT = 1.5;

/**
 * How far (metres) the extremes of noisy points overshoot the surface on each side along the
 * horizontal unit axis (`ax`, `ay`), for noise of one standard deviation `sigma` metres along the
 * unit `ray` (x, y, z, the direction from the camera to the object, in the points' frame).
 */
export function noiseOvershoot(sigma: number, ray: readonly number[], ax: number, ay: number): number {
  return DEPTH_NOISE_OVERSHOOT * sigma * Math.abs(ray[0] * ax + ray[1] * ay);
}

/**
 * The box's footprint without the overshoot of depth noise (see noiseOvershoot): each side moves in
 * by it, never by more than a quarter of the side's length, about the same centre. The longer side
 * stays first. Heights are left as they are.
 */
export function trimDepthNoise(box: YawBox, sigma: number, ray: readonly number[]): YawBox {
  const c = Math.cos(box.yaw), s = Math.sin(box.yaw);
  const [length, width, height] = box.size;
  const along = length - Math.min(length / 2, 2 * noiseOvershoot(sigma, ray, c, s));
  const across = width - Math.min(width / 2, 2 * noiseOvershoot(sigma, ray, -s, c));
  if (across > along) return { centre: [...box.centre], size: [across, along, height], yaw: wrapHalfTurn(box.yaw + Math.PI / 2) };
  return { centre: [...box.centre], size: [along, across, height], yaw: box.yaw };
}
