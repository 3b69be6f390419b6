/**
 * The worker runtime: one BullMQ worker per served stage, each taking batch jobs. For every image of a
 * batch it runs the stage (through the stage cache), records the outcome in the run state, and when
 * the batch is through hands the surviving images on to the next stage of the run as one job.
 *
 * Failure rules: an `InputError` marks that image failed and the batch goes on; a transient error lets
 * the rest of the batch finish, then fails the job so BullMQ retries it with exponential backoff (the
 * images already recorded are not redone); on the last attempt the images still failing are marked
 * failed and the batch completes. A batch job therefore never fails because of one image. Everything
 * is idempotent, so a worker killed mid-batch loses nothing: BullMQ hands its job to another worker,
 * which finishes the images left and re-sends the same hand-off (same job id: one job).
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { InputError, STAGES, contentId, isInputError, type StageName, type WorkerInfo } from '@spatialforge/core';
import { metrics } from '@spatialforge/metrics';
import { createWorker, type Job, type QueueTopology, type Worker } from '@spatialforge/queue';
import { getJson, putJson, type ObjectStore, type OpenStoreOptions } from '@spatialforge/storage';
import { countedStore } from './counted-store.js';
import { settleFailedBatch } from './failed-batches.js';
import { CpuPool } from './cpu-pool.js';
import { storeKeys } from './keys.js';
import { RunStateStore, type RunMeta, type StoredFailure } from './run-state.js';
import type { ImageStageHandler, IngestItem, IngestStageHandler, RunStageHandler } from './stage-handler.js';
import { StageQueues, type ExportJob, type ImageBatchJob, type IngestJob, type StageJob } from './stage-queues.js';
import type { StageRegistry } from './stage-registry.js';
import { WorkerRegistry } from './worker-registry.js';
import { runImageStage, runIngest, type ImageStageResult, type RunContext } from './stage-runner.js';

/** One source item as stored in an ingest batch file, with its position in the listing. */
export interface ListedItem {
  index: number;
  item: IngestItem;
}

export interface StageWorkersOptions {
  topology: QueueTopology;
  registry: StageRegistry;
  stages: StageName[];
  /** Batch jobs run at once per stage. */
  concurrency: number;
  /** Worker threads for CPU-heavy stages. */
  threads: number;
  lockDurationMs: number;
  /** Stalls (worker deaths mid-batch) a batch survives before BullMQ fails it. @defaultValue 10 */
  maxStalledCount?: number;
  attempts: number;
  backoffMs: number;
  store: ObjectStore;
  /** How worker threads open the same store. */
  storeSpec: { location: string; options?: OpenStoreOptions };
  heartbeatMs: number;
  /**
   * Images in work at once per batch slot on stages that are not CPU-heavy (I/O bound): a stage runs
   * up to `concurrency × imageParallelism` images at once, shared by its batches, so one batch's
   * bookkeeping never leaves the others' images waiting. @defaultValue 4
   */
  imageParallelism?: number;
  log?: (line: string) => void;
}

const BUSY_WINDOW_SAMPLES = 30;

export class StageWorkers {
  readonly id = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  private readonly state: RunStateStore;
  private readonly workerRegistry: WorkerRegistry;
  private readonly queues: StageQueues;
  private readonly workers: Worker<StageJob>[] = [];
  private readonly pool: CpuPool;
  private readonly active = new Map<StageName, number>();
  /** Image slots per I/O-bound stage, shared by the stage's batches (CPU-heavy stages queue on the pool). */
  private readonly slots = new Map<StageName, Semaphore>();
  /** The store as each stage uses it (failed operations counted per stage). */
  private readonly stores = new Map<StageName, ObjectStore>();
  private readonly busySamples = new Map<StageName, number[]>();
  private timers: NodeJS.Timeout[] = [];
  private started = false;
  private closing = false;

