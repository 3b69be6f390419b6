/**
 * /v1/reason and /v1/reward: @spatialforge/research over scene graphs, either sent inline or taken
 * from the caller's own processed samples (a run of another tenant is "not found", as everywhere).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from 'typebox';
import type { SampleRef, SceneGraph } from '@spatialforge/core';
import { annotateEpisode, handleReasonRequest, llmConfigFromSettings } from '@spatialforge/research';
import { getJsonOptional } from '@spatialforge/storage';
import type { ServiceDeps } from './app.js';
import { notFound, ValidationError } from './http-errors.js';
import { visibleRun } from './run-routes.js';
import { ErrorOutput, ImageId, RunId, SceneGraphInput, Units } from './schemas.js';

const errors = { 400: ErrorOutput, 401: ErrorOutput, 404: ErrorOutput };
/** Most frames one reward request may take from a run. */
const MAX_RUN_FRAMES = 2000;

const SampleRefInput = Type.Object({ runId: RunId(), imageId: ImageId() }, { additionalProperties: false, description: 'One of your processed images instead of an inline scene graph' });

const Fact = Type.Object({ predicate: Type.String(), objects: Type.Array(Type.String()), value: Type.Unknown() });

const ReasonBody = Type.Object(
  {
    question: Type.String({ minLength: 1, maxLength: 2000, description: 'A spatial question about the scene, e.g. "How far is the mug from the laptop?"' }),
    scene: Type.Optional(SceneGraphInput),
    sample: Type.Optional(SampleRefInput),
    units: Type.Optional(Units),
  },
  { additionalProperties: false },
);

const ReasonOutput = Type.Object({
  answer: Type.String(),
  steps: Type.Array(Type.Object({ text: Type.String(), fact: Fact })),
  fact: Type.Optional(Fact),
  type: Type.Optional(Type.String({ description: 'The catalog question type the question was read as' })),
  planner: Type.Enum(['builtin', 'llm']),
  toolCalls: Type.Optional(Type.Array(Type.Object({ name: Type.String(), arguments: Type.Unknown(), result: Type.Unknown() }))),
});

const RewardBody = Type.Object(
  {
    a: Type.String({ minLength: 1, maxLength: 200, description: 'Phrase naming object A, e.g. "gripper"' }),
    b: Type.String({ minLength: 1, maxLength: 200, description: 'Phrase naming object B, e.g. "orange bottle"' }),
    threshold: Type.Optional(Type.Number({ minimum: 0, description: 'Success when the final gap is at most this, metres (default 0.05)' })),
    window: Type.Optional(Type.Integer({ minimum: 1, maximum: 101, description: 'Frames in the moving-median window, odd (default 5)' })),
    frames: Type.Optional(Type.Array(Type.Object({ name: Type.Optional(Type.String({ maxLength: 500 })), scene: SceneGraphInput }, { additionalProperties: false }), { minItems: 1, maxItems: MAX_RUN_FRAMES })),
    runId: Type.Optional(RunId('Use this run’s processed images as the episode, in the order of their inputs')),
  },
  { additionalProperties: false },
);

const RewardQuery = Type.Object({ format: Type.Optional(Type.Enum(['json', 'csv', 'png'], { description: 'The result as JSON (default), CSV or a PNG plot' })) }, { additionalProperties: false });

const RewardFrameOutput = Type.Object({
  index: Type.Integer(),
  name: Type.String(),
  centreDistance: Type.Union([Type.Number(), Type.Null()]),
  gap: Type.Union([Type.Number(), Type.Null()]),
  smoothedCentreDistance: Type.Union([Type.Number(), Type.Null()]),
  smoothedGap: Type.Union([Type.Number(), Type.Null()]),
  reward: Type.Union([Type.Number(), Type.Null()]),
  a: Type.Unknown(),
  b: Type.Unknown(),
});

