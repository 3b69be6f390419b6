/**
 * Runs one unit of work through one stage handler with the stage cache around it: an output already
 * stored under the stage's content-addressed key is reused, otherwise the handler runs and its output
 * is written there (a retry overwrites the same key). Used by workers on their main thread and inside
 * the CPU worker threads alike.
 */
import { stableHash, type RunOptions, type StageName } from '@spatialforge/core';
import { getCachedJson, getJson, putJson, type ObjectStore } from '@spatialforge/storage';
import { storeKeys } from './keys.js';
import type {
  ImageStageContext, ImageStageHandler, IngestedFrame, IngestItem, IngestResult, IngestStageHandler, OutputSummary, StageHandler,
} from './stage-handler.js';
import type { StageRegistry } from './stage-registry.js';

/** What a stage needs to know about the run it works for. */
export interface RunContext {
  runId: string;
  options: RunOptions;
  path: StageName[];
  digests: Partial<Record<StageName, string>>;
}

export interface ImageStageResult extends OutputSummary {
  reused: boolean;
  /** Seconds the handler ran (0 when the output was reused). */
  seconds: number;
}

export async function runImageStage(
  handler: ImageStageHandler,
  stage: StageName,
  imageId: string,
  run: RunContext,
  store: ObjectStore,
): Promise<ImageStageResult> {
  const digest = digestOf(run, stage);
  const key = storeKeys.stageOutput(stage, digest, imageId);
  // A stored output is reused only when it reads back whole (see getCachedJson).
  const cached = await getCachedJson<unknown>(store, key);
  if (cached !== undefined) return { reused: true, seconds: 0, ...handler.summarize?.(cached) };
  const started = performance.now();
  const output = await handler.run(imageContext(stage, imageId, run, store));
  const seconds = (performance.now() - started) / 1000;
  await putJson(store, key, output);
  return { reused: false, seconds, ...handler.summarize?.(output) };
}

export async function runIngest(handler: IngestStageHandler, item: IngestItem, run: RunContext, store: ObjectStore): Promise<IngestResult> {
  return handler.run(item, { options: run.options, store, digest: digestOf(run, 'ingest') });
}

export function imageContext(stage: StageName, imageId: string, run: RunContext, store: ObjectStore): ImageStageContext {
  let frame: Promise<IngestedFrame> | undefined;
  return {
    stage,
    imageId,
    options: run.options,
    store,
    frame: () => (frame ??= getJson<IngestedFrame>(store, storeKeys.stageOutput('ingest', digestOf(run, 'ingest'), imageId))),
    async output<T>(earlier: StageName) {
      if (!run.path.includes(earlier)) return undefined;
      return getJson<T>(store, storeKeys.stageOutput(earlier, digestOf(run, earlier), imageId));
    },
    async putArtefact(name, bytes, contentType) {
      const key = storeKeys.stageArtefact(stage, digestOf(run, stage), imageId, name);
      await store.put(key, bytes, { contentType });
      return key;
    },
  };
}

function digestOf(run: RunContext, stage: StageName): string {
  const digest = run.digests[stage];
  if (!digest) throw new Error(`run ${run.runId} has no digest for stage ${stage}`);
  return digest;
}

/**
 * Cache digests of a run's stages: each hashes the stage's code digest (what its source is), its
 * identity (model, settings) and the digest of the stage before it, so changing one stage's code or
 * settings re-runs it and what follows.
 */
export async function stageDigests(registry: StageRegistry, options: RunOptions, path: StageName[]): Promise<Partial<Record<StageName, string>>> {
  const digests: Partial<Record<StageName, string>> = {};
  let upstream = '';
  for (const stage of path) {
    const handler: StageHandler = await registry.handler(stage);
    upstream = stableHash({ stage, code: await registry.codeDigest(stage), identity: handler.identity(options), upstream });
    digests[stage] = upstream;
  }
  return digests;
}
