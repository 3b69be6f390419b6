import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readNpy, writeNpy } from './npy.js';

/** A .npy as NumPy writes it: magic, version 1.0, padded header, raw little- or big-endian values. */
function npy(descr: string, shape: string, body: Uint8Array, fortran = false): Uint8Array {
  let header = `{'descr': '${descr}', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': ${shape}, }`;
  header += ' '.repeat((64 - ((10 + header.length + 1) % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + body.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 0xff, header.length >> 8]);
  out.set(new TextEncoder().encode(header), 10);
  out.set(body, 10 + header.length);
  return out;
}

test('writeNpy and readNpy round-trip float32 depth', () => {
  const data = new Float32Array([0, 1.5, NaN, 2.25, 3, 4]);
  const back = readNpy(writeNpy([2, 3], data));
  assert.deepEqual(back.shape, [2, 3]);
  assert.deepEqual(Array.from(back.data), Array.from(data));
  assert.equal((writeNpy([2, 3], data).indexOf(0x0a, 10) + 1) % 64, 0, 'magic and header padded to a multiple of 64 bytes');
});

test('reads float64 and float16, little- and big-endian, H×W×1', () => {
  const f64 = new DataView(new ArrayBuffer(16));
  f64.setFloat64(0, 1.25, true);
  f64.setFloat64(8, -2, true);
  assert.deepEqual(Array.from(readNpy(npy('<f8', '(1, 2)', new Uint8Array(f64.buffer))).data), [1.25, -2]);
  const be = new DataView(new ArrayBuffer(8));
  be.setFloat32(0, 0.5, false);
  be.setFloat32(4, 7, false);
  assert.deepEqual(Array.from(readNpy(npy('>f4', '(2, 1, 1)', new Uint8Array(be.buffer))).data), [0.5, 7]);
  // float16: 0x3c00 = 1, 0xc000 = -2, 0x3555 ≈ 0.333
  const half = readNpy(npy('<f2', '(3,)', new Uint8Array([0x00, 0x3c, 0x00, 0xc0, 0x55, 0x35]))).data;
  assert.deepEqual([half[0], half[1]], [1, -2]);
  assert.ok(Math.abs(half[2] - 0.3333) < 1e-3);
});

test('refuses what it cannot read, saying why', () => {
  assert.throws(() => readNpy(new Uint8Array(20)), /bad magic/);
  assert.throws(() => readNpy(npy('<i4', '(1,)', new Uint8Array(4))), /unsupported .npy dtype <i4/);
  assert.throws(() => readNpy(npy('<f4', '(2, 2)', new Uint8Array(16), true)), /Fortran/);
  assert.throws(() => readNpy(npy('<f4', '(2, 2)', new Uint8Array(8))), /truncated/);
});
