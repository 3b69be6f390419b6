/**
 * Batch jobs that failed for good without the stage handler finishing them. BullMQ fails a job whose
 * worker died more often than `maxStalledCount` allows ("job stalled more than allowable limit")
 * without calling the handler again, and a handler that throws on its last attempt (the store
 * unreachable while reading the batch, Redis gone mid-bookkeeping) fails its job too. Nothing would
 * ever record those images, so their run would never complete.
 *
 * Settling such a batch records what the handler could not, through the same Lua transitions as the
 * workers (counts stay exact, a second settle changes nothing): every image not yet recorded at this
 * stage is marked failed (code `stalled`, or `batch-failed` with BullMQ's reason), images already
 * recorded done here are handed on (the same hand-off job id the worker would have used), and the run's
 * export is queued when that completes it. The job is then marked settled, so the coordinator's sweep
 * does not settle it again after the user retried its images.
 */
import { STAGES, contentId, type StageName } from '@spatialforge/core';
import { metrics } from '@spatialforge/metrics';
import type { Job } from '@spatialforge/queue';
import { getJsonOptional, type ObjectStore } from '@spatialforge/storage';
import { storeKeys } from './keys.js';
import type { RunStateStore, StoredFailure } from './run-state.js';
import type { ExportJob, ImageBatchJob, IngestJob, StageJob, StageQueues } from './stage-queues.js';
import type { StageRegistry } from './stage-registry.js';
import { finishRun, type ListedItem } from './stage-workers.js';

/** BullMQ's failedReason for a job failed because its workers kept dying. */
export const STALLED_REASON = 'job stalled more than allowable limit';

export interface FailedBatchContext {
  state: RunStateStore;
  queues: StageQueues;
  registry: StageRegistry;
  store: ObjectStore;
}

/** What settling one failed batch did. */
export interface SettledBatch {
  runId: string;
  stage: StageName;
  /** Images marked failed now. */
  failed: number;
  /** Images already done at this stage, handed on now. */
  handedOn: number;
}

/** A failed job's data once settled. */
type Settled<T> = T & { settledAt?: string };

/**
 * Settles one batch job of `stage` when it is failed for good (not waiting for a retry) and not yet
 * settled, and its run is still in progress; undefined when there was nothing to do.
 */
export async function settleFailedBatch(ctx: FailedBatchContext, stage: StageName, job: Job<StageJob>): Promise<SettledBatch | undefined> {
  if ((job.data as Settled<StageJob>).settledAt || (await job.getState()) !== 'failed') return undefined;
  const { runId } = job.data;
  const status = await ctx.state.status(runId);
  const meta = await ctx.state.meta(runId);
  if (!meta || (status !== 'pending' && status !== 'running' && status !== 'exporting')) return undefined;
  const reason = job.failedReason || 'unknown reason';
  const stalled = reason.includes(STALLED_REASON);
  const describe = (what: string) => stalled
    ? `the worker running this ${what}'s ${stage} batch stopped (killed, out of memory, or its lock expired) more times than allowed (${reason}); retry the run's failed images to try again`
    : `this ${what}'s ${stage} batch failed for good: ${reason}`;
  const failure = (imageId: string, input: string, inputIndex: number): StoredFailure => ({
    imageId, input, stage, code: stalled ? 'stalled' : 'batch-failed', message: describe('image'), at: new Date().toISOString(), inputIndex,
  });

  let settled: SettledBatch | undefined = { runId, stage, failed: 0, handedOn: 0 };
  const kind = ctx.registry.get(stage).kind;
  if (kind === 'run') {
    const { generation } = job.data as ExportJob;
    if (generation === (await ctx.state.exportGeneration(runId))
      && (await ctx.state.setStatus(runId, 'failed', { from: ['exporting', 'running'], error: `export failed: ${describe('run')}` }))) {
      metrics.runsFinished.inc({ outcome: 'failed' });
    } else {
      settled = undefined;
    }
  } else if (kind === 'input') {
    settled = await settleIngest(ctx, job.data as IngestJob, meta.path[1]!, failure, settled);
  } else {
    settled = await settleImages(ctx, stage, job.data as ImageBatchJob, meta.path, failure, settled);
  }
  if (kind !== 'run' && (await ctx.state.isComplete(runId))) await finishRun(ctx.state, ctx.queues, runId);
  await job.updateData({ ...job.data, settledAt: new Date().toISOString() } as Settled<StageJob>).catch(() => {});
  return settled;
}

