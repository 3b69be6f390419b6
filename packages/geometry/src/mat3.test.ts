import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mat3Multiply, mat3RotationX, mat3RotationZ, mat3Transpose, transformPoints, transformVec3, cross3, normalize3 } from './mat3.js';
import { symmetricEigen3 } from './eigen.js';

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-9) =>
  assert.ok(Array.from(a).every((v, i) => Math.abs(v - b[i]) < tol), `${Array.from(a)} ≠ ${Array.from(b)}`);

test('rotations are row-major, orthonormal, and compose', () => {
  const rz = mat3RotationZ(new Array<number>(9), Math.PI / 2);
  close(transformVec3([0, 0, 0], rz, [1, 0, 0]), [0, 1, 0]);
  const rx = mat3RotationX(new Float64Array(9), 0.3);
  const product = mat3Multiply(new Float64Array(9), rx, mat3Transpose(new Float64Array(9), rx));
  close(product, [1, 0, 0, 0, 1, 0, 0, 0, 1]);
  const points = transformPoints(new Float32Array(3), rz, [0, 0, 1], new Float32Array([2, 0, 0]));
  close(points, [0, 2, 1], 1e-6);
  close(cross3([0, 0, 0], [1, 0, 0], [0, 1, 0]), [0, 0, 1]);
  close(normalize3([0, 0, 0], [3, 0, 4]), [0.6, 0, 0.8]);
});

test('symmetric eigen-decomposition returns ascending values and unit eigenvectors', () => {
  const r = mat3RotationZ(new Float64Array(9), 0.7);
  const diag = [3, 0, 0, 0, 1, 0, 0, 0, 2];
  const m = mat3Multiply(new Float64Array(9), mat3Multiply(new Float64Array(9), r, diag), mat3Transpose(new Float64Array(9), r));
  const { values, vectors } = symmetricEigen3(m);
  close(values, [1, 2, 3], 1e-9);
  // Column 0 belongs to eigenvalue 1: r's second column, up to sign.
  const v0 = [vectors[0], vectors[3], vectors[6]];
  const expected = [r[1], r[4], r[7]];
  const sign = Math.sign(v0[0] * expected[0] + v0[1] * expected[1]);
  close(v0.map((v) => v * sign), expected, 1e-9);
});
