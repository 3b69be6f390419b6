/**
 * A reader for NumPy `.npy` files holding a 2D (or H×W×1) array of floats, enough for depth maps.
 * Format: magic "\x93NUMPY", version, header length, a Python-dict header, then the raw data.
 */

export interface NpyArray {
  shape: number[];
  /** The values as float32, C order. */
  data: Float32Array;
}

/** Parses a float16/32/64 `.npy` in C order; throws an Error saying what is wrong otherwise. */
export function readNpy(bytes: Uint8Array): NpyArray {
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
  if (bytes.length < 10 || magic.some((b, i) => bytes[i] !== b)) throw new Error('not a .npy file (bad magic)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const major = bytes[6];
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const headerStart = major === 1 ? 10 : 12;
  const header = new TextDecoder('latin1').decode(bytes.subarray(headerStart, headerStart + headerLength));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || !fortran || shapeText === undefined) throw new Error(`unreadable .npy header: ${header.trim()}`);
  if (fortran === 'True') throw new Error('Fortran-ordered .npy arrays are not supported');
  const shape = shapeText.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  const offset = headerStart + headerLength;
  const little = descr[0] !== '>';
  const kind = descr.slice(1);
  const size = { f2: 2, f4: 4, f8: 8 }[kind];
  if (!size) throw new Error(`unsupported .npy dtype ${descr}: expected float16, float32 or float64`);
  if (bytes.length < offset + count * size) throw new Error(`truncated .npy: ${count} values of ${size} bytes expected`);
  const data = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    const at = offset + i * size;
    data[i] = kind === 'f4' ? view.getFloat32(at, little) : kind === 'f8' ? view.getFloat64(at, little) : float16(view.getUint16(at, little));
  }
  return { shape, data };
}

function float16(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 31) return fraction ? NaN : sign * Infinity;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

/** Encodes a float32 array as a version-1 `.npy` (for tests and tools that hand depth to Python). */
export function writeNpy(shape: number[], data: Float32Array): Uint8Array {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + data.length * 4);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  const view = new DataView(out.buffer, 10 + header.length);
  for (let i = 0; i < data.length; i++) view.setFloat32(4 * i, data[i], true);
  return out;
}