async function settleIngest(
  ctx: FailedBatchContext,
  { runId, batch }: IngestJob,
  next: StageName,
  failure: (imageId: string, input: string, inputIndex: number) => StoredFailure,
  settled: SettledBatch,
): Promise<SettledBatch> {
  const items = (await getJsonOptional<ListedItem[]>(ctx.store, storeKeys.runInputs(runId, batch))) ?? [];
  const seen = await ctx.state.seenInputs(runId, items.map((i) => i.index));
  const recorded = new Set<number>();
  for (const [i, { index, item }] of items.entries()) {
    if (seen[i]) {
      recorded.add(index);
      continue;
    }
    const outcome = await ctx.state.recordIngest(runId, { inputIndex: index, outcome: 'failed', next, failure: failure(contentId(item.input), item.input, index) });
    if (outcome.changed) {
      settled.failed++;
      metrics.imagesProcessed.inc({ stage: 'ingest', outcome: 'failed' });
    }
  }
  if (recorded.size > 0) {
    // Which image each recorded input became is only in the run's image hash (a scan, but a rare one).
    const ingestIndex = STAGES.indexOf('ingest');
    const done = await ctx.state.scanImageStates(runId, (s) => s.state === 'd' && s.stageIndex === ingestIndex && recorded.has(s.inputIndex));
    done.sort((a, b) => a.state.inputIndex - b.state.inputIndex);
    if (done.length > 0) await ctx.queues.addBatch(next, { runId, batch, images: done.map((d) => d.imageId) });
    settled.handedOn = done.length;
  }
  return settled;
}

async function settleImages(
  ctx: FailedBatchContext,
  stage: StageName,
  { runId, batch, images }: ImageBatchJob,
  path: StageName[],
  failure: (imageId: string, input: string, inputIndex: number) => StoredFailure,
  settled: SettledBatch,
): Promise<SettledBatch> {
  const next = path[path.indexOf(stage) + 1];
  const isLast = next === 'export';
  const stageIndex = STAGES.indexOf(stage);
  const states = await ctx.state.imageStates(runId, images);
  const handOn: string[] = [];
  for (const [i, imageId] of images.entries()) {
    const state = states[i];
    if (!state || state.state !== 'd' || state.stageIndex > stageIndex) continue;
    if (state.stageIndex === stageIndex) {
      handOn.push(imageId);
      continue;
    }
    const outcome = await ctx.state.recordImage(runId, { imageId, stage, next, isLast, outcome: 'failed', failure: failure(imageId, await inputOf(ctx, runId, imageId), state.inputIndex) });
    if (outcome.changed) {
      settled.failed++;
      metrics.imagesProcessed.inc({ stage, outcome: 'failed' });
    }
  }
  if (!isLast && next && handOn.length > 0) await ctx.queues.addBatch(next, { runId, batch, images: handOn });
  settled.handedOn = isLast ? 0 : handOn.length;
  return settled;
}

async function inputOf(ctx: FailedBatchContext, runId: string, imageId: string): Promise<string> {
  const meta = await ctx.state.meta(runId);
  const digest = meta?.digests.ingest;
  if (!digest) return imageId;
  const frame = await getJsonOptional<{ input: string }>(ctx.store, storeKeys.stageOutput('ingest', digest, imageId)).catch(() => undefined);
  return frame?.input ?? imageId;
}

/**
 * Settles every failed, unsettled batch job of the given runs in every stage queue (the coordinator's
 * backstop for a worker that died between BullMQ failing a job and settling it).
 */
export async function settleFailedBatches(ctx: FailedBatchContext, runIds: Iterable<string>): Promise<SettledBatch[]> {
  const runs = new Set(runIds);
  const out: SettledBatch[] = [];
  if (runs.size === 0) return out;
  for (const { stage } of ctx.registry.all()) {
    const queue = ctx.queues.queue(stage);
    for (const jobId of await queue.getRanges(['failed'], 0, -1)) {
      // Job ids start with the run id (keys.ts jobIds), so other runs' failed jobs are never read.
      if (!runs.has(jobId.slice(0, jobId.indexOf('.')))) continue;
      const job = (await queue.getJob(jobId)) as Job<StageJob> | undefined;
      const settled = job && (await settleFailedBatch(ctx, stage, job));
      if (settled) out.push(settled);
    }
  }
  return out;
}