  constructor(private readonly options: StageWorkersOptions) {
    this.state = new RunStateStore(options.topology.connection, options.topology.prefix);
    this.workerRegistry = new WorkerRegistry(options.topology.connection, options.topology.prefix);
    this.queues = new StageQueues(options.topology, options.registry, { attempts: options.attempts, backoffMs: options.backoffMs });
    this.pool = new CpuPool(options.threads);
  }

  /** Ready: handlers (and their models) loaded and workers taking jobs. */
  get ready(): boolean {
    return this.started && !this.closing;
  }

  get stages(): StageName[] {
    return this.options.stages;
  }

  /** Loads every served stage's handler, then starts taking jobs. */
  async start(): Promise<void> {
    for (const stage of this.options.stages) {
      const handler = await this.options.registry.handler(stage);
      await handler.load?.();
    }
    for (const stage of this.options.stages) {
      const definition = this.options.registry.get(stage);
      const worker = createWorker<StageJob, string>(
        this.options.topology,
        definition.queue,
        (job) => this.process(stage, job),
        // One batch more than the slots need is taken ahead, so its images are queued when a slot frees up.
        { concurrency: this.options.concurrency + 1, lockDurationMs: this.options.lockDurationMs, maxStalledCount: this.options.maxStalledCount },
      );
      worker.on('error', (err) => this.options.log?.(`worker ${stage}: ${err.message}`));
      // A batch BullMQ failed for good (stalled too often, or the handler threw on its last attempt).
      worker.on('failed', (job) => {
        if (job) void this.settleFailed(stage, job);
      });
      this.workers.push(worker);
      this.active.set(stage, 0);
      this.busySamples.set(stage, []);
      this.slots.set(stage, new Semaphore(this.options.concurrency * (this.options.imageParallelism ?? 4)));
      this.stores.set(stage, countedStore(this.options.store, () => metrics.storageErrors.inc({ stage })));
    }
    this.started = true;
    await this.heartbeat();
    this.timers.push(setInterval(() => void this.heartbeat().catch(() => {}), this.options.heartbeatMs));
    this.timers.push(setInterval(() => this.sampleBusy(), 1000));
    for (const timer of this.timers) timer.unref();
  }

  /** Stops taking jobs, lets the batches in hand finish, and leaves the worker list. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    for (const timer of this.timers) clearInterval(timer);
    await Promise.all(this.workers.map((w) => w.close()));
    await this.pool.close();
    await this.queues.close();
    await this.workerRegistry.remove(this.id).catch(() => {});
  }

  info(): WorkerInfo {
    return {
      id: this.id,
      host: hostname(),
      stages: this.options.stages,
      busy: [...this.active.values()].some((n) => n > 0),
      lastHeartbeat: new Date().toISOString(),
    };
  }

  private async heartbeat(): Promise<void> {
    if (!this.closing) await this.workerRegistry.heartbeat(this.info());
  }

  private sampleBusy(): void {
    for (const [stage, samples] of this.busySamples) {
      samples.push((this.active.get(stage) ?? 0) / this.options.concurrency);
      if (samples.length > BUSY_WINDOW_SAMPLES) samples.shift();
      metrics.workerBusyRatio.set({ stage }, samples.reduce((a, b) => a + b, 0) / samples.length);
    }
  }

  private async process(stage: StageName, job: Job<StageJob>): Promise<string> {
    this.active.set(stage, (this.active.get(stage) ?? 0) + 1);
    try {
      const kind = this.options.registry.get(stage).kind;
      if (kind === 'input') return await this.processIngest(job as Job<IngestJob>);
      if (kind === 'image') return await this.processImages(stage, job as Job<ImageBatchJob>);
      return await this.processExport(job as Job<ExportJob>);
    } finally {
      this.active.set(stage, (this.active.get(stage) ?? 1) - 1);
    }
  }

  /** The run's description when it should still be worked on; undefined when it is gone, cancelled or failed. */
  private async liveRun(runId: string): Promise<RunMeta | undefined> {
    const status = await this.state.status(runId);
    if (status === undefined || status === 'cancelled' || status === 'failed') return undefined;
    return this.state.meta(runId);
  }

