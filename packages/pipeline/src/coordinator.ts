/**
 * The coordinator: creates runs, lists their sources into ingest batches, reports their state, and
 * finishes them. All state is in Redis (run-state.ts), so any number of coordinators can answer
 * queries, and one that restarts resumes the listings it had not finished.
 */
import { randomBytes } from 'node:crypto';
import {
  InputError, STAGES, type Coordinator, type DatasetInfo, type ImageFailure, type RunRequest, type RunState, type RunStatus,
  type SampleRef, type StageName, type StageProgress, type WorkerInfo,
} from '@spatialforge/core';
import { metrics } from '@spatialforge/metrics';
import { getJsonOptional, putJson, type ObjectStore } from '@spatialforge/storage';
import { settleFailedBatches } from './failed-batches.js';
import { storeKeys } from './keys.js';
import type { ListingLeases } from './listing-leases.js';
import { resolveRunOptions } from './run-options.js';
import { RunStateStore, type RunMeta } from './run-state.js';
import type { DepthOutput, IngestedFrame, IngestItem } from './stage-handler.js';
import { StageQueues } from './stage-queues.js';
import type { StageRegistry } from './stage-registry.js';
import { stageDigests } from './stage-runner.js';
import { finishRun, type ListedItem } from './stage-workers.js';
import type { WorkerRegistry } from './worker-registry.js';
import { preflightRun, type PreflightResult } from './preflight.js';

/** Lists a run's source: items in a stable order; a missing or empty source throws InputError. */
export type SourceLister = (request: RunRequest) => AsyncIterable<IngestItem>;

export interface CoordinatorOptions {
  state: RunStateStore;
  leases: ListingLeases;
  workerRegistry: WorkerRegistry;
  queues: StageQueues;
  registry: StageRegistry;
  store: ObjectStore;
  lister: SourceLister;
  /** Heartbeat period of workers, ms: a worker silent for three is no longer listed. */
  heartbeatMs: number;
  /** How long a listing lease lives without renewal, ms: another coordinator resumes a listing after this. @defaultValue 30000 */
  listingLeaseMs?: number;
  log?: (line: string) => void;
}

/** Ingest batches written and enqueued together while listing. */
const LISTING_WINDOW = 8;
/** Seconds of history the throughput figures average over. */
const RATE_WINDOW_MS = 30_000;

const LISTING_LEASE_MS = 30_000;

/** The listing lease went to another coordinator (this one stalled): it stops listing, quietly. */
class ListingLeaseLost extends Error {}

export class PipelineCoordinator implements Coordinator {
  /** Owner id of this coordinator's listing leases. */
  readonly id = `coordinator-${randomBytes(6).toString('hex')}`;
  private readonly listings = new Map<string, Promise<void>>();
  private readonly rateSamples = new Map<string, { at: number; done: Partial<Record<StageName, number>> }[]>();
  private readonly runReads = new Map<string, Promise<RunState | undefined>>();
  private closed = false;

  constructor(private readonly options: CoordinatorOptions) {}

  private get state(): RunStateStore {
    return this.options.state;
  }

  private get leaseMs(): number {
    return this.options.listingLeaseMs ?? LISTING_LEASE_MS;
  }

  async preflight(request: RunRequest): Promise<PreflightResult> {
    return preflightRun(request, { items: this.options.lister(request) });
  }

  async createRun(request: RunRequest): Promise<RunState> {
    const options = resolveRunOptions(request.options);
    const items = this.options.lister(request)[Symbol.asyncIterator]();
    // The first item proves the source exists and is not empty before the run is created.
    const first = await items.next();
    if (first.done) throw new InputError('the source holds no images', 'source-empty');
    const path = this.options.registry.path(options);
    const meta: RunMeta = {
      id: newRunId(),
      tenant: request.tenant,
      createdAt: new Date().toISOString(),
      source: request.source,
      options,
      path,
      digests: await stageDigests(this.options.registry, options, path),
    };
    await this.state.create(meta);
    await this.options.leases.take(meta.id, this.id, this.leaseMs);
    this.startListing(meta, prepend(first.value, items), 0);
    return (await this.getRun(meta.id))!;
  }

