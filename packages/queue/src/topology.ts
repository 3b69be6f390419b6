/**
 * BullMQ queues and workers with spatialforge's retention and retry defaults. Queue *names* come from
 * the stage registry in @spatialforge/pipeline; this module only decides how a queue behaves, so that a
 * finished run leaves a bounded number of Redis keys whatever its size.
 */
import { Queue, Worker, type JobsOptions, type Processor, type WorkerOptions } from 'bullmq';
import type { Redis } from 'ioredis';

export interface QueueTopology {
  /** Shared connection for queues (workers open their own blocking connections from it). */
  connection: Redis;
  /** Key prefix (QUEUE_PREFIX). */
  prefix: string;
}

/** Completed jobs kept (per queue) for deduplication by job id and inspection; older ones are removed. */
export const COMPLETED_JOBS_KEPT = { count: 100, age: 3600 };
/** Failed jobs kept for inspection. */
export const FAILED_JOBS_KEPT = { count: 1000, age: 7 * 24 * 3600 };
/** Approximate length of each queue's event stream. */
export const EVENT_STREAM_LENGTH = 1000;

export interface JobRetryOptions {
  /** Attempts per job, the first included. @defaultValue 5 */
  attempts?: number;
  /** First retry delay, milliseconds; doubles each attempt. @defaultValue 1000 */
  backoffMs?: number;
}

export function defaultJobOptions({ attempts = 5, backoffMs = 1000 }: JobRetryOptions = {}): JobsOptions {
  return {
    attempts,
    backoff: { type: 'exponential', delay: backoffMs },
    removeOnComplete: COMPLETED_JOBS_KEPT,
    removeOnFail: FAILED_JOBS_KEPT,
  };
}

export function createQueue<Data>(topology: QueueTopology, name: string, retry?: JobRetryOptions): Queue<Data> {
  return new Queue<Data>(name, {
    connection: topology.connection,
    prefix: topology.prefix,
    defaultJobOptions: defaultJobOptions(retry),
    streams: { events: { maxLen: EVENT_STREAM_LENGTH } },
  });
}

export interface WorkerTuning {
  concurrency: number;
  /** How long a job's lock lives without renewal, ms; a killed worker's jobs are retried after about this long. */
  lockDurationMs: number;
  /** Stalls tolerated before a job is failed (each SIGKILL of a worker is one stall). @defaultValue 10 */
  maxStalledCount?: number;
}

export function createWorker<Data, Result>(
  topology: QueueTopology,
  name: string,
  processor: Processor<Data, Result>,
  tuning: WorkerTuning,
  extra: Partial<WorkerOptions> = {},
): Worker<Data, Result> {
  return new Worker<Data, Result>(name, processor, {
    connection: topology.connection,
    prefix: topology.prefix,
    concurrency: tuning.concurrency,
    lockDuration: tuning.lockDurationMs,
    stalledInterval: Math.max(1000, Math.round(tuning.lockDurationMs / 2)),
    maxStalledCount: tuning.maxStalledCount ?? 10,
    removeOnComplete: COMPLETED_JOBS_KEPT,
    removeOnFail: FAILED_JOBS_KEPT,
    ...extra,
  });
}