  private async settleFailed(stage: StageName, job: Job<StageJob>): Promise<void> {
    try {
      const settled = await settleFailedBatch({ state: this.state, queues: this.queues, registry: this.options.registry, store: this.options.store }, stage, job);
      if (settled) {
        this.options.log?.(`run ${settled.runId}: ${stage} batch ${job.id} failed for good (${job.failedReason}): ${settled.failed} images marked failed, ${settled.handedOn} handed on`);
      }
    } catch (err) {
      // The coordinator's sweep settles it later.
      this.options.log?.(`settling failed ${stage} batch ${job.id}: ${(err as Error).message}`);
    }
  }

  private isFinalAttempt(job: Job): boolean {
    return job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
  }

  private async processIngest(job: Job<IngestJob>): Promise<string> {
    const { runId, batch } = job.data;
    const meta = await this.liveRun(runId);
    if (!meta) return this.dropped('ingest');
    const handler = (await this.options.registry.handler('ingest')) as IngestStageHandler;
    const store = this.stores.get('ingest')!;
    const items = await getJson<ListedItem[]>(store, storeKeys.runInputs(runId, batch));
    const run = runContext(meta);
    const next = meta.path[1]!;
    metrics.batchSize.observe({ stage: 'ingest' }, items.length);
    await this.state.setActive(runId, job.id!, 'ingest', items.length);

    const handedOn: { index: number; imageId: string }[] = [];
    const transient: Error[] = [];
    let complete = false;
    const final = this.isFinalAttempt(job);
    // Only the stage's work holds an image slot; the bookkeeping around it does not.
    const slots = this.slots.get('ingest')!;
    await Promise.all(items.map(async ({ index, item }) => {
      let recorded;
      try {
        const listingError = itemError(item);
        if (listingError) throw listingError;
        const result = await slots.run(async () => {
          const started = performance.now();
          const ingested = await runIngest(handler, item, run, store);
          if (!ingested.reused) metrics.stageDuration.observe({ stage: 'ingest' }, (performance.now() - started) / 1000);
          return ingested;
        });
        recorded = await this.state.recordIngest(runId, { inputIndex: index, imageId: result.imageId, outcome: 'done', reused: result.reused, next });
        if (recorded.answer === 'new') handedOn.push({ index, imageId: result.imageId });
        if (recorded.changed) {
          metrics.imagesProcessed.inc({ stage: 'ingest', outcome: recorded.answer === 'duplicate' ? 'duplicate' : result.reused ? 'reused' : 'done' });
        }
      } catch (err) {
        if (!isInputError(err) && !final) {
          transient.push(err as Error);
          return;
        }
        const failure = failureRecord('ingest', contentId(item.input), item.input, index, err);
        recorded = await this.state.recordIngest(runId, { inputIndex: index, outcome: 'failed', next, failure });
        if (recorded.changed) metrics.imagesProcessed.inc({ stage: 'ingest', outcome: 'failed' });
      }
      complete ||= recorded.complete;
    }));
    await this.state.clearActive(runId, job.id!);
    if (transient.length > 0) return this.retryLater('ingest', items.length, transient);

    handedOn.sort((a, b) => a.index - b.index);
    if (handedOn.length > 0) await this.queues.addBatch(next, { runId, batch, images: handedOn.map((h) => h.imageId) });
    if (complete) await this.finishRun(runId);
    metrics.batches.inc({ stage: 'ingest', outcome: 'completed' });
    return `${handedOn.length}/${items.length} handed on`;
  }