  /** Resolves when the run's source has been listed and every ingest batch enqueued. */
  async whenListed(runId: string): Promise<void> {
    await this.listings.get(runId);
  }

  /**
   * Takes over unfinished runs: resumes listings no live coordinator holds (their lease lapsed),
   * queues the export of runs whose last image finished while no worker could (a crash between the
   * two), and settles batches BullMQ failed for good that no worker settled (see failed-batches.ts).
   * Called at start and then periodically.
   */
  async resumeRuns(): Promise<string[]> {
    const resumed: string[] = [];
    const unfinished = await this.state.unfinishedRunIds();
    for (const settled of await settleFailedBatches(this.options, unfinished)) {
      this.options.log?.(`run ${settled.runId}: a ${settled.stage} batch failed for good: ${settled.failed} images marked failed, ${settled.handedOn} handed on`);
    }
    for (const runId of unfinished) {
      if (this.listings.has(runId)) continue;
      const meta = await this.state.meta(runId);
      if (!meta) continue;
      const fields = await this.state.fields(runId);
      if (fields.listed !== '1') {
        if (!(await this.options.leases.take(runId, this.id, this.leaseMs))) continue;
        const skip = Number(fields.batches ?? 0) * meta.options.batchSize;
        this.startListing(meta, this.options.lister({ source: meta.source, options: meta.options, tenant: meta.tenant })[Symbol.asyncIterator](), skip);
        resumed.push(runId);
      } else if (await this.state.isComplete(runId)) {
        await finishRun(this.state, this.options.queues, runId);
        resumed.push(runId);
      }
    }
    return resumed;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.listings.values()]);
  }

  private startListing(meta: RunMeta, items: AsyncIterator<IngestItem>, skip: number): void {
    const renewal = setInterval(() => void this.options.leases.take(meta.id, this.id, this.leaseMs).catch(() => {}), this.leaseMs / 3);
    renewal.unref();
    const listing = this.list(meta, items, skip)
      .catch(async (err: Error) => {
        if (err instanceof ListingLeaseLost) {
          this.options.log?.(`run ${meta.id}: another coordinator took over the listing`);
          return;
        }
        this.options.log?.(`run ${meta.id}: listing failed: ${err.message}`);
        if (await this.state.setStatus(meta.id, 'failed', { from: ['pending', 'running'], error: `listing the source failed: ${err.message}` })) {
          metrics.runsFinished.inc({ outcome: 'failed' });
        }
      })
      .finally(async () => {
        clearInterval(renewal);
        this.listings.delete(meta.id);
        await this.options.leases.release(meta.id, this.id).catch(() => {});
      });
    this.listings.set(meta.id, listing);
  }

  /**
   * Writes the source items batch by batch to the store and enqueues one ingest job per batch. Up to
   * LISTING_WINDOW batches are written at once and enqueued in one round trip; the run's `batches`
   * counter moves only past fully enqueued windows, so a resumed listing redoes at most one window
   * (the same files, the same job ids).
   */
  private async list(meta: RunMeta, items: AsyncIterator<IngestItem>, skip: number): Promise<void> {
    const { batchSize } = meta.options;
    const windowSize = batchSize * LISTING_WINDOW;
    let index = 0;
    let running = false;
    let window: ListedItem[] = [];
    const flush = async () => {
      const batches: { index: number; items: ListedItem[] }[] = [];
      for (let i = 0; i < window.length; i += batchSize) {
        const items = window.slice(i, i + batchSize);
        batches.push({ index: Math.floor(items[0]!.index / batchSize), items });
      }
      await Promise.all(batches.map((b) => putJson(this.options.store, storeKeys.runInputs(meta.id, `b${b.index}`), b.items)));
      await this.options.queues.addBatches('ingest', batches.map((b) => ({ runId: meta.id, batch: `b${b.index}` })));
      if (!(await this.options.leases.addListedBatches(meta.id, this.id, batches[batches.length - 1]!.index + 1, window.length))) {
        throw new ListingLeaseLost();
      }
      window = [];
      if (!running) {
        await this.state.setStatus(meta.id, 'running', { from: ['pending'] });
        running = true;
      }
    };
    for (let next = await items.next(); !next.done; next = await items.next()) {
      if (this.closed) return;
      if (index % windowSize === 0 && index > skip && (await this.state.status(meta.id)) === 'cancelled') return;
      if (index >= skip) {
        window.push({ index, item: storableItem(next.value) });
        // The first batch goes out alone, so ingest starts while the rest is listed.
        if (window.length === windowSize || (!running && window.length === batchSize)) await flush();
      }
      index++;
    }
    if (window.length > 0) await flush();
    await this.state.setStatus(meta.id, 'running', { from: ['pending'] });
    await this.state.markListed(meta.id);
    if (await this.state.isComplete(meta.id)) await finishRun(this.state, this.options.queues, meta.id);
  }

  /**
   * A run's state. Reads of one run at the same moment share one Redis read (a dashboard and fifty API
   * clients polling the same run cost what one does); the answer is shared, so callers do not change it.
   * This coordinator's own writes (cancel, retry) start a fresh read for whoever asks after them.
   */
  getRun(runId: string): Promise<RunState | undefined> {
    let read = this.runReads.get(runId);
    if (!read) {
      const started = this.readRun(runId).finally(() => {
        if (this.runReads.get(runId) === started) this.runReads.delete(runId);
      });
      this.runReads.set(runId, started);
      read = started;
    }
    return read;
  }

  private async readRun(runId: string): Promise<RunState | undefined> {
    const meta = await this.state.meta(runId);
    if (!meta) return undefined;
    const [fields, active] = await Promise.all([this.state.fields(runId), this.state.activeImages(runId)]);
    const n = (field: string) => Number(fields[field] ?? 0);
    const now = Date.now();
    const rates = this.rates(runId, meta.path, fields, now);
    const stages: StageProgress[] = meta.path.map((stage) => {
      const finished = n(`${stage}:done`) + n(`${stage}:failed`) + n(`${stage}:dropped`);
      const queued = stage === 'export' ? n('completed') : n(`${stage}:queued`);
      const activeImages = Math.min(active[stage] ?? 0, Math.max(0, queued - finished));
      return {
        stage,
        waiting: Math.max(0, queued - finished - activeImages),
        active: activeImages,
        done: n(`${stage}:done`),
        failed: n(`${stage}:failed`),
        reused: n(`${stage}:reused`),
        imagesPerSecond: rates[stage] ?? 0,
      };
    });
    const status = fields.status as RunStatus;
    const terminal = n('completed') + n('failed') + n('duplicates') + n('filtered');
    const lastImageStage = meta.path[meta.path.length - 2]!;
    const rate = rates[lastImageStage] ?? 0;
    const state: RunState = {
      id: meta.id,
      tenant: meta.tenant,
      status,
      createdAt: meta.createdAt,
      updatedAt: new Date(n('updatedAt') || Date.parse(meta.createdAt)).toISOString(),
      source: meta.source,
      options: meta.options,
      totals: {
        inputs: n('inputs'),
        images: n('images'),
        duplicates: n('duplicates'),
        completed: n('completed'),
        failed: n('failed'),
        qaPairs: n('qaPairs'),
        filtered: n('filtered'),
      },
      stages,
    };
    if (fields.error) state.error = fields.error;
    if ((status === 'running' || status === 'pending') && fields.listed === '1' && rate > 0) {
      state.etaSeconds = Math.round(Math.max(0, n('inputs') - terminal) / rate);
    }
    return state;
  }

  /** Images per second per stage over the last RATE_WINDOW_MS (this process's samples), else since the stage started. */
  private rates(runId: string, path: StageName[], fields: Record<string, string>, now: number): Partial<Record<StageName, number>> {
    const done: Partial<Record<StageName, number>> = {};
    for (const stage of path) {
      done[stage] = ['done', 'failed', 'dropped'].reduce((sum, c) => sum + Number(fields[`${stage}:${c}`] ?? 0), 0) - Number(fields[`${stage}:reused`] ?? 0);
    }
    const samples = this.rateSamples.get(runId) ?? [];
    samples.push({ at: now, done });
    while (samples.length > 2 && now - samples[0]!.at > RATE_WINDOW_MS) samples.shift();
    this.rateSamples.set(runId, samples);
    if (this.rateSamples.size > 1000) this.rateSamples.delete(this.rateSamples.keys().next().value!);
    const oldest = samples[0]!;
    const out: Partial<Record<StageName, number>> = {};
    for (const stage of path) {
      const first = Number(fields[`${stage}:first`] ?? 0);
      const last = Number(fields[`${stage}:last`] ?? 0);
      const span = (now - oldest.at) / 1000;
      if (span >= 2) {
        out[stage] = Math.max(0, ((done[stage] ?? 0) - (oldest.done[stage] ?? 0)) / span);
      } else if (last - first >= 1000) {
        out[stage] = (done[stage] ?? 0) / ((last - first) / 1000);
      }
    }
    return out;
  }

  async listRuns(query: { tenant?: string; limit: number; cursor?: string }): Promise<{ runs: RunState[]; next?: string }> {
    const offset = query.cursor ? Number(query.cursor) : 0;
    if (!Number.isInteger(offset) || offset < 0) throw new InputError(`cursor ${JSON.stringify(query.cursor)} is not valid`, 'invalid-cursor', undefined, 'cursor');
    const { ids, total } = await this.state.listRunIds(query.tenant, offset, query.limit);
    const runs = (await Promise.all(ids.map((id) => this.getRun(id)))).filter((r): r is RunState => r !== undefined);
    return offset + ids.length < total ? { runs, next: String(offset + ids.length) } : { runs };
  }

  async cancelRun(runId: string): Promise<void> {
    if (await this.state.setStatus(runId, 'cancelled', { from: ['pending', 'running', 'exporting'] })) {
      metrics.runsFinished.inc({ outcome: 'cancelled' });
    }
    this.runReads.delete(runId);
  }

  async retryFailed(runId: string): Promise<number> {
    const meta = await this.state.meta(runId);
    if (!meta) return 0;
    const status = await this.state.status(runId);
    if (status === 'cancelled') return 0;
    const retried = await this.state.retryFailed(runId, meta.path);
    this.runReads.delete(runId);
    const generation = await this.state.exportGeneration(runId);
    const byStage = new Map<StageName, typeof retried>();
    for (const r of retried) byStage.set(r.stage, [...(byStage.get(r.stage) ?? []), r]);
    const { batchSize } = meta.options;
    for (const [stage, images] of byStage) {
      if (stage === 'ingest') {
        const items = await this.listedItems(meta, images.map((r) => r.inputIndex));
        for (let i = 0; i < items.length; i += batchSize) {
          const batch = `r${generation}i${i / batchSize}`;
          await putJson(this.options.store, storeKeys.runInputs(runId, batch), items.slice(i, i + batchSize));
          await this.options.queues.addBatch('ingest', { runId, batch });
        }
      } else {
        const batches = [];
        for (let i = 0; i < images.length; i += batchSize) {
          batches.push({ runId, batch: `r${generation}s${i / batchSize}`, images: images.slice(i, i + batchSize).map((r) => r.imageId) });
        }
        await this.options.queues.addBatches(stage, batches);
      }
    }
    if (await this.state.isComplete(runId)) await finishRun(this.state, this.options.queues, runId);
    return retried.length;
  }

  /** The stored source items at these listing positions (from the run's ingest batch files). */
  private async listedItems(meta: RunMeta, indexes: number[]): Promise<ListedItem[]> {
    const wanted = new Set(indexes);
    const out: ListedItem[] = [];
    for (const batchIndex of new Set(indexes.map((i) => Math.floor(i / meta.options.batchSize)))) {
      const items = (await getJsonOptional<ListedItem[]>(this.options.store, storeKeys.runInputs(meta.id, `b${batchIndex}`))) ?? [];
      out.push(...items.filter((item) => wanted.has(item.index)));
    }
    return out.sort((a, b) => a.index - b.index);
  }

  async failures(runId: string, page: { limit: number; offset: number }): Promise<ImageFailure[]> {
    return (await this.state.failures(runId, page.offset, page.limit)).map(({ inputIndex: _, ...failure }) => failure);
  }

  async samples(runId: string, page: { limit: number; offset: number }): Promise<SampleRef[]> {
    const meta = await this.state.meta(runId);
    if (!meta) return [];
    const lastIndex = lastImageStageIndex(meta);
    const ids = await this.state.scanImages(runId, (s) => s.stageIndex === lastIndex && s.state === 'd', page.limit, page.offset);
    return Promise.all(ids.map((imageId) => this.sampleRef(meta, imageId)));
  }

  async sample(runId: string, imageId: string): Promise<SampleRef | undefined> {
    const meta = await this.state.meta(runId);
    if (!meta) return undefined;
    const [state] = await this.state.imageStates(runId, [imageId]);
    if (!state || state.state !== 'd' || state.stageIndex !== lastImageStageIndex(meta)) return undefined;
    return this.sampleRef(meta, imageId);
  }

  /** Store keys of a processed image's outputs. */
  private async sampleRef(meta: RunMeta, imageId: string): Promise<SampleRef> {
    const key = (stage: StageName) => storeKeys.stageOutput(stage, meta.digests[stage]!, imageId);
    const frame = await getJsonOptional<IngestedFrame>(this.options.store, key('ingest'));
    const depth = meta.path.includes('depth') ? await getJsonOptional<DepthOutput>(this.options.store, key('depth')) : undefined;
    const depthKey = depth?.depth.uri ?? frame?.depth?.uri;
    return {
      imageId,
      input: frame?.input ?? imageId,
      imageKey: frame?.image ?? '',
      sceneKey: key('lift'),
      qaKey: key('synthesize'),
      ...(depthKey ? { depthKey } : {}),
    };
  }

  async dataset(runId: string): Promise<DatasetInfo | undefined> {
    return getJsonOptional<DatasetInfo>(this.options.store, storeKeys.datasetInfo(runId));
  }

  async workers(): Promise<WorkerInfo[]> {
    return this.options.workerRegistry.live(this.options.heartbeatMs * 3);
  }
}

/** Index in STAGES of the run's last per-image stage (the one before export): an image done there is processed. */
function lastImageStageIndex(meta: RunMeta): number {
  return STAGES.indexOf(meta.path[meta.path.length - 2]!);
}

function newRunId(): string {
  return `run-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

async function* prependGenerator<T>(first: T, rest: AsyncIterator<T>): AsyncGenerator<T> {
  yield first;
  for (let next = await rest.next(); !next.done; next = await rest.next()) yield next.value;
}

function prepend<T>(first: T, rest: AsyncIterator<T>): AsyncIterator<T> {
  return prependGenerator(first, rest);
}

/** A source item as JSON: a listing error (an InputError) keeps its code and message. */
function storableItem(item: IngestItem): IngestItem {
  const error = item.error as (Error & { code?: string }) | undefined;
  if (!(error instanceof Error)) return item;
  return { ...item, error: { code: error.code ?? 'bad-input', message: error.message } };
}
