/** The body of a CPU worker thread: runs image stages as the pool asks, one at a time. */
import { parentPort } from 'node:worker_threads';
import { openStore, type ObjectStore } from '@spatialforge/storage';
import { countedStore } from './counted-store.js';
import { serializeError, type CpuReply, type CpuTask } from './cpu-pool.js';
import type { ImageStageHandler, StageHandlerModule } from './stage-handler.js';
import { runImageStage } from './stage-runner.js';

const handlers = new Map<string, Promise<ImageStageHandler>>();
/** Failed store operations since the last reply (the main thread counts them in its metrics). */
let storageErrors = 0;
const stores = new Map<string, ObjectStore>();

function handlerOf(module: string): Promise<ImageStageHandler> {
  let handler = handlers.get(module);
  if (!handler) {
    handler = import(module).then(async (m: StageHandlerModule) => {
      const h = m.handler as ImageStageHandler;
      await h.load?.();
      return h;
    });
    handlers.set(module, handler);
  }
  return handler;
}

function storeOf(task: CpuTask): ObjectStore {
  const key = JSON.stringify(task.store);
  let store = stores.get(key);
  if (!store) {
    store = countedStore(openStore(task.store.location, task.store.options), () => storageErrors++);
    stores.set(key, store);
  }
  return store;
}

parentPort!.on('message', async ({ id, task }: { id: number; task: CpuTask }) => {
  let reply: CpuReply;
  try {
    const handler = await handlerOf(task.module);
    const result = await runImageStage(handler, task.stage, task.imageId, task.run, storeOf(task));
    reply = { id, ok: true, result, storageErrors };
  } catch (err) {
    reply = { id, ok: false, error: serializeError(err), storageErrors };
  }
  storageErrors = 0;
  parentPort!.postMessage(reply);
});
