/**
 * Image preprocessing on a worker thread. onnxruntime-node runs a session synchronously on the calling
 * thread, so JavaScript preprocessing can overlap inference only from another thread: adapters hand
 * image k + 1 to this pool, run the model on image k, and find k + 1's tensor ready. The pixels are
 * copied once into a buffer transferred to the worker; that buffer and the tensor buffer travel there and
 * back (onnxruntime-node does not accept shared memory as a tensor's data) and are reused, so nothing
 * else is copied and nothing is allocated per batch once the pool has warmed up.
 *
 * Images the WebAssembly SIMD kernel resizes are preprocessed on the calling thread instead, at once:
 * the kernel takes about 0.25 ms per 640×480 frame, less than the hand-off itself (the pixel copy, two
 * messages, about 0.1–0.2 ms), and a second busy thread slows ONNX Runtime on a small machine; with the
 * worker the looped YOLOX batch cost 11–26 % more CPU than bare session.run, inline 5–9 %
 * (bench/yolox.bench.ts, 2 cores).
 */
import { Worker } from 'node:worker_threads';
import type { RgbImage } from '@spatialforge/core';
import type { Preprocess, ResizePlan } from './manifest.js';
import { imageTensorShape, imageTensorSize, planResize, usesSimdKernel, writeImageTensor } from './preprocess.js';

export interface PreparedBatch {
  /** Give it back with `release` once the model has run on it. */
  data: Float32Array;
  shape: number[];
  plans: ResizePlan[];
}

/** What the worker is asked to do: write each image into `out` at its batch index. */
export interface PreprocessJob {
  id: number;
  images: { width: number; height: number; pixels: ArrayBuffer }[];
  plans: ResizePlan[];
  pre: Preprocess;
  /** Float32 tensor buffer, transferred to the worker and back. */
  out: ArrayBuffer;
}

export class PreprocessPool {
  private worker?: Worker;
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (out: ArrayBuffer) => void; reject: (err: Error) => void }>();
  /** Tensor and pixel buffers back from the worker, free for the next job. */
  private readonly spare: ArrayBuffer[] = [];

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(new URL('./preprocess-worker.mjs', import.meta.url));
    worker.on('message', (msg: { id: number; out?: ArrayBuffer; pixels: ArrayBuffer[]; error?: string }) => {
      const job = this.pending.get(msg.id);
      this.pending.delete(msg.id);
      this.spare.push(...msg.pixels);
      if (msg.error || !msg.out) job?.reject(new Error(msg.error ?? 'no tensor came back'));
      else job?.resolve(msg.out);
    });
    worker.on('error', (err) => this.failAll(err));
    worker.on('exit', (code) => {
      this.worker = undefined;
      if (code !== 0) this.failAll(new Error(`preprocessing worker exited with code ${code}`));
    });
    // Idle workers must not keep the process alive.
    worker.unref();
    this.worker = worker;
    return worker;
  }

  private failAll(err: Error): void {
    for (const job of this.pending.values()) job.reject(err);
    this.pending.clear();
  }

  /** Preprocesses `images` (all of one plan size) into one batch tensor on the worker thread. */
  async prepare(images: RgbImage[], pre: Preprocess): Promise<PreparedBatch> {
    const plans = images.map((img) => planResize(img.width, img.height, pre.resize));
    const out = this.buffer(imageTensorSize(plans[0]) * images.length * 4);
    if (images.every((img, b) => usesSimdKernel(img, plans[b], pre))) {
      const data = new Float32Array(out);
      images.forEach((img, b) => writeImageTensor(img, plans[b], pre, data, b));
      return { data, shape: imageTensorShape(plans[0], pre, images.length), plans };
    }
    const copies = images.map((img) => {
      const pixels = this.buffer(img.data.byteLength);
      new Uint8Array(pixels).set(img.data);
      return { width: img.width, height: img.height, pixels };
    });
    const id = this.nextId++;
    const done = new Promise<ArrayBuffer>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    const job: PreprocessJob = { id, images: copies, plans, pre, out };
    const worker = this.start();
    worker.ref();
    let filled: ArrayBuffer;
    try {
      worker.postMessage(job, [out, ...copies.map((c) => c.pixels)]);
      filled = await done;
    } finally {
      if (this.pending.size === 0) worker.unref();
    }
    return { data: new Float32Array(filled), shape: imageTensorShape(plans[0], pre, images.length), plans };
  }

  private buffer(bytes: number): ArrayBuffer {
    const index = this.spare.findIndex((b) => b.byteLength === bytes);
    return index >= 0 ? this.spare.splice(index, 1)[0] : new ArrayBuffer(bytes);
  }

  /** Returns a batch's buffer for reuse. */
  release(batch: PreparedBatch): void {
    this.spare.push(batch.data.buffer as ArrayBuffer);
  }

  async close(): Promise<void> {
    await this.worker?.terminate();
    this.worker = undefined;
  }
}
