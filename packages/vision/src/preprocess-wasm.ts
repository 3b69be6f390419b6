/**
 * Loads the WebAssembly SIMD resize kernel (wasm/bilinear.wat, compiled to wasm/bilinear.wasm) once per
 * thread: module scope is per thread, so the preprocessing worker gets its own instance and memory. The
 * memory grows to the largest job seen and is reused; writeImageTensor lays it out.
 */
import { readFileSync } from 'node:fs';

export interface BilinearKernel {
  /** Byte addresses and sizes as wasm/bilinear.wat's `resize` documents them. */
  resize(
    rowTable: number, rows: number, from: number, bytes: number, blended: number,
    columnTable: number, columns: number,
    out: number, rowStride: number, pixelStride: number,
    offsetR: number, offsetG: number, offsetB: number,
    affine: number, gainR: number, gainG: number, gainB: number, biasR: number, biasG: number, biasB: number,
  ): void;
  /** Grows the memory to at least `bytes` and returns its buffer (a new one after growing). */
  buffer(bytes: number): ArrayBuffer;
  /** Which tables the memory holds now, so they are written once per (source size, plan). */
  tablesKey?: string;
}

const PAGE_BYTES = 65536;
let kernel: BilinearKernel | null | undefined;

/** The kernel, or null where WebAssembly 128-bit SIMD is unavailable (the JS path then runs). */
export function bilinearKernel(): BilinearKernel | null {
  if (kernel !== undefined) return kernel;
  const bytes = readFileSync(new URL('./wasm/bilinear.wasm', import.meta.url));
  // validate() is false where the engine lacks any instruction the module uses, SIMD included.
  if (typeof WebAssembly !== 'object' || !WebAssembly.validate(bytes)) return (kernel = null);
  const { exports } = new WebAssembly.Instance(new WebAssembly.Module(bytes));
  const memory = exports.memory as WebAssembly.Memory;
  kernel = {
    resize: exports.resize as BilinearKernel['resize'],
    buffer(size) {
      const have = memory.buffer.byteLength;
      if (have < size) memory.grow(Math.ceil((size - have) / PAGE_BYTES));
      return memory.buffer;
    },
  };
  return kernel;
}
