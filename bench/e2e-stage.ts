/**
 * A real stage handler with a stopwatch around it, for the end-to-end benchmark: the module URL names
 * the handler module to wrap (`e2e-stage.ts?stage=lift&module=<url>`). Its identity is the real one
 * (same cache digests), and each call's wall time and the CPU time of the thread it ran on are posted
 * on a BroadcastChannel, which reaches the benchmark's main thread from the CPU pool's threads too.
 */
import { readFileSync, readlinkSync } from 'node:fs';
import { BroadcastChannel } from 'node:worker_threads';
import { CHANNEL, type HandlerSpan } from './e2e-channel.js';
import type { ImageStageContext, RunStageContext, StageHandler, StageHandlerModule } from '@spatialforge/pipeline';


/** CPU time of the calling thread, ms (Linux: /proc/thread-self/schedstat, nanoseconds on the CPU). */
function threadCpuMs(): number {
  return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1e6;
}

const query = new URL(import.meta.url).searchParams;
const stage = query.get('stage')!;
const inner = ((await import(query.get('module')!)) as StageHandlerModule).handler;
const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
const channel = new BroadcastChannel(CHANNEL);
channel.unref();

async function timed<T>(work: () => Promise<T>): Promise<T> {
  const cpu = threadCpuMs();
  const start = performance.now();
  try {
    return await work();
  } finally {
    channel.postMessage({ stage, wallMs: performance.now() - start, threadCpuMs: threadCpuMs() - cpu, threadCpuBeforeMs: cpu, tid } satisfies HandlerSpan);
  }
}

function wrap(handler: StageHandler): StageHandler {
  switch (handler.kind) {
    case 'input':
      return { ...handler, run: (item, ctx) => timed(() => handler.run(item, ctx)) };
    case 'image':
      return { ...handler, run: (ctx: ImageStageContext) => timed(() => handler.run(ctx)) };
    case 'run':
      return { ...handler, run: (ctx: RunStageContext) => timed(() => handler.run(ctx)) };
  }
}

export const handler = wrap(inner);
