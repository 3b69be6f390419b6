/**
 * Stand-in stage handlers for the factory benchmark: each image costs a fixed wall time (a timer, so
 * the orchestration's own CPU cost is what the benchmark sees), nothing else. The module URL's query
 * picks the stage kind and the cost: `factory-stage.ts?kind=image&ms=20`.
 */
import { contentId, type DatasetInfo } from '@spatialforge/core';
import { storeKeys, type IngestStageHandler, type ImageStageHandler, type RunStageHandler, type StageHandler } from '@spatialforge/pipeline';
import { putJson } from '@spatialforge/storage';

const query = new URL(import.meta.url).searchParams;
const kind = query.get('kind') ?? 'image';
const ms = Number(query.get('ms') ?? 0);

/** When each image's work started and ended (performance.now(), ms), for the benchmark's breakdown. */
export const spans: [number, number][] = [];

async function fixedCost(): Promise<void> {
  const start = performance.now();
  if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms));
  spans.push([start, performance.now()]);
}

const ingest: IngestStageHandler = {
  kind: 'input',
  identity: () => ({ bench: 'ingest', ms }),
  async run(item, ctx) {
    await fixedCost();
    const imageId = contentId(item.input);
    await putJson(ctx.store, storeKeys.stageOutput('ingest', ctx.digest, imageId), { imageId, input: item.input, width: 1, height: 1, image: '' });
    return { imageId, reused: false };
  },
};

const image: ImageStageHandler<{ ok: true }> = {
  kind: 'image',
  identity: () => ({ bench: 'image', ms }),
  async run() {
    await fixedCost();
    return { ok: true };
  },
};

const exporter: RunStageHandler = {
  kind: 'run',
  identity: () => ({ bench: 'export' }),
  async run(ctx): Promise<DatasetInfo> {
    const images = await ctx.completedImages();
    await ctx.progress(images.length);
    return { runId: ctx.runId, files: [], records: images.length, qaPairs: 0 };
  },
};

export const handler: StageHandler = kind === 'input' ? ingest : kind === 'run' ? exporter : image;
