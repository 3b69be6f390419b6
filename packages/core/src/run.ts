/**
 * Runs: what a user submits and what the coordinator reports. The pipeline implements `Coordinator`;
 * the service, the CLI and the dashboard read it. Stage names are spelled here and nowhere else.
 */
import { InputError } from './errors.js';
import type { QAOptions, Units } from './qa.js';

/** Pipeline stages in order (DESIGN.md). The stage registry in @spatialforge/pipeline maps each to its handler. */
export const STAGES = ['ingest', 'filter', 'detect', 'segment', 'depth', 'lift', 'synthesize', 'export'] as const;
export type StageName = (typeof STAGES)[number];

export function isStageName(value: string): value is StageName {
  return (STAGES as readonly string[]).includes(value);
}

/** Dataset formats: HF Parquet, QA JSONL, LLaVA JSON, chat `messages` JSONL, WebDataset tar shards. */
export const EXPORT_FORMATS = ['parquet', 'jsonl', 'llava', 'messages', 'webdataset'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** How big a WebDataset shard grows before the next one starts: a number of images, or megabytes (10^6 bytes) of tar. */
export type ShardSize = { samples: number } | { megabytes: number };

/** Most images or megabytes in one shard: beyond these a shard is no longer a unit one reader streams. */
const SHARD_LIMITS = { samples: 1_000_000, megabytes: 100_000 } as const;

/** Returns `size` when it is a valid ShardSize, else throws an InputError naming `field`. */
export function checkShardSize(size: unknown, field: string): ShardSize {
  const keys = typeof size === 'object' && size !== null ? Object.keys(size) : [];
  const unit = keys.length === 1 && (keys[0] === 'samples' || keys[0] === 'megabytes') ? keys[0] : undefined;
  if (!unit) throw new InputError(`${field} must be { samples: N } or { megabytes: N }, got ${JSON.stringify(size)}`, 'invalid-option', undefined, field);
  const value = (size as Record<string, unknown>)[unit];
  const whole = unit === 'samples';
  if (typeof value !== 'number' || !(value > 0 && value <= SHARD_LIMITS[unit]) || (whole && !Number.isInteger(value))) {
    throw new InputError(
      `${field} ${unit}=${JSON.stringify(value)} is not valid: expected ${whole ? 'a whole number of images' : 'megabytes'} above 0, at most ${SHARD_LIMITS[unit]}`,
      'invalid-option',
      undefined,
      field,
    );
  }
  return size as ShardSize;
}

export interface RunOptions {
  /** Images per batch job. */
  batchSize: number;
  /** Longest image side after ingest, pixels. */
  maxSide: number;
  /** Stages to run; perception stages left out use their fallback (provided boxes / depth). */
  stages: StageName[];
  /** Open-vocabulary detector prompts. */
  vocabulary?: string[];
  /** Model per stage slot, e.g. { detect: 'yolox-nano', segment: 'deeplabv3-mobilenet' }. */
  models?: Partial<Record<StageName, string>>;
  qa: Omit<QAOptions, 'units' | 'seed'>;
  units: Units;
  seed: number;
  formats: ExportFormat[];
  /** WebDataset shard size (only read when `formats` has webdataset). @defaultValue { samples: 1000 } */
  shardSize?: ShardSize;
  /** Field-of-view prior (degrees, horizontal) for images with no other intrinsics. */
  fovDegrees: number;
  /**
   * Rewrite the QA text through the language model named by LLM_ENDPOINT / LLM_MODEL, keeping only
   * rewrites that state the same fact (the template text stays otherwise). @defaultValue false
   */
  rephrase?: boolean;
}

/** Where a run's images come from. */
export type RunSource =
  /** A local folder, an `s3://bucket/prefix`, a `.jsonl` manifest path or an http(s) URL list file. */
  | { kind: 'uri'; uri: string }
  /** JSONL manifest text (uploaded): one image URI or frame manifest per line. */
  | { kind: 'jsonl'; text: string; baseUri?: string }
  /** URLs given inline. */
  | { kind: 'urls'; urls: string[] };

export interface RunRequest {
  source: RunSource;
  options?: Partial<RunOptions>;
  /** Owner tenant; undefined for local CLI runs. */
  tenant?: string;
}

export type RunStatus = 'pending' | 'running' | 'exporting' | 'completed' | 'failed' | 'cancelled';

export interface StageProgress {
  stage: StageName;
  /** Images waiting for this stage. */
  waiting: number;
  active: number;
  done: number;
  failed: number;
  /** Images whose output was reused from the stage cache. */
  reused: number;
  /** Recent throughput, images per second. */
  imagesPerSecond: number;
}

export interface ImageFailure {
  imageId: string;
  /** What the user gave (path, URI or manifest line). */
  input: string;
  stage: StageName;
  code: string;
  message: string;
  at: string;
}

export interface RunState {
  id: string;
  tenant?: string;
  status: RunStatus;
  createdAt: string;
  updatedAt: string;
  source: RunSource;
  options: RunOptions;
  totals: {
    /** Items listed from the source. */
    inputs: number;
    /** Unique images after content-hash dedupe. */
    images: number;
    duplicates: number;
    completed: number;
    failed: number;
    qaPairs: number;
    /** Images a filter stage dropped (not failures: they are not retried). */
    filtered?: number;
  };
  stages: StageProgress[];
  /** Seconds to completion at the current rate, when known. */
  etaSeconds?: number;
  /** Error that failed the whole run (a missing source, say); per-image errors are in failures. */
  error?: string;
}

export interface DatasetFile {
  /** Path inside the dataset, e.g. `data/train-00000-of-00001.parquet`. */
  path: string;
  bytes: number;
  /** Storage key, for streaming or presigning. */
  key: string;
}

export interface DatasetInfo {
  runId: string;
  files: DatasetFile[];
  records: number;
  qaPairs: number;
  /** The formats the dataset was written in. */
  formats?: ExportFormat[];
  /** QA pairs per category (qualitative, quantitative, reasoning) and per catalog type. */
  countsByCategory?: Record<string, number>;
  countsByType?: Record<string, number>;
}

export interface WorkerInfo {
  id: string;
  host: string;
  stages: StageName[];
  busy: boolean;
  lastHeartbeat: string;
}

/** One processed image, as the dashboard's sample viewer and the REST `samples` route show it. */
export interface SampleRef {
  imageId: string;
  input: string;
  /** Storage keys of the normalised image, the scene graph, the QA records and the depth map when present. */
  imageKey: string;
  sceneKey?: string;
  qaKey?: string;
  depthKey?: string;
}

export interface Coordinator {
  /**
   * Checks, before any work, that every stage can do its job for this input (the pipeline's preflight.ts):
   * returns the options to create the run with and what to tell the user; throws InputError when it cannot run.
   */
  preflight(request: RunRequest): Promise<{ options: RunOptions; notes: string[] }>;
  createRun(request: RunRequest): Promise<RunState>;
  getRun(runId: string): Promise<RunState | undefined>;
  listRuns(query: { tenant?: string; limit: number; cursor?: string }): Promise<{ runs: RunState[]; next?: string }>;
  cancelRun(runId: string): Promise<void>;
  /** Re-enqueues the failed images; returns how many. */
  retryFailed(runId: string): Promise<number>;
  failures(runId: string, page: { limit: number; offset: number }): Promise<ImageFailure[]>;
  samples(runId: string, page: { limit: number; offset: number }): Promise<SampleRef[]>;
  /** One processed image of the run, looked up directly; undefined when the run has not processed it (yet). */
  sample(runId: string, imageId: string): Promise<SampleRef | undefined>;
  dataset(runId: string): Promise<DatasetInfo | undefined>;
  workers(): Promise<WorkerInfo[]>;
}
