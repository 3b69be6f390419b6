/** Settings of the pipeline, the workers and the embedded commands (declared through the core registry). */
import { numberSetting, stringSetting } from '@spatialforge/core';
import { availableParallelism } from 'node:os';

export const outputSetting = stringSetting(
  'OUTPUT',
  'Object store for images, stage outputs and datasets: a folder path or s3://bucket/prefix (distributed mode needs s3://)',
);

export const batchSizeSetting = numberSetting('BATCH_SIZE', 'Images per batch job', 16, { min: 1, max: 1024, integer: true });

export const maxSideSetting = numberSetting('MAX_SIDE', 'Longest image side after ingest, pixels', 1024, { min: 32, max: 8192, integer: true });

export const workerConcurrencySetting = numberSetting(
  'WORKER_CONCURRENCY',
  'Batch jobs a worker runs at once, per stage',
  2,
  { min: 1, max: 256, integer: true },
);

export const workerThreadsSetting = numberSetting(
  'WORKER_THREADS',
  'Worker threads for CPU-heavy stages (lift, synthesize) in one worker process; 0 means one per core',
  0,
  { min: 0, max: 256, integer: true },
);

export const workerPortSetting = numberSetting(
  'WORKER_PORT',
  'Port of the worker health and metrics endpoint (/healthz, /readyz, /metrics); 0 picks a free port',
  9464,
  { min: 0, max: 65535, integer: true },
);

export const workerStagesSetting = stringSetting(
  'WORKER_STAGES',
  'Comma-separated stages a worker serves when --stages is not given (all stages when empty)',
);

export const stageAttemptsSetting = numberSetting(
  'STAGE_ATTEMPTS',
  'Attempts per batch job before images that keep failing transiently are marked failed',
  5,
  { min: 1, max: 50, integer: true },
);

export const lockSecondsSetting = numberSetting(
  'WORKER_LOCK_SECONDS',
  "Seconds a batch job's lock lives without renewal: a killed worker's batch is retried after about 1.5 times this",
  30,
  { min: 2, max: 3600 },
);

export const heartbeatSecondsSetting = numberSetting(
  'WORKER_HEARTBEAT_SECONDS',
  'Seconds between worker heartbeats (a worker missing three is no longer listed)',
  5,
  { min: 1, max: 300 },
);

/** Threads for CPU-heavy stages, resolved from WORKER_THREADS. */
export function workerThreads(env?: Record<string, string | undefined>): number {
  return workerThreadsSetting.read(env) || availableParallelism();
}
