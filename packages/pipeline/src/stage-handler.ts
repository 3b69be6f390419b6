/**
 * What a stage handler implements. The stage registry names one handler module per stage; workers load
 * it, call `load()` before reporting ready, and call `run` once per image (per input for ingest, per
 * run for export). The runtime around a handler does the rest: it checks the stage cache, stores the
 * returned output at the stage's content-addressed key, records the image's status, and hands the
 * image on. A handler throws `InputError` for a bad image (marked failed with its code, never retried);
 * anything else it throws is treated as transient and retried with backoff.
 */
import type { DatasetInfo, FrameManifest, FrameObject, DepthRef, Intrinsics, IntrinsicsSource, RunOptions, StageName } from '@spatialforge/core';
import type { ObjectStore } from '@spatialforge/storage';

/**
 * The ingest stage's output: the normalised frame. Every path in it (`image`, `depth.uri`, object
 * `mask`s) is a key in the object store; depth, masks and intrinsics are aligned with the stored image.
 */
export interface IngestedFrame extends FrameManifest {
  imageId: string;
  /** What the user gave: a path, URI or manifest line. */
  input: string;
  /** Size of the normalised image, pixels. */
  width: number;
  height: number;
  /** Where `intrinsics` came from, when present (provided by the source, or EXIF). */
  intrinsicsSource?: IntrinsicsSource;
}

/** The filter stage's output. */
export interface FilterOutput {
  keep: boolean;
  /** Why, for people: "no filter model configured", "close-up (0.81)". */
  reason: string;
  /** Model score for the kept class, when a model decided. */
  score?: number;
  /** The model that decided, or "none". */
  model: string;
}

/** The detect and segment stages' output: the objects to lift (boxes, or masks stored as artefacts). */
export interface ObjectsOutput {
  objects: FrameObject[];
  /** "provided" when they came from the source, otherwise the model name. */
  source: string;
}

/** The depth stage's output: metric depth aligned with the image, and the intrinsics to lift with. */
export interface DepthOutput {
  /** `uri` is a store key. */
  depth: DepthRef;
  intrinsics?: Intrinsics;
  intrinsicsSource?: IntrinsicsSource;
  /** "provided" when the depth came from the source, otherwise the model name. */
  source: string;
}

/** What the runtime needs to know about an output besides storing it. */
export interface OutputSummary {
  /** Set when the image should go no further (a filter rejected it): the reason. */
  dropReason?: string;
  /** QA records produced, by catalog type (synthesize). */
  qaByType?: Record<string, number>;
}

/** One image at one stage. */
export interface ImageStageContext {
  readonly stage: StageName;
  readonly imageId: string;
  readonly options: RunOptions;
  readonly store: ObjectStore;
  /** The ingested frame (store keys for image, depth, masks). */
  frame(): Promise<IngestedFrame>;
  /** An earlier stage's output for this image; undefined when that stage is not part of the run. */
  output<T>(stage: StageName): Promise<T | undefined>;
  /** Stores a binary artefact (a depth map, a mask) beside this stage's output; returns its store key. */
  putArtefact(name: string, bytes: Uint8Array, contentType?: string): Promise<string>;
}

interface HandlerBase {
  /**
   * Everything besides its inputs and its code that changes this stage's output: the model and its
   * digest, the settings it reads from RunOptions. Hashed with the stage's code digest (the registry
   * derives it from the source, see code-digest.ts) and the earlier stages' digests into the cache key,
   * so the same identity on the same image with the same code reuses the stored output.
   */
  identity(options: RunOptions): unknown;
  /** Loads models and anything slow, once per process, before the worker reports ready. */
  load?(): Promise<void>;
}

export interface ImageStageHandler<Output = unknown> extends HandlerBase {
  readonly kind: 'image';
  run(ctx: ImageStageContext): Promise<Output>;
  summarize?(output: Output): OutputSummary;
}

/** One listed source item (see @spatialforge/ingest's SourceItem). */
export interface IngestItem {
  /** What the user gave: a path, URI or manifest line. */
  input: string;
  [field: string]: unknown;
}

export interface IngestContext {
  readonly options: RunOptions;
  readonly store: ObjectStore;
  /** This run's ingest digest (for the stage's store keys). */
  readonly digest: string;
}

export interface IngestResult {
  imageId: string;
  /** True when the input had been ingested with the same settings before and nothing was recomputed. */
  reused: boolean;
}

export interface IngestStageHandler extends HandlerBase {
  readonly kind: 'input';
  /** Normalises one input and stores the image and its `IngestedFrame` output; returns the image id. */
  run(item: IngestItem, ctx: IngestContext): Promise<IngestResult>;
}

export interface RunStageContext {
  readonly runId: string;
  readonly options: RunOptions;
  readonly store: ObjectStore;
  /** Images that completed every stage, in image-id order. */
  completedImages(): Promise<string[]>;
  /** Store key of a stage's output for an image in this run. */
  outputKey(stage: StageName, imageId: string): string;
  /** Reports images exported so far (progress counters). */
  progress(done: number): Promise<void>;
}

export interface RunStageHandler extends HandlerBase {
  readonly kind: 'run';
  run(ctx: RunStageContext): Promise<DatasetInfo>;
}

export type StageHandler = ImageStageHandler<any> | IngestStageHandler | RunStageHandler;

/** What every handler module exports. */
export interface StageHandlerModule {
  handler: StageHandler;
}
