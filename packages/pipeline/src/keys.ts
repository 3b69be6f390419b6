/**
 * Where everything lives: object-store keys and Redis keys, each spelled here and nowhere else.
 *
 * Store layout (relative to the OUTPUT root):
 *   images/<imageId>.<ext>                             normalised image (content addressed)
 *   cache/<stage>/<digest>/<imageId>.json              a stage's output for an image
 *   cache/<stage>/<digest>/<imageId>/<name>            binary artefacts beside it (depth map, masks)
 *   cache/ingest/<digest>/inputs/<inputHash>.json      which image an input normalised to
 *   cache/rephrase/<imageId>/rephrase-<model>.jsonl    LLM rephrasing verdicts (local stores; see synthesize)
 *   runs/<runId>/inputs/<batch>.json                   the source items of one ingest batch
 *   runs/<runId>/dataset/<path>                        the exported dataset
 *   runs/<runId>/dataset.json                          its file list (DatasetInfo)
 * `digest` hashes the stage's code (code-digest.ts), model and settings with the digests of the stages before it, so a
 * change re-runs that stage and those after it, and nothing before.
 */
import type { StageName } from '@spatialforge/core';

export const storeKeys = {
  /** `extension` without the dot, from the normalised encoding (ingest writes JPEG). */
  image: (imageId: string, extension: string) => `images/${imageId}.${extension}`,
  stageOutput: (stage: StageName, digest: string, imageId: string) => `cache/${stage}/${digest}/${imageId}.json`,
  stageArtefact: (stage: StageName, digest: string, imageId: string, name: string) => `cache/${stage}/${digest}/${imageId}/${name}`,
  ingestedInput: (digest: string, inputHash: string) => `cache/ingest/${digest}/inputs/${inputHash}.json`,
  runInputs: (runId: string, batch: string) => `runs/${runId}/inputs/${batch}.json`,
  runInputsPrefix: (runId: string) => `runs/${runId}/inputs/`,
  datasetPrefix: (runId: string) => `runs/${runId}/dataset/`,
  datasetFile: (runId: string, path: string) => `runs/${runId}/dataset/${path}`,
  datasetInfo: (runId: string) => `runs/${runId}/dataset.json`,
  /** Folder of an image's rephrasing verdicts (one JSONL per language model; local stores only). */
  rephraseCache: (imageId: string) => `cache/rephrase/${imageId}`,
};

/**
 * Redis keys besides BullMQ's own (`<prefix>:<queue>:…`). Per run: one hash of state and counters, one
 * hash of image states, one bitmap of recorded inputs, one list of failures, one hash of active
 * batches and, while its source is being listed, a lease: at most six keys whatever its size.
 */
export function redisKeys(prefix: string) {
  return {
    /** Sorted set of run ids by creation time (ms). */
    runs: `${prefix}:runs`,
    tenantRuns: (tenant: string) => `${prefix}:runs:tenant:${tenant}`,
    run: (runId: string) => `${prefix}:run:${runId}`,
    images: (runId: string) => `${prefix}:run:${runId}:images`,
    seenInputs: (runId: string) => `${prefix}:run:${runId}:seen`,
    failures: (runId: string) => `${prefix}:run:${runId}:failures`,
    activeBatches: (runId: string) => `${prefix}:run:${runId}:active`,
    /** Lease of the coordinator listing the run's source (expires when that coordinator dies). */
    listingLease: (runId: string) => `${prefix}:run:${runId}:listing`,
    /** Hash of worker id → heartbeat JSON. */
    workers: `${prefix}:workers`,
  };
}

export type RedisKeys = ReturnType<typeof redisKeys>;

/** BullMQ job ids (no ':' allowed): one per (run, stage, batch), so a re-sent hand-off is a no-op. */
export const jobIds = {
  batch: (runId: string, stage: StageName, batch: string) => `${runId}.${stage}.${batch}`,
  export: (runId: string, generation: number) => `${runId}.export.${generation}`,
};