const RewardOutput = Type.Object({
  a: Type.String(),
  b: Type.String(),
  threshold: Type.Number(),
  smoothing: Type.String(),
  reward: Type.String(),
  frames: Type.Array(RewardFrameOutput, { description: 'Distances in metres; null where A or B was not found' }),
  final: Type.Union([Type.Object({ index: Type.Integer(), gap: Type.Number() }), Type.Null()]),
  success: Type.Boolean(),
  firstSuccessFrame: Type.Union([Type.Integer(), Type.Null()]),
});

/** "uploaded manifest line 12" before "… line 100": inputs compared with their numbers as numbers. */
const byInput = new Intl.Collator('en', { numeric: true }).compare;

export const researchRoutes: FastifyPluginAsyncTypebox<{ deps: ServiceDeps }> = async (app, { deps }) => {
  const llm = llmConfigFromSettings();

  async function sceneOf(sample: SampleRef): Promise<SceneGraph> {
    const scene = sample.sceneKey ? await getJsonOptional<SceneGraph>(deps.store, sample.sceneKey) : undefined;
    if (!scene) throw notFound(`scene graph of image ${sample.imageId}`);
    return scene;
  }

  async function samplesOf(runId: string): Promise<SampleRef[]> {
    const all: SampleRef[] = [];
    for (let offset = 0; ; offset += 500) {
      const page = await deps.coordinator.samples(runId, { limit: 500, offset });
      all.push(...page);
      if (page.length < 500) return all;
      if (all.length > MAX_RUN_FRAMES) throw new ValidationError(`body.runId names a run of more than ${MAX_RUN_FRAMES} images`, 'body.runId');
    }
  }

  app.post(
    '/reason',
    {
      schema: {
        summary: 'Answer a spatial question about a scene graph, with the reasoning steps and the facts they use',
        tags: ['research'],
        body: ReasonBody,
        response: { 200: ReasonOutput, ...errors },
      },
    },
    async (request) => {
      const { question, units, sample } = request.body;
      let scene = request.body.scene as SceneGraph | undefined;
      if (sample && scene) throw new ValidationError('body.sample and body.scene are exclusive: send one', 'body.sample');
      if (sample) {
        const run = await visibleRun(deps, request, sample.runId);
        const ref = await deps.coordinator.sample(run.id, sample.imageId);
        if (!ref) throw notFound(`image ${sample.imageId} in run ${run.id}`);
        scene = await sceneOf(ref);
      }
      if (!scene) throw new ValidationError('body.scene is required (or body.sample naming one of your processed images)', 'body.scene');
      return handleReasonRequest({ scene, question, units }, { llm });
    },
  );

  app.post(
    '/reward',
    {
      schema: {
        summary: 'Dense reward curve of a robot episode: per-frame 3D distance between two objects, smoothed, and a success flag',
        tags: ['research'],
        querystring: RewardQuery,
        body: RewardBody,
        produces: ['application/json', 'text/csv', 'image/png'],
        response: { 200: Type.Unsafe<Static<typeof RewardOutput> | string | Uint8Array>(RewardOutput), ...errors },
      },
    },
    async (request, reply) => {
      const { a, b, threshold, window, runId } = request.body;
      if (Boolean(runId) === Boolean(request.body.frames)) throw new ValidationError('send body.frames or body.runId (one of them)', 'body.frames');
      let frames: { name: string; scene: SceneGraph }[];
      if (runId) {
        const run = await visibleRun(deps, request, runId);
        const samples = (await samplesOf(run.id)).sort((p, q) => byInput(p.input, q.input));
        if (samples.length === 0) throw new ValidationError(`body.runId: run ${run.id} has no processed images yet`, 'body.runId');
        frames = await Promise.all(samples.map(async (s) => ({ name: s.input, scene: await sceneOf(s) })));
      } else {
        frames = request.body.frames!.map((f, i) => ({ name: f.name ?? `frame-${i}`, scene: f.scene as SceneGraph }));
      }
      const annotated = await annotateEpisode(frames, { a, b, threshold, window });
      switch (request.query.format ?? 'json') {
        case 'csv':
          return reply.type('text/csv; charset=utf-8').send(annotated.csv);
        case 'png':
          return reply.type('image/png').send(annotated.png);
        default:
          return annotated.result;
      }
    },
  );
};
