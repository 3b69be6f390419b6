/**
 * `spatialforge inspect`: one image or frame through ingest, the perception stages and lift, in
 * memory of a temporary store (no Redis), drawn as the overlay picture.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError, type QARecord, type RunOptions, type SceneGraph } from '@spatialforge/core';
import { listSource } from '@spatialforge/ingest';
import { renderScenePicture } from '@spatialforge/scene';
import { LocalStore, getJson } from '@spatialforge/storage';
import { storeKeys } from './keys.js';
import { resolveRunOptions } from './run-options.js';
import type { ImageStageHandler, IngestItem, IngestStageHandler } from './stage-handler.js';
import { stageRegistry } from './stage-registry.js';
import { imageContext, runImageStage, runIngest, stageDigests, type RunContext } from './stage-runner.js';
import { frameToLift } from './stages/lift.js';

export interface Inspection {
  imageId: string;
  scene: SceneGraph;
  qa: QARecord[];
  /** The overlay picture, PNG. */
  picture: Buffer;
}

export async function inspectInput(input: string, partial: Partial<RunOptions> = {}): Promise<Inspection> {
  const options = resolveRunOptions(partial);
  let item: IngestItem | undefined;
  for await (const listed of listSource({ kind: 'uri', uri: input })) {
    item = listed;
    break;
  }
  if (!item) throw new InputError(`${input}: nothing to inspect`, 'source-empty', input);
  if (item.error) throw item.error;
  const folder = await mkdtemp(join(tmpdir(), 'spatialforge-inspect-'));
  try {
    const store = new LocalStore(folder);
    const path = stageRegistry.path(options);
    const run: RunContext = { runId: 'inspect', options, path, digests: await stageDigests(stageRegistry, options, path) };
    const { imageId } = await runIngest((await stageRegistry.handler('ingest')) as IngestStageHandler, item, run, store);
    for (const stage of path.slice(1, -1)) {
      const handler = (await stageRegistry.handler(stage)) as ImageStageHandler;
      await handler.load?.();
      const result = await runImageStage(handler, stage, imageId, run, store);
      if (result.dropReason) throw new InputError(`${input}: the ${stage} stage dropped it: ${result.dropReason}`, 'filtered', input);
    }
    const scene = await getJson<SceneGraph>(store, storeKeys.stageOutput('lift', run.digests.lift!, imageId));
    const qa = await getJson<QARecord[]>(store, storeKeys.stageOutput('synthesize', run.digests.synthesize!, imageId));
    const frame = await frameToLift(imageContext('lift', imageId, run, store));
    return { imageId, scene, qa, picture: await renderScenePicture(frame, scene) };
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}
