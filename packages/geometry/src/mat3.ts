/**
 * 3-vectors and row-major 3×3 matrices as plain arrays. Functions write into an `out` argument and
 * return it, gl-matrix style, so hot loops allocate nothing.
 */
/** Anything indexable holding x, y, z at 0, 1, 2: a tuple, a Float32Array view, ... */
export type Vec3Like = ArrayLike<number>;
/** A writable vector or matrix. */
export type Writable = { [index: number]: number };
/** Row-major 3×3: element (row r, column c) is at index 3r + c. */
export type Mat3Like = ArrayLike<number>;

export function mat3Identity<T extends Writable>(out: T): T {
  out[0] = 1; out[1] = 0; out[2] = 0;
  out[3] = 0; out[4] = 1; out[5] = 0;
  out[6] = 0; out[7] = 0; out[8] = 1;
  return out;
}

/** out = a · b (out may alias a or b). */
export function mat3Multiply<T extends Writable>(out: T, a: Mat3Like, b: Mat3Like): T {
  const a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3], a4 = a[4], a5 = a[5], a6 = a[6], a7 = a[7], a8 = a[8];
  const b0 = b[0], b1 = b[1], b2 = b[2], b3 = b[3], b4 = b[4], b5 = b[5], b6 = b[6], b7 = b[7], b8 = b[8];
  out[0] = a0 * b0 + a1 * b3 + a2 * b6; out[1] = a0 * b1 + a1 * b4 + a2 * b7; out[2] = a0 * b2 + a1 * b5 + a2 * b8;
  out[3] = a3 * b0 + a4 * b3 + a5 * b6; out[4] = a3 * b1 + a4 * b4 + a5 * b7; out[5] = a3 * b2 + a4 * b5 + a5 * b8;
  out[6] = a6 * b0 + a7 * b3 + a8 * b6; out[7] = a6 * b1 + a7 * b4 + a8 * b7; out[8] = a6 * b2 + a7 * b5 + a8 * b8;
  return out;
}

export function mat3Transpose<T extends Writable>(out: T, a: Mat3Like): T {
  const a1 = a[1], a2 = a[2], a5 = a[5];
  out[0] = a[0]; out[1] = a[3]; out[2] = a[6];
  out[3] = a1; out[4] = a[4]; out[5] = a[7];
  out[6] = a2; out[7] = a5; out[8] = a[8];
  return out;
}

/** out = m · v (out may alias v). */
export function transformVec3<T extends Writable>(out: T, m: Mat3Like, v: Vec3Like): T {
  const x = v[0], y = v[1], z = v[2];
  out[0] = m[0] * x + m[1] * y + m[2] * z;
  out[1] = m[3] * x + m[4] * y + m[5] * z;
  out[2] = m[6] * x + m[7] * y + m[8] * z;
  return out;
}

/** Rotation by `angle` radians about +z (counter-clockwise seen from above). */
export function mat3RotationZ<T extends Writable>(out: T, angle: number): T {
  const c = Math.cos(angle), s = Math.sin(angle);
  out[0] = c; out[1] = -s; out[2] = 0;
  out[3] = s; out[4] = c; out[5] = 0;
  out[6] = 0; out[7] = 0; out[8] = 1;
  return out;
}

/** Rotation by `angle` radians about +x. */
export function mat3RotationX<T extends Writable>(out: T, angle: number): T {
  const c = Math.cos(angle), s = Math.sin(angle);
  out[0] = 1; out[1] = 0; out[2] = 0;
  out[3] = 0; out[4] = c; out[5] = -s;
  out[6] = 0; out[7] = s; out[8] = c;
  return out;
}

export function dot3(a: Vec3Like, b: Vec3Like): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

export function cross3<T extends Writable>(out: T, a: Vec3Like, b: Vec3Like): T {
  const x = a[1] * b[2] - a[2] * b[1];
  const y = a[2] * b[0] - a[0] * b[2];
  const z = a[0] * b[1] - a[1] * b[0];
  out[0] = x; out[1] = y; out[2] = z;
  return out;
}

export function length3(a: Vec3Like): number {
  return Math.hypot(a[0], a[1], a[2]);
}

/** Scales `a` to unit length into out; a zero vector stays zero. */
export function normalize3<T extends Writable>(out: T, a: Vec3Like): T {
  const len = length3(a);
  const inv = len > 0 ? 1 / len : 0;
  out[0] = a[0] * inv; out[1] = a[1] * inv; out[2] = a[2] * inv;
  return out;
}

/**
 * Applies `p' = m · p + t` to every xyz triple of `points` into `out` (which may be `points`).
 * `points` and `out` are packed xyz buffers.
 */
export function transformPoints(out: Float32Array, m: Mat3Like, t: Vec3Like, points: Float32Array): Float32Array {
  const m0 = m[0], m1 = m[1], m2 = m[2], m3 = m[3], m4 = m[4], m5 = m[5], m6 = m[6], m7 = m[7], m8 = m[8];
  const tx = t[0], ty = t[1], tz = t[2];
  for (let i = 0; i < points.length; i += 3) {
    const x = points[i], y = points[i + 1], z = points[i + 2];
    out[i] = m0 * x + m1 * y + m2 * z + tx;
    out[i + 1] = m3 * x + m4 * y + m5 * z + ty;
    out[i + 2] = m6 * x + m7 * y + m8 * z + tz;
  }
  return out;
}
