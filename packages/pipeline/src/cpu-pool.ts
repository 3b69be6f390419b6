/**
 * Worker threads for CPU-heavy stages (lift, synthesize). A batch job's main thread only waits on
 * them, so BullMQ's lock renewal and heartbeats keep running however long an image takes. Each
 * thread opens its own store and imports the handler module itself; only ids and options cross over.
 */
import { Worker } from 'node:worker_threads';
import { InputError, type StageName } from '@spatialforge/core';
import { metrics } from '@spatialforge/metrics';
import type { OpenStoreOptions } from '@spatialforge/storage';
import type { ImageStageResult, RunContext } from './stage-runner.js';

export interface CpuTask {
  /** URL of the stage's handler module. */
  module: string;
  stage: StageName;
  imageId: string;
  run: RunContext;
  store: { location: string; options?: OpenStoreOptions };
}

/** An error as it crosses the thread boundary. */
export interface SerializedError {
  message: string;
  code?: string;
  input?: string;
  field?: string;
  inputError: boolean;
  stack?: string;
}

/** A thread's answer; `storageErrors` counts its failed store operations since its last answer. */
export type CpuReply = ({ ok: true; result: ImageStageResult } | { ok: false; error: SerializedError }) & { id: number; storageErrors: number };

interface Pending {
  stage: StageName;
  resolve(result: ImageStageResult): void;
  reject(error: Error): void;
}

interface Slot {
  worker: Worker;
  busy: boolean;
}

const ENTRY = new URL('./cpu-thread-entry.mjs', import.meta.url);
const THREAD_MODULE = new URL('./cpu-thread.ts', import.meta.url).href;

export class CpuPool {
  private readonly slots: Slot[] = [];
  private readonly queue: { id: number; task: CpuTask }[] = [];
  private readonly pending = new Map<number, Pending & { slot?: Slot }>();
  private nextId = 1;
  private closed = false;

  constructor(readonly size: number) {}

  run(task: CpuTask): Promise<ImageStageResult> {
    if (this.closed) return Promise.reject(new Error('CPU pool is closed'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { stage: task.stage, resolve, reject });
      this.queue.push({ id, task });
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      let slot = this.slots.find((s) => !s.busy);
      if (!slot && this.slots.length < this.size) slot = this.spawn();
      if (!slot) return;
      const { id, task } = this.queue.shift()!;
      slot.busy = true;
      this.pending.get(id)!.slot = slot;
      slot.worker.postMessage({ id, task });
    }
  }

  private spawn(): Slot {
    const worker = new Worker(ENTRY, { workerData: { module: THREAD_MODULE } });
    const slot: Slot = { worker, busy: false };
    worker.on('message', (reply: CpuReply) => {
      const pending = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      slot.busy = false;
      if (pending && reply.storageErrors > 0) metrics.storageErrors.inc({ stage: pending.stage }, reply.storageErrors);
      if (pending) {
        if (reply.ok) pending.resolve(reply.result);
        else pending.reject(deserializeError(reply.error));
      }
      this.dispatch();
    });
    worker.on('error', (err) => this.retire(slot, err));
    worker.on('exit', (code) => this.retire(slot, new Error(`CPU worker thread exited with code ${code}`)));
    this.slots.push(slot);
    return slot;
  }

  /** A thread that died fails the task it had (a transient error: the batch retries it). */
  private retire(slot: Slot, err: Error): void {
    const index = this.slots.indexOf(slot);
    if (index < 0) return;
    this.slots.splice(index, 1);
    for (const [id, pending] of this.pending) {
      if (pending.slot === slot) {
        this.pending.delete(id);
        pending.reject(err);
      }
    }
    if (!this.closed) this.dispatch();
  }

  async close(): Promise<void> {
    this.closed = true;
    const slots = this.slots.splice(0);
    await Promise.all(slots.map((s) => s.worker.terminate()));
    for (const pending of this.pending.values()) pending.reject(new Error('CPU pool closed'));
    this.pending.clear();
  }
}

export function serializeError(err: unknown): SerializedError {
  const e = err as Error & { code?: unknown; input?: string; field?: string };
  return {
    message: e?.message ?? String(err),
    code: typeof e?.code === 'string' ? e.code : undefined,
    input: e?.input,
    field: e?.field,
    inputError: err instanceof InputError,
    stack: e?.stack,
  };
}

export function deserializeError(s: SerializedError): Error {
  if (s.inputError) return new InputError(s.message, s.code ?? 'bad-input', s.input, s.field);
  const err = new Error(s.message) as Error & { code?: string };
  if (s.code) err.code = s.code;
  if (s.stack) err.stack = s.stack;
  return err;
}
