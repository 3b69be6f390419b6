/**
 * A tiny ONNX graph builder for tests: graphs with a real model's exact input and output names, types
 * and shapes whose outputs are known functions of their inputs, so adapters can be checked end to end
 * through ONNX Runtime without the real weights. Opset 17.
 */
import { writeFile } from 'node:fs/promises';
import onnxProto from 'onnx-proto';
import type { Dim, TensorType } from '../manifest.js';

const { onnx } = onnxProto;

const DATA_TYPES: Record<TensorType, number> = {
  float32: onnx.TensorProto.DataType.FLOAT,
  int64: onnx.TensorProto.DataType.INT64,
  int32: onnx.TensorProto.DataType.INT32,
  uint8: onnx.TensorProto.DataType.UINT8,
  bool: onnx.TensorProto.DataType.BOOL,
};

type AttributeValue = number | number[] | string | { float: number };

function valueInfo(name: string, type: TensorType, shape: Dim[]): InstanceType<typeof onnx.ValueInfoProto> {
  return onnx.ValueInfoProto.create({
    name,
    type: {
      tensorType: {
        elemType: DATA_TYPES[type],
        shape: { dim: shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  });
}

function attribute(name: string, value: AttributeValue): InstanceType<typeof onnx.AttributeProto> {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof value === 'string') return onnx.AttributeProto.create({ name, type: T.STRING, s: new TextEncoder().encode(value) });
  if (typeof value === 'object' && !Array.isArray(value)) return onnx.AttributeProto.create({ name, type: T.FLOAT, f: value.float });
  if (Array.isArray(value)) return onnx.AttributeProto.create({ name, type: T.INTS, ints: value });
  return Number.isInteger(value)
    ? onnx.AttributeProto.create({ name, type: T.INT, i: value })
    : onnx.AttributeProto.create({ name, type: T.FLOAT, f: value });
}

export class OnnxGraph {
  private readonly nodes: InstanceType<typeof onnx.NodeProto>[] = [];
  private readonly inputs: InstanceType<typeof onnx.ValueInfoProto>[] = [];
  private readonly outputs: InstanceType<typeof onnx.ValueInfoProto>[] = [];
  private readonly initializers: InstanceType<typeof onnx.TensorProto>[] = [];
  private counter = 0;

  input(name: string, type: TensorType, shape: Dim[]): string {
    this.inputs.push(valueInfo(name, type, shape));
    return name;
  }

  /** Declares `name` a graph output (it must be produced by a node, e.g. via `op(..., name)`). */
  output(name: string, type: TensorType, shape: Dim[]): void {
    this.outputs.push(valueInfo(name, type, shape));
  }

  /** A constant float32 tensor. */
  floats(values: ArrayLike<number>, dims: number[]): string {
    const name = `const_${this.counter++}`;
    const data = Float32Array.from(values);
    this.initializers.push(
      onnx.TensorProto.create({ name, dims, dataType: DATA_TYPES.float32, rawData: new Uint8Array(data.buffer) }),
    );
    return name;
  }

  /** A constant int64 tensor. */
  ints(values: number[], dims: number[] = [values.length]): string {
    const name = `const_${this.counter++}`;
    this.initializers.push(onnx.TensorProto.create({ name, dims, dataType: DATA_TYPES.int64, int64Data: values }));
    return name;
  }

  /** Adds a node; returns its output's name (`output` when given). Integral numbers become INT
   * attributes; pass `{ float: n }` for a FLOAT attribute with an integral value. */
  op(type: string, inputs: string[], attributes: Record<string, AttributeValue> = {}, output?: string): string {
    const out = output ?? `${type.toLowerCase()}_${this.counter++}`;
    this.nodes.push(
      onnx.NodeProto.create({
        opType: type,
        input: inputs,
        output: [out],
        name: `${type}_${this.counter++}`,
        attribute: Object.entries(attributes).map(([k, v]) => attribute(k, v)),
      }),
    );
    return out;
  }

  toBytes(): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: 8,
      producerName: 'spatialforge-test',
      opsetImport: [{ domain: '', version: 17 }],
      graph: {
        name: 'test',
        node: this.nodes,
        input: this.inputs,
        output: this.outputs,
        initializer: this.initializers,
      },
    });
    return onnx.ModelProto.encode(model).finish();
  }

  async save(path: string): Promise<void> {
    await writeFile(path, this.toBytes());
  }
}
