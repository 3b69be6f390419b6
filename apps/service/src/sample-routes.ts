/** /v1/runs/:runId/samples: processed images with their scene graph, QA and pictures. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { DepthMap, FrameObject, QARecord, RunState, SampleRef, SceneGraph, StageName } from '@spatialforge/core';
import { stageDigests, stageRegistry, storeKeys, type IngestedFrame, type ObjectsOutput } from '@spatialforge/pipeline';
import { getJsonOptional } from '@spatialforge/storage';
import { loadFrame, readNpy } from '@spatialforge/scene';
import type { ServiceDeps } from './app.js';
import { notFound } from './http-errors.js';
import { depthPicture, overlayPicture, svgToPng, topDownSvg, type ObjectMask } from './sample-pictures.js';
import { BinaryOutput, ErrorOutput, PageQuery, PictureParams, RunIdParams, SampleDetailOutput, SampleParams, SampleSummaryOutput } from './schemas.js';
import { visibleRun } from './run-routes.js';

const errors = { 400: ErrorOutput, 401: ErrorOutput, 404: ErrorOutput };
/** Runs whose stage digests are remembered (they locate stage outputs in the store). */
const DIGEST_CACHE_RUNS = 256;

function pictureLinks(runId: string, sample: SampleRef) {
  const base = `/v1/runs/${runId}/samples/${sample.imageId}/pictures`;
  return {
    image: `${base}/image`,
    overlay: `${base}/overlay`,
    depth: sample.depthKey ? `${base}/depth` : undefined,
    topdown: `${base}/topdown`,
  };
}

function parseQa(bytes: Uint8Array | undefined): QARecord[] {
  if (!bytes) return [];
  const text = Buffer.from(bytes).toString('utf8').trim();
  if (text.startsWith('[')) return JSON.parse(text) as QARecord[];
  return text ? text.split('\n').map((line) => JSON.parse(line) as QARecord) : [];
}

/** Depth maps are stored as float32 `.npy` in metres. */
function parseDepth(bytes: Uint8Array): DepthMap {
  const { shape, data } = readNpy(bytes);
  return { height: shape[0], width: shape[1], data };
}

export const sampleRoutes: FastifyPluginAsyncTypebox<{ deps: ServiceDeps }> = async (app, { deps }) => {
  const { coordinator, store } = deps;

  async function findSample(runId: string, imageId: string): Promise<SampleRef> {
    const sample = await coordinator.sample(runId, imageId);
    if (!sample) throw notFound(`image ${imageId} in run ${runId}`);
    return sample;
  }

  const digestCache = new Map<string, Promise<Partial<Record<StageName, string>>>>();
  function digestsOf(run: RunState): Promise<Partial<Record<StageName, string>>> {
    let digests = digestCache.get(run.id);
    if (!digests) {
      digests = stageDigests(stageRegistry, run.options, stageRegistry.path(run.options));
      if (digestCache.size >= DIGEST_CACHE_RUNS) digestCache.delete(digestCache.keys().next().value!);
      digestCache.set(run.id, digests);
    }
    return digests;
  }

  /**
   * The instance masks lift used for this image: the segment stage's objects, else detect's, else the
   * source's own (the same order as the lift stage). Objects given as boxes have none.
   */
  async function masksOf(run: RunState, sample: SampleRef): Promise<ObjectMask[]> {
    if (!sample.depthKey) return [];
    const digests = await digestsOf(run);
    const output = async <T>(stage: StageName) =>
      digests[stage] ? getJsonOptional<T>(store, storeKeys.stageOutput(stage, digests[stage]!, sample.imageId)) : undefined;
    const objects: FrameObject[] =
      (await output<ObjectsOutput>('segment'))?.objects ?? (await output<ObjectsOutput>('detect'))?.objects ?? (await output<IngestedFrame>('ingest'))?.objects ?? [];
    const withMasks = objects.filter((o) => 'mask' in o);
    if (withMasks.length === 0) return [];
    // The scene loader decodes masks exactly as lift did (mask values, sizes checked against the image).
    const frame = await loadFrame({ image: sample.imageKey, depth: { uri: sample.depthKey }, objects: withMasks }, (key) => store.get(key), { imageId: sample.imageId });
    return frame.objects.flatMap((o) => (o.mask ? [{ objectId: o.id, data: o.mask }] : []));
  }

  async function sceneOf(sample: SampleRef): Promise<SceneGraph> {
    const scene = sample.sceneKey ? await getJsonOptional<SceneGraph>(store, sample.sceneKey) : undefined;
    if (!scene) throw notFound(`scene graph of image ${sample.imageId}`);
    return scene;
  }

  app.get(
    '/runs/:runId/samples',
    {
      schema: {
        summary: 'Processed images of a run, with links to their pictures',
        tags: ['samples'],
        params: RunIdParams,
        querystring: PageQuery,
        response: { 200: Type.Object({ samples: Type.Array(SampleSummaryOutput) }), ...errors },
      },
    },
    async (request) => {
      const run = await visibleRun(deps, request, request.params.runId);
      const samples = await coordinator.samples(run.id, { limit: request.query.limit ?? 50, offset: request.query.offset ?? 0 });
      return { samples: samples.map((s) => ({ imageId: s.imageId, input: s.input, pictures: pictureLinks(run.id, s) })) };
    },
  );

  app.get(
    '/runs/:runId/samples/:imageId',
    {
      schema: {
        summary: 'One image: its scene graph (canonical frame, metres) and QA records',
        tags: ['samples'],
        params: SampleParams,
        response: { 200: SampleDetailOutput, ...errors },
      },
    },
    async (request) => {
      const run = await visibleRun(deps, request, request.params.runId);
      const sample = await findSample(run.id, request.params.imageId);
      const [scene, qa] = await Promise.all([
        sample.sceneKey ? getJsonOptional<SceneGraph>(store, sample.sceneKey) : undefined,
        sample.qaKey ? store.getOptional(sample.qaKey).then(parseQa) : [],
      ]);
      return { imageId: sample.imageId, input: sample.input, pictures: pictureLinks(run.id, sample), scene, qa };
    },
  );

  app.get(
    '/runs/:runId/samples/:imageId/pictures/:kind',
    {
      schema: {
        summary: 'A picture of one image: the normalised image, boxes and masks over it, the depth map in false colour, or a top-down view of the objects',
        tags: ['samples'],
        params: PictureParams,
        produces: ['image/png', 'image/jpeg'],
        response: { 200: BinaryOutput, ...errors },
      },
    },
    async (request, reply) => {
      const run = await visibleRun(deps, request, request.params.runId);
      const sample = await findSample(run.id, request.params.imageId);
      void reply.header('cache-control', 'private, max-age=3600');
      switch (request.params.kind) {
        case 'image': {
          const bytes = Buffer.from(await store.get(sample.imageKey));
          return reply.type(bytes[0] === 0xff && bytes[1] === 0xd8 ? 'image/jpeg' : 'image/png').send(bytes);
        }
        case 'overlay': {
          const [image, scene, masks] = await Promise.all([store.get(sample.imageKey), sceneOf(sample), masksOf(run, sample)]);
          return reply.type('image/png').send(await overlayPicture(image, scene, masks));
        }
        case 'depth': {
          if (!sample.depthKey) throw notFound(`depth map of image ${sample.imageId}`);
          return reply.type('image/png').send(await depthPicture(parseDepth(await store.get(sample.depthKey))));
        }
        case 'topdown':
          return reply.type('image/png').send(await svgToPng(topDownSvg(await sceneOf(sample))));
      }
    },
  );
};