  private async processImages(stage: StageName, job: Job<ImageBatchJob>): Promise<string> {
    const { runId, batch, images } = job.data;
    const meta = await this.liveRun(runId);
    if (!meta) return this.dropped(stage);
    const definition = this.options.registry.get(stage);
    const handler = (await this.options.registry.handler(stage)) as ImageStageHandler;
    const run = runContext(meta);
    const position = meta.path.indexOf(stage);
    const next = meta.path[position + 1];
    const isLast = next === 'export';
    const stageIndex = STAGES.indexOf(stage);
    metrics.batchSize.observe({ stage }, images.length);

    const states = await this.state.imageStates(runId, images);
    const handedOn = new Set<string>();
    const todo: string[] = [];
    images.forEach((imageId, i) => {
      const state = states[i];
      if (!state || state.state !== 'd') return;
      if (state.stageIndex >= stageIndex) handedOn.add(imageId);
      else todo.push(imageId);
    });
    await this.state.setActive(runId, job.id!, stage, todo.length);

    const transient: Error[] = [];
    let complete = false;
    const final = this.isFinalAttempt(job);
    // CPU-heavy images queue on the thread pool; the others take one of the stage's image slots. Only
    // the stage's work holds a slot; the bookkeeping around it does not.
    const slots = this.slots.get(stage)!;
    await Promise.all(todo.map(async (imageId) => {
      let recorded;
      let result: ImageStageResult | undefined;
      try {
        result = definition.cpuHeavy
          ? await this.pool.run({ module: definition.module, stage, imageId, run, store: this.options.storeSpec })
          : await slots.run(() => runImageStage(handler, stage, imageId, run, this.stores.get(stage)!));
        if (!result.reused) metrics.stageDuration.observe({ stage }, result.seconds);
        const qaPairs = result.qaByType ? Object.values(result.qaByType).reduce((a, b) => a + b, 0) : 0;
        recorded = await this.state.recordImage(runId, {
          imageId, stage, next, isLast, outcome: result.dropReason ? 'dropped' : 'done', reused: result.reused, qaPairs,
        });
      } catch (err) {
        if (!isInputError(err) && !final) {
          transient.push(err as Error);
          return;
        }
        const input = await this.inputOf(run, imageId);
        const failure = failureRecord(stage, imageId, input, -1, err);
        recorded = await this.state.recordImage(runId, { imageId, stage, next, isLast, outcome: 'failed', failure });
      }
      if (recorded.state === 'd') handedOn.add(imageId);
      if (recorded.changed) {
        const outcome = recorded.state === 'f' ? 'failed' : recorded.state === 'x' ? 'dropped' : result?.reused ? 'reused' : 'done';
        metrics.imagesProcessed.inc({ stage, outcome });
        for (const [type, count] of Object.entries(result?.qaByType ?? {})) metrics.qaGenerated.inc({ type }, count);
      }
      complete ||= recorded.complete;
    }));
    await this.state.clearActive(runId, job.id!);
    if (transient.length > 0) return this.retryLater(stage, todo.length, transient);

    const surviving = images.filter((id) => handedOn.has(id));
    if (next && next !== 'export' && surviving.length > 0) await this.queues.addBatch(next, { runId, batch, images: surviving });
    if (complete || (isLast && (await this.state.isComplete(runId)))) await this.finishRun(runId);
    metrics.batches.inc({ stage, outcome: 'completed' });
    return `${surviving.length}/${images.length} handed on`;
  }

