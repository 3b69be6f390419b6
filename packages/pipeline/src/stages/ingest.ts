/**
 * ingest: fetch, validate and normalise an input (EXIF orientation, 8-bit sRGB, longest side capped),
 * store the image content-addressed, and store its depth, masks and intrinsics aligned with it.
 *
 * Reuse: a local file unchanged since it was ingested with the same settings (same path, size and
 * modification time) is not read again. Remote inputs (s3://, http) carry no such proof and are always
 * normalised; their outputs land on the same keys, so nothing is duplicated.
 */
import { stat } from 'node:fs/promises';
import { contentId, stableStringify, type FrameObject, type RunOptions } from '@spatialforge/core';
import { localPathOf, normaliseFrame, uriKind, type SourceItem } from '@spatialforge/ingest';
import { getCachedJson, putJson } from '@spatialforge/storage';
import { storeKeys } from '../keys.js';
import type { IngestContext, IngestItem, IngestResult, IngestStageHandler, IngestedFrame } from '../stage-handler.js';

const IMAGE_EXTENSION = { 'image/jpeg': 'jpg' } as const;

export const handler: IngestStageHandler = {
  kind: 'input',
  identity: (options: RunOptions) => ({ maxSide: options.maxSide }),
  async run(raw: IngestItem, ctx: IngestContext): Promise<IngestResult> {
    const item = raw as SourceItem;
    const version = await localVersion(item);
    const inputKey = version ? storeKeys.ingestedInput(ctx.digest, contentId(stableStringify({ item, version }))) : undefined;
    if (inputKey) {
      // Both read back whole, or the input is ingested again (see getCachedJson).
      const known = await getCachedJson<{ imageId: string }>(ctx.store, inputKey);
      if (known && (await getCachedJson(ctx.store, storeKeys.stageOutput('ingest', ctx.digest, known.imageId)))) {
        return { imageId: known.imageId, reused: true };
      }
    }

    const normalised = await normaliseFrame(item, { maxSide: ctx.options.maxSide });
    const { imageId, bytes, mime, width, height } = normalised.image;
    const artefact = (name: string) => storeKeys.stageArtefact('ingest', ctx.digest, imageId, name);
    const imageKey = storeKeys.image(imageId, IMAGE_EXTENSION[mime]);
    const writes: Promise<void>[] = [ctx.store.put(imageKey, bytes, { contentType: mime })];
    const frame: IngestedFrame = { imageId, input: item.input, width, height, image: imageKey };
    if (normalised.depth) {
      frame.depth = { uri: artefact('depth.npy') };
      writes.push(ctx.store.put(frame.depth.uri, normalised.depth.npy, { contentType: 'application/octet-stream' }));
    }
    for (const mask of normalised.masks) writes.push(ctx.store.put(artefact(mask.name), mask.png, { contentType: 'image/png' }));
    if (normalised.intrinsics) {
      frame.intrinsics = normalised.intrinsics;
      frame.intrinsicsSource = normalised.intrinsicsSource;
    }
    if (normalised.objects.length > 0) {
      frame.objects = normalised.objects.map((o): FrameObject => ('mask' in o ? { ...o, mask: artefact(o.mask) } : o));
    }
    await Promise.all(writes);
    await putJson(ctx.store, storeKeys.stageOutput('ingest', ctx.digest, imageId), frame);
    if (inputKey) await putJson(ctx.store, inputKey, { imageId });
    return { imageId, reused: false };
  },
};

/** Size and modification time of every local file the item names; undefined when any is remote. */
async function localVersion(item: SourceItem): Promise<unknown[] | undefined> {
  if (item.error) return undefined;
  const uris = [item.image, item.frame?.depth?.uri, ...(item.frame?.objects ?? []).map((o) => ('mask' in o ? o.mask : undefined))]
    .filter((u): u is string => typeof u === 'string');
  if (uris.some((uri) => uriKind(uri) !== 'local')) return undefined;
  try {
    return await Promise.all([...new Set(uris)].map(async (uri) => {
      const s = await stat(localPathOf(uri));
      return [uri, s.size, s.mtimeMs];
    }));
  } catch {
    return undefined;
  }
}
