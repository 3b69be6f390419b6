/**
 * Image preprocessing on a worker thread. onnxruntime-node runs a session synchronously on the calling
 * thread, so JavaScript preprocessing can overlap inference only from another thread: adapters hand
 * image k + 1 to this pool, run the model on image k, and find k + 1's tensor ready. Pixels and tensors
 * travel through SharedArrayBuffers; the tensor is copied once into an ordinary buffer, because
 * onnxruntime-node does not accept shared memory as a tensor's data.
 */
import { Worker } from 'node:worker_threads';
import type { RgbImage } from '@spatialforge/core';
import type { Preprocess, ResizePlan } from './manifest.js';
import { imageTensorShape, imageTensorSize, planResize } from './preprocess.js';

export interface PreparedBatch {
  /** Give it back with `release` once the model has run on it. */
  data: Float32Array;
  shape: number[];
  plans: ResizePlan[];
}

/** What the worker is asked to do: write each image into `out` at its batch index. */
export interface PreprocessJob {
  id: number;
  images: { width: number; height: number; pixels: SharedArrayBuffer }[];
  plans: ResizePlan[];
  pre: Preprocess;
  out: SharedArrayBuffer;
}

export class PreprocessPool {
  private worker?: Worker;
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: () => void; reject: (err: Error) => void }>();
  private readonly spareShared: SharedArrayBuffer[] = [];
  private readonly spare: Float32Array[] = [];

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(new URL('./preprocess-worker.mjs', import.meta.url));
    worker.on('message', (msg: { id: number; error?: string }) => {
      const job = this.pending.get(msg.id);
      this.pending.delete(msg.id);
      if (msg.error) job?.reject(new Error(msg.error));
      else job?.resolve();
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
    const bytes = imageTensorSize(plans[0]) * images.length * 4;
    const index = this.spareShared.findIndex((b) => b.byteLength === bytes);
    const out = index >= 0 ? this.spareShared.splice(index, 1)[0] : new SharedArrayBuffer(bytes);
    const shared = images.map((img) => {
      const pixels = new SharedArrayBuffer(img.data.byteLength);
      new Uint8Array(pixels).set(img.data);
      return { width: img.width, height: img.height, pixels };
    });
    const id = this.nextId++;
    const done = new Promise<void>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    const job: PreprocessJob = { id, images: shared, plans, pre, out };
    const worker = this.start();
    worker.ref();
    try {
      worker.postMessage(job);
      await done;
    } finally {
      if (this.pending.size === 0) worker.unref();
    }
    const plain = this.spare.findIndex((b) => b.byteLength === bytes);
    const data = plain >= 0 ? this.spare.splice(plain, 1)[0] : new Float32Array(bytes / 4);
    data.set(new Float32Array(out));
    this.spareShared.push(out);
    return { data, shape: imageTensorShape(plans[0], pre, images.length), plans };
  }

  /** Returns a batch's buffer for reuse. */
  release(batch: PreparedBatch): void {
    this.spare.push(batch.data);
  }

  async close(): Promise<void> {
    await this.worker?.terminate();
    this.worker = undefined;
  }
}