  private async processExport(job: Job<ExportJob>): Promise<string> {
    const { runId, generation } = job.data;
    const meta = await this.liveRun(runId);
    if (!meta) return this.dropped('export');
    const status = await this.state.status(runId);
    if (status === 'completed' || generation !== (await this.state.exportGeneration(runId))) return this.dropped('export');
    const fields = await this.state.fields(runId);
    if (Number(fields.completed ?? 0) === 0) {
      await this.failRun(runId, `no image made it through the pipeline (${describeLosses(fields)}); see the run's failures`);
      return 'nothing to export';
    }
    const handler = (await this.options.registry.handler('export')) as RunStageHandler;
    const store = this.stores.get('export')!;
    const lastImageStage = meta.path[meta.path.length - 2]!;
    const lastIndex = STAGES.indexOf(lastImageStage);
    const run = runContext(meta);
    await this.state.setActive(runId, job.id!, 'export', Number(fields.completed ?? 0));
    try {
      const info = await handler.run({
        runId,
        options: meta.options,
        store,
        completedImages: async () => (await this.state.scanImages(runId, (s) => s.stageIndex === lastIndex && s.state === 'd')).sort(),
        outputKey: (stage, imageId) => storeKeys.stageOutput(stage, run.digests[stage]!, imageId),
        progress: (done) => this.state.setCounter(runId, 'export:done', done),
      });
      await putJson(store, storeKeys.datasetInfo(runId), info);
      if (await this.state.setStatus(runId, 'completed', { from: ['exporting', 'running'] })) metrics.runsFinished.inc({ outcome: 'completed' });
      metrics.batches.inc({ stage: 'export', outcome: 'completed' });
      return `${info.records} records`;
    } catch (err) {
      if (isInputError(err) || this.isFinalAttempt(job)) {
        await this.failRun(runId, `export failed: ${(err as Error).message}`);
        return 'export failed';
      }
      metrics.batches.inc({ stage: 'export', outcome: 'retried' });
      throw err;
    } finally {
      await this.state.clearActive(runId, job.id!);
    }
  }

  private async failRun(runId: string, error: string): Promise<void> {
    if (await this.state.setStatus(runId, 'failed', { from: ['pending', 'running', 'exporting'], error })) {
      metrics.runsFinished.inc({ outcome: 'failed' });
    }
  }

  /** Every input reached a final state: queue the export (one job per export generation). */
  private async finishRun(runId: string): Promise<void> {
    await finishRun(this.state, this.queues, runId);
  }

  private async inputOf(run: RunContext, imageId: string): Promise<string> {
    try {
      const frame = await getJson<{ input: string }>(this.options.store, storeKeys.stageOutput('ingest', run.digests.ingest!, imageId));
      return frame.input;
    } catch {
      return imageId;
    }
  }

  private dropped(stage: StageName): string {
    metrics.batches.inc({ stage, outcome: 'dropped' });
    return 'run is no longer active';
  }

  private retryLater(stage: StageName, total: number, errors: Error[]): never {
    metrics.batches.inc({ stage, outcome: 'retried' });
    throw new Error(`${errors.length} of ${total} images failed transiently and will be retried: ${errors[0]!.message}`);
  }
}

/** Queues a complete run's export and marks it exporting; safe to call more than once. */
export async function finishRun(state: RunStateStore, queues: StageQueues, runId: string): Promise<void> {
  const generation = await state.exportGeneration(runId);
  const status = await state.status(runId);
  if (status !== 'pending' && status !== 'running' && status !== 'exporting') return;
  await queues.addExport(runId, generation);
  await state.setStatus(runId, 'exporting', { from: ['pending', 'running'] });
}

export function runContext(meta: RunMeta): RunContext {
  return { runId: meta.id, options: meta.options, path: meta.path, digests: meta.digests };
}

function failureRecord(stage: StageName, imageId: string, input: string, inputIndex: number, err: unknown): StoredFailure {
  const code = isInputError(err) ? err.code : 'transient';
  const message = isInputError(err) ? err.message : `still failing after retries: ${(err as Error).message}`;
  return { imageId, input, stage, code, message, at: new Date().toISOString(), inputIndex };
}

/** A source item the listing already found bad (a malformed manifest line) carries its error. */
function itemError(item: IngestItem): InputError | undefined {
  const error = item.error as { code?: string; message?: string } | string | undefined;
  if (!error) return undefined;
  if (error instanceof InputError) return error;
  if (typeof error === 'string') return new InputError(error, 'bad-input', item.input);
  return new InputError(error.message ?? 'bad input', error.code ?? 'bad-input', item.input);
}

function describeLosses(fields: Record<string, string>): string {
  return `${fields.inputs ?? 0} inputs: ${fields.failed ?? 0} failed, ${fields.duplicates ?? 0} duplicates, ${fields.filtered ?? 0} filtered out`;
}

/** At most `size` tasks at once; the rest wait in arrival order. */
class Semaphore {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly size: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.size) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running++;
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}
