/**
 * Eigen-decomposition of a symmetric 3×3 matrix by cyclic Jacobi rotations: exact enough for
 * covariance matrices (plane normals, principal axes) and free of any dependency.
 */
import type { Mat3Like } from './mat3.js';

export interface SymmetricEigen {
  /** Eigenvalues in ascending order. */
  values: [number, number, number];
  /** Row-major 3×3 whose column k is the unit eigenvector of `values[k]`. */
  vectors: Float64Array;
}

export function symmetricEigen3(m: Mat3Like): SymmetricEigen {
  const a = Float64Array.from({ length: 9 }, (_, i) => m[i]);
  const v = new Float64Array([1, 0, 0, 0, 1, 0, 0, 0, 1]);
  for (let sweep = 0; sweep < 50; sweep++) {
    const off = a[1] * a[1] + a[2] * a[2] + a[5] * a[5];
    if (off < 1e-30) break;
    for (const [p, q] of [[0, 1], [0, 2], [1, 2]] as const) {
      const apq = a[3 * p + q];
      if (Math.abs(apq) < 1e-300) continue;
      const theta = (a[3 * q + q] - a[3 * p + p]) / (2 * apq);
      const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
      const c = 1 / Math.sqrt(t * t + 1);
      const s = t * c;
      // a ← Jᵀ a J with J the rotation in the (p, q) plane.
      for (let k = 0; k < 3; k++) {
        const akp = a[3 * k + p], akq = a[3 * k + q];
        a[3 * k + p] = c * akp - s * akq;
        a[3 * k + q] = s * akp + c * akq;
      }
      for (let k = 0; k < 3; k++) {
        const apk = a[3 * p + k], aqk = a[3 * q + k];
        a[3 * p + k] = c * apk - s * aqk;
        a[3 * q + k] = s * apk + c * aqk;
      }
      for (let k = 0; k < 3; k++) {
        const vkp = v[3 * k + p], vkq = v[3 * k + q];
        v[3 * k + p] = c * vkp - s * vkq;
        v[3 * k + q] = s * vkp + c * vkq;
      }
    }
  }
  const order = [0, 1, 2].sort((i, j) => a[4 * i] - a[4 * j]);
  const vectors = new Float64Array(9);
  order.forEach((src, dst) => {
    for (let r = 0; r < 3; r++) vectors[3 * r + dst] = v[3 * r + src];
  });
  return { values: [a[4 * order[0]], a[4 * order[1]], a[4 * order[2]]], vectors };
}
