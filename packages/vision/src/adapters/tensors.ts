/** Small helpers for building ONNX Runtime input tensors and reading outputs. */
import { ort } from '../runtime.js';

export function floatTensor(data: Float32Array, dims: number[]): ort.Tensor {
  return new ort.Tensor('float32', data, dims);
}

export function int64Tensor(values: ArrayLike<number>, dims: number[]): ort.Tensor {
  const data = new BigInt64Array(values.length);
  for (let i = 0; i < values.length; i++) data[i] = BigInt(values[i]);
  return new ort.Tensor('int64', data, dims);
}

export function floatData(tensor: ort.Tensor | undefined, name: string): Float32Array {
  if (!tensor || !(tensor.data instanceof Float32Array)) throw new Error(`output "${name}" is not a float32 tensor`);
  return tensor.data;
}

export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}
