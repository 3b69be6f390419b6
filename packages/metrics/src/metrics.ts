/**
 * Every Prometheus metric spatialforge exports, defined here and nowhere else (the service, the
 * Grafana dashboard, the alert rules and the k8s manifests read these names). DESIGN.md's rules: prefix
 * `spatialforge_`, base units (seconds, bytes), counters end in `_total`, and labels from a small fixed
 * set — never a run, image or tenant id.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const METRIC_PREFIX = 'spatialforge_';

/** The label names metrics may carry. `type` (a QA catalog type, ~40 values) is the one addition to DESIGN.md's four. */
export const METRIC_LABELS = ['stage', 'queue', 'model', 'outcome', 'state', 'type'] as const;

export const METRIC_NAMES = {
  /** Images (inputs, for ingest) a stage finished, by outcome: done, reused (from the stage cache), failed, dropped (filtered out), duplicate. */
  imagesProcessed: 'spatialforge_images_processed_total',
  /** Seconds one image spent in a stage's handler (cache hits excluded). */
  stageDuration: 'spatialforge_stage_duration_seconds',
  /** Seconds one model inference took. */
  modelDuration: 'spatialforge_model_duration_seconds',
  /** Jobs in each stage queue, by BullMQ state (waiting, prioritized, delayed, active, failed). */
  queueJobs: 'spatialforge_queue_jobs',
  /** Images per batch job a worker took. */
  batchSize: 'spatialforge_batch_size_images',
  /** QA pairs generated, by catalog type. */
  qaGenerated: 'spatialforge_qa_generated_total',
  /** Share of a worker's batch slots busy over the last 30 s, per stage (0-1). */
  workerBusyRatio: 'spatialforge_worker_busy_ratio',
  /** Object-store operations that failed (after the client's own retries), per stage. */
  storageErrors: 'spatialforge_storage_errors_total',
  /** Redis errors seen by connections of this process. */
  redisErrors: 'spatialforge_redis_errors_total',
  /** Workers with a recent heartbeat, per stage they serve. */
  workers: 'spatialforge_workers',
  /** Runs that reached a final state, by outcome: completed, failed, cancelled. */
  runsFinished: 'spatialforge_runs_finished_total',
  /** Batch jobs finished, by stage and outcome: completed, retried (a transient error), dropped (run cancelled). */
  batches: 'spatialforge_batches_total',
} as const;

export const metricsRegistry = new Registry();

const STAGE_SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export const metrics = {
  imagesProcessed: new Counter({
    name: METRIC_NAMES.imagesProcessed,
    help: 'Images a stage finished, by outcome (done, reused, failed, dropped, duplicate)',
    labelNames: ['stage', 'outcome'] as const,
    registers: [metricsRegistry],
  }),
  stageDuration: new Histogram({
    name: METRIC_NAMES.stageDuration,
    help: "Seconds one image spent in a stage's handler (cache hits excluded)",
    labelNames: ['stage'] as const,
    buckets: STAGE_SECONDS_BUCKETS,
    registers: [metricsRegistry],
  }),
  modelDuration: new Histogram({
    name: METRIC_NAMES.modelDuration,
    help: 'Seconds one model inference took',
    labelNames: ['stage', 'model'] as const,
    buckets: STAGE_SECONDS_BUCKETS,
    registers: [metricsRegistry],
  }),
  queueJobs: new Gauge({
    name: METRIC_NAMES.queueJobs,
    help: 'Jobs in each stage queue by state',
    labelNames: ['queue', 'state'] as const,
    registers: [metricsRegistry],
    async collect() {
      if (!queueDepthSource) return;
      this.reset();
      for (const { queue, state, jobs } of await queueDepthSource()) this.set({ queue, state }, jobs);
    },
  }),
  batchSize: new Histogram({
    name: METRIC_NAMES.batchSize,
    help: 'Images per batch job a worker took',
    labelNames: ['stage'] as const,
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024],
    registers: [metricsRegistry],
  }),
  qaGenerated: new Counter({
    name: METRIC_NAMES.qaGenerated,
    help: 'QA pairs generated, by catalog type',
    labelNames: ['type'] as const,
    registers: [metricsRegistry],
  }),
  workerBusyRatio: new Gauge({
    name: METRIC_NAMES.workerBusyRatio,
    help: "Share of this worker's batch slots busy over the last 30 s, per stage",
    labelNames: ['stage'] as const,
    registers: [metricsRegistry],
  }),
  storageErrors: new Counter({
    name: METRIC_NAMES.storageErrors,
    help: 'Object-store operations that failed after retries, per stage',
    labelNames: ['stage'] as const,
    registers: [metricsRegistry],
  }),
  redisErrors: new Counter({
    name: METRIC_NAMES.redisErrors,
    help: 'Redis connection and command errors seen by this process',
    registers: [metricsRegistry],
  }),
  workers: new Gauge({
    name: METRIC_NAMES.workers,
    help: 'Workers with a recent heartbeat, per stage they serve',
    labelNames: ['stage'] as const,
    registers: [metricsRegistry],
    async collect() {
      if (!workersSource) return;
      this.reset();
      for (const { stage, workers } of await workersSource()) this.set({ stage }, workers);
    },
  }),
  runsFinished: new Counter({
    name: METRIC_NAMES.runsFinished,
    help: 'Runs that reached a final state, by outcome (completed, failed, cancelled)',
    labelNames: ['outcome'] as const,
    registers: [metricsRegistry],
  }),
  batches: new Counter({
    name: METRIC_NAMES.batches,
    help: 'Batch jobs finished, by stage and outcome (completed, retried, dropped)',
    labelNames: ['stage', 'outcome'] as const,
    registers: [metricsRegistry],
  }),
};

export interface QueueDepth {
  queue: string;
  state: string;
  jobs: number;
}

let queueDepthSource: (() => Promise<QueueDepth[]>) | undefined;
let workersSource: (() => Promise<{ stage: string; workers: number }[]>) | undefined;

/** Where the queue-depth gauge reads from on each scrape (the process holding the queues sets it). */
export function setQueueDepthSource(source: (() => Promise<QueueDepth[]>) | undefined): void {
  queueDepthSource = source;
}

/** Where the workers gauge reads from on each scrape (the coordinator sets it from heartbeats). */
export function setWorkersSource(source: (() => Promise<{ stage: string; workers: number }[]>) | undefined): void {
  workersSource = source;
}

let defaultsEnabled = false;

/**
 * prom-client defaults that are gauges named `_total` (promtool rejects them; the counts they carry are
 * in `nodejs_active_handles` and `nodejs_active_resources` without the suffix).
 */
const MISNAMED_DEFAULTS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

/** Process metrics (CPU, memory, event-loop lag, GC), prefixed `spatialforge_`. Idempotent. */
export function enableDefaultMetrics(): void {
  if (defaultsEnabled) return;
  defaultsEnabled = true;
  collectDefaultMetrics({ register: metricsRegistry, prefix: METRIC_PREFIX });
  for (const name of MISNAMED_DEFAULTS) metricsRegistry.removeSingleMetric(`${METRIC_PREFIX}${name}`);
}

/** The Prometheus text exposition of every metric. */
export async function metricsText(): Promise<{ contentType: string; body: string }> {
  return { contentType: metricsRegistry.contentType, body: await metricsRegistry.metrics() };
}
