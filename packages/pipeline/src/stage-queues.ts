/** The stage queues of one Redis prefix, and the jobs that flow through them. */
import type { StageName } from '@spatialforge/core';
import type { QueueDepth } from '@spatialforge/metrics';
import { createQueue, type JobRetryOptions, type Queue, type QueueTopology } from '@spatialforge/queue';
import { jobIds } from './keys.js';
import type { StageRegistry } from './stage-registry.js';

/** An ingest batch: its source items are in the store at `storeKeys.runInputs(runId, batch)`. */
export interface IngestJob {
  runId: string;
  batch: string;
}

/** An image batch for one stage: image ids only, never pixels. */
export interface ImageBatchJob {
  runId: string;
  batch: string;
  images: string[];
}

/** Export a run's dataset; `generation` changes when failed images are retried after an export. */
export interface ExportJob {
  runId: string;
  generation: number;
}

export type StageJob = IngestJob | ImageBatchJob | ExportJob;

/** BullMQ states the queue-depth gauge reports. */
export const QUEUE_STATES = ['waiting', 'prioritized', 'delayed', 'active', 'failed'] as const;

export class StageQueues {
  private readonly queues = new Map<StageName, Queue<StageJob>>();

  constructor(
    private readonly topology: QueueTopology,
    private readonly registry: StageRegistry,
    private readonly retry: JobRetryOptions,
  ) {}

  queue(stage: StageName): Queue<StageJob> {
    let queue = this.queues.get(stage);
    if (!queue) {
      queue = createQueue<StageJob>(this.topology, this.registry.get(stage).queue, this.retry);
      queue.on('error', () => { /* counted by the connection's error handler */ });
      this.queues.set(stage, queue);
    }
    return queue;
  }

  /** Adds a batch job; the same (run, stage, batch) added twice is one job. */
  async addBatch(stage: StageName, data: IngestJob | ImageBatchJob): Promise<void> {
    await this.queue(stage).add(stage, data, { jobId: jobIds.batch(data.runId, stage, data.batch) });
  }

  /** Adds many batch jobs in one round trip. */
  async addBatches(stage: StageName, batches: (IngestJob | ImageBatchJob)[]): Promise<void> {
    if (batches.length === 0) return;
    await this.queue(stage).addBulk(batches.map((data) => ({ name: stage, data, opts: { jobId: jobIds.batch(data.runId, stage, data.batch) } })));
  }

  async addExport(runId: string, generation: number): Promise<void> {
    await this.queue('export').add('export', { runId, generation }, { jobId: jobIds.export(runId, generation) });
  }

  /** Job counts per queue and state, for the queue-depth gauge and the dashboard. */
  async depths(): Promise<QueueDepth[]> {
    const out: QueueDepth[] = [];
    for (const definition of this.registry.all()) {
      const counts = await this.queue(definition.stage).getJobCounts(...QUEUE_STATES);
      for (const state of QUEUE_STATES) out.push({ queue: definition.queue, state, jobs: counts[state] ?? 0 });
    }
    return out;
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    this.queues.clear();
  }
}
