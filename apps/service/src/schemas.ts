/**
 * JSON Schemas of the REST API (TypeBox). Fastify validates requests and serialises responses with
 * them, and the OpenAPI document at /docs is generated from them: one declaration for all three.
 * Response schemas must list every field a client should see (fast-json-stringify drops the rest).
 */
import { Type, type Static, type TSchema } from 'typebox';
import { EXPORT_FORMATS, STAGES } from '@spatialforge/core';

/** A union told apart by its `kind` property (ajv `discriminator`), so an error names the right branch's field. */
function TaggedUnion<T extends TSchema[]>(variants: [...T], options: { description?: string } = {}) {
  return Type.Unsafe<Static<T[number]>>({ type: 'object', oneOf: variants, discriminator: { propertyName: 'kind' }, required: ['kind'], ...options });
}

const REMOTE_URI_PATTERN = '^(s3://[a-z0-9][a-z0-9.-]{1,62}(/.*)?|https?://.+)$';
const RUN_ID_PATTERN = '^[A-Za-z0-9_-]{1,64}$';
const IMAGE_ID_PATTERN = '^[0-9a-f]{8,64}$';
const FORMAT_LIST_PATTERN = `^(${EXPORT_FORMATS.join('|')})(,(${EXPORT_FORMATS.join('|')}))*$`;

/** What a value failing each pattern should be, in words, for error messages. */
export const PATTERN_HINTS: ReadonlyMap<string, string> = new Map([
  [REMOTE_URI_PATTERN, 'an s3://bucket/prefix or http(s):// URL (local paths are refused over the API)'],
  [RUN_ID_PATTERN, 'a run id (letters, digits, _ and -)'],
  [IMAGE_ID_PATTERN, 'an image id (hex digits)'],
  [FORMAT_LIST_PATTERN, `comma-separated export formats from ${EXPORT_FORMATS.join(', ')}`],
]);

const RemoteUri = Type.String({
  pattern: REMOTE_URI_PATTERN,
  maxLength: 2048,
  description: 'An s3://bucket/prefix or http(s) URL. Local paths are refused over the API.',
});

export const StageName = Type.Enum([...STAGES], { description: 'Pipeline stage' });
export const ExportFormat = Type.Enum([...EXPORT_FORMATS]);
export const ReferMode = Type.Enum(['names', 'regions'], { description: 'How questions name objects: in words, or as <regionN> with each region\'s box and mask beside' });

/** Ranges as checkShardSize (@spatialforge/core) checks them. */
export const ShardSize = Type.Union(
  [
    Type.Object({ samples: Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'Images per shard' }) }, { additionalProperties: false }),
    Type.Object({ megabytes: Type.Number({ exclusiveMinimum: 0, maximum: 100_000, description: 'Megabytes (10^6 bytes) of tar per shard' }) }, { additionalProperties: false }),
  ],
  { description: 'WebDataset shard size (default { "samples": 1000 })' },
);
export const Units = Type.Enum(['metric', 'imperial']);

const StageModels = Type.Object(
  Object.fromEntries(STAGES.map((stage) => [stage, Type.Optional(Type.String({ minLength: 1, maxLength: 128 }))])),
  { additionalProperties: false, description: 'Model per stage, e.g. { "detect": "yolox-nano" }' },
);

/** Ranges as resolveRunOptions (@spatialforge/pipeline) checks them: each from 0 up to, not including, its bound. */
const QAMarginsInput = Type.Object(
  {
    metres: Type.Optional(Type.Number({ minimum: 0, exclusiveMaximum: 10, description: 'Smallest difference between compared positions, lengths or distances, metres (default 0.05)' })),
    ratio: Type.Optional(Type.Number({ minimum: 0, exclusiveMaximum: 1, description: 'Smallest difference between compared lengths or distances, as a share of the larger (default 0.05)' })),
    degrees: Type.Optional(Type.Number({ minimum: 0, exclusiveMaximum: 45, description: 'Smallest gap between a measured angle and the threshold deciding its answer, degrees (default 3)' })),
  },
  { additionalProperties: false, description: 'How far apart two answers must be for a question about them to be asked' },
);

export const QAOptionsInput = Type.Object(
  {
    maxPerImage: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'Most QA pairs for one image' })),
    quotas: Type.Optional(Type.Record(Type.String({ maxLength: 64 }), Type.Integer({ minimum: 0, maximum: 1000 }), { description: 'Most pairs of one type per image' })),
    defaultQuota: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })),
    types: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { uniqueItems: true, maxItems: 256, description: 'Only these QA types (all when absent)' })),
    margins: Type.Optional(QAMarginsInput),
    refer: Type.Optional(ReferMode),
  },
  { additionalProperties: false },
);

export const RunOptionsInput = Type.Object(
  {
    batchSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 1024, description: 'Images per batch job' })),
    maxSide: Type.Optional(Type.Integer({ minimum: 32, maximum: 8192, description: 'Longest image side after ingest, pixels' })),
    stages: Type.Optional(Type.Array(StageName, { uniqueItems: true, minItems: 1 })),
    vocabulary: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { maxItems: 512, description: 'Open-vocabulary detector prompts' })),
    models: Type.Optional(StageModels),
    qa: Type.Optional(QAOptionsInput),
    units: Type.Optional(Units),
    seed: Type.Optional(Type.Integer({ minimum: 0, maximum: 2 ** 31 - 1 })),
    formats: Type.Optional(Type.Array(ExportFormat, { uniqueItems: true, minItems: 1 })),
    shardSize: Type.Optional(ShardSize),
    fovDegrees: Type.Optional(Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 180, description: 'Horizontal field-of-view prior, degrees' })),
    rephrase: Type.Optional(Type.Boolean({ description: 'Rewrite the QA with the language model (LLM_ENDPOINT, LLM_MODEL must be set)' })),
  },
  { additionalProperties: false },
);
export type RunOptionsInput = Static<typeof RunOptionsInput>;

const Box2D = Type.Tuple([Type.Number(), Type.Number(), Type.Number(), Type.Number()], { description: '[x1, y1, x2, y2], pixels' });

export const FrameManifestInput = Type.Object(
  {
    image: RemoteUri,
    depth: Type.Optional(Type.Object({ uri: RemoteUri, scale: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'Metres per PNG unit' })) }, { additionalProperties: false })),
    intrinsics: Type.Optional(Type.Object({ fx: Type.Number({ exclusiveMinimum: 0 }), fy: Type.Number({ exclusiveMinimum: 0 }), cx: Type.Number(), cy: Type.Number() }, { additionalProperties: false, description: 'Pinhole intrinsics, pixels' })),
    objects: Type.Optional(
      Type.Array(
        Type.Object(
          {
            id: Type.String({ minLength: 1, maxLength: 128 }),
            label: Type.String({ minLength: 1, maxLength: 128 }),
            box: Type.Optional(Box2D),
            mask: Type.Optional(RemoteUri),
            maskValue: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })),
            score: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'Detector confidence' })),
          },
          { additionalProperties: false },
        ),
        { maxItems: 512 },
      ),
    ),
  },
  { additionalProperties: false },
);

const Vec3 = Type.Tuple([Type.Number(), Type.Number(), Type.Number()]);

/** A scene graph as the samples route returns it: canonical frame, metres (see @spatialforge/core's SceneGraph). */
export const SceneGraphInput = Type.Object(
  {
    imageId: Type.String({ maxLength: 128 }),
    width: Type.Integer({ minimum: 1 }),
    height: Type.Integer({ minimum: 1 }),
    camera: Type.Object({
      intrinsics: Type.Object({ fx: Type.Number(), fy: Type.Number(), cx: Type.Number(), cy: Type.Number() }),
      intrinsicsSource: Type.String(),
      position: Vec3,
      height: Type.Optional(Type.Number()),
      pitch: Type.Optional(Type.Number()),
      rotation: Type.Array(Type.Number(), { minItems: 9, maxItems: 9, description: 'Camera to canonical frame, row-major 3×3' }),
    }),
    canonical: Type.Boolean(),
    plane: Type.Optional(Type.Unknown()),
    objects: Type.Array(
      Type.Object({
        id: Type.String({ minLength: 1, maxLength: 128 }),
        label: Type.String({ minLength: 1, maxLength: 128 }),
        colour: Type.String({ maxLength: 32 }),
        name: Type.String({ minLength: 1, maxLength: 256 }),
        centre: Vec3,
        size: Vec3,
        min: Vec3,
        max: Vec3,
        obb: Type.Object({ centre: Vec3, size: Vec3, yaw: Type.Number() }),
        pointCount: Type.Integer({ minimum: 0 }),
        box2d: Box2D,
        distanceFromCamera: Type.Number({ minimum: 0 }),
        score: Type.Optional(Type.Number()),
      }),
      { maxItems: 512 },
    ),
    dropped: Type.Array(Type.Unknown(), { maxItems: 4096 }),
  },
  { description: 'A scene graph as GET /v1/runs/{runId}/samples/{imageId} returns it (canonical frame, metres)' },
);

export const RunSourceInput = TaggedUnion(
  [
    Type.Object({ kind: Type.Literal('uri'), uri: RemoteUri }, { additionalProperties: false, description: 'An S3 prefix, or a JSONL manifest / URL list file at an s3:// or http(s) URL' }),
    Type.Object({ kind: Type.Literal('urls'), urls: Type.Array(RemoteUri, { minItems: 1, maxItems: 100_000 }) }, { additionalProperties: false, description: 'Image URLs given inline' }),
    Type.Object(
      { kind: Type.Literal('jsonl'), text: Type.String({ minLength: 1, description: 'JSONL manifest: one image URI or frame manifest per line' }), baseUri: Type.Optional(RemoteUri) },
      { additionalProperties: false },
    ),
    Type.Object({ kind: Type.Literal('frames'), frames: Type.Array(FrameManifestInput, { minItems: 1, maxItems: 10_000 }) }, { additionalProperties: false, description: 'Frame manifests given inline' }),
  ],
  { description: 'Where the run reads its images' },
);
export type RunSourceInput = Static<typeof RunSourceInput>;

export const CreateRunBody = Type.Object({ source: RunSourceInput, options: Type.Optional(RunOptionsInput) }, { additionalProperties: false });

/** Options of a manifest upload, in the query string (a multipart upload may send them as an `options` JSON field instead). */
export const ManifestUploadQuery = Type.Object(
  {
    baseUri: Type.Optional(RemoteUri),
    stages: Type.Optional(Type.String({ pattern: `^(${STAGES.join('|')})(,(${STAGES.join('|')}))*$`, description: 'Comma-separated stages' })),
    formats: Type.Optional(Type.String({ pattern: FORMAT_LIST_PATTERN, description: 'Comma-separated export formats' })),
    refer: Type.Optional(ReferMode),
    units: Type.Optional(Units),
    seed: Type.Optional(Type.Integer({ minimum: 0, maximum: 2 ** 31 - 1 })),
    maxPerImage: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    batchSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 1024 })),
  },
  { additionalProperties: false },
);

export const RunId = (description?: string) => Type.String({ pattern: RUN_ID_PATTERN, ...(description ? { description } : {}) });
export const ImageId = (description?: string) => Type.String({ pattern: IMAGE_ID_PATTERN, ...(description ? { description } : {}) });

export const RunIdParams = Type.Object({ runId: RunId() });
export const SampleParams = Type.Object({ runId: RunId(), imageId: ImageId() });
export const PictureKind = Type.Enum(['image', 'overlay', 'depth', 'topdown']);
export const PictureParams = Type.Object({ runId: RunId(), imageId: ImageId(), kind: PictureKind });

export const PageQuery = Type.Object(
  { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })), offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })) },
  { additionalProperties: false },
);
export const ListRunsQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 20 })),
    cursor: Type.Optional(Type.String({ maxLength: 256, description: 'The `next` of the previous page' })),
    allTenants: Type.Optional(Type.Boolean({ description: 'Admin tokens only: list every tenant’s runs' })),
  },
  { additionalProperties: false },
);

// ---- responses ----

const RunOptionsOutput = Type.Object({
  batchSize: Type.Integer(),
  maxSide: Type.Integer(),
  stages: Type.Array(StageName),
  vocabulary: Type.Optional(Type.Array(Type.String())),
  models: Type.Optional(StageModels),
  qa: Type.Object({
    maxPerImage: Type.Integer(),
    quotas: Type.Optional(Type.Record(Type.String(), Type.Integer())),
    defaultQuota: Type.Optional(Type.Integer()),
    types: Type.Optional(Type.Array(Type.String())),
    margins: Type.Optional(Type.Object({ metres: Type.Optional(Type.Number()), ratio: Type.Optional(Type.Number()), degrees: Type.Optional(Type.Number()) })),
    refer: Type.Optional(ReferMode),
  }),
  units: Units,
  seed: Type.Integer(),
  formats: Type.Array(ExportFormat),
  shardSize: Type.Optional(ShardSize),
  fovDegrees: Type.Number(),
  rephrase: Type.Optional(Type.Boolean()),
});

const RunSourceOutput = Type.Object({
  kind: Type.Enum(['uri', 'jsonl', 'urls']),
  uri: Type.Optional(Type.String()),
  baseUri: Type.Optional(Type.String()),
  /** URL lists and manifest text are summarised (counts), not echoed back. */
  items: Type.Optional(Type.Integer({ description: 'Lines of an uploaded manifest or URLs given inline' })),
});

export const StageProgressOutput = Type.Object({
  stage: StageName,
  waiting: Type.Integer(),
  active: Type.Integer(),
  done: Type.Integer(),
  failed: Type.Integer(),
  reused: Type.Integer(),
  imagesPerSecond: Type.Number(),
});

export const ImageFailureOutput = Type.Object({
  imageId: Type.String(),
  input: Type.String(),
  stage: StageName,
  code: Type.String(),
  message: Type.String(),
  at: Type.String({ format: 'date-time' }),
});

export const RunStateOutput = Type.Object({
  id: Type.String(),
  tenant: Type.Optional(Type.String()),
  status: Type.Enum(['pending', 'running', 'exporting', 'completed', 'failed', 'cancelled']),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
  source: RunSourceOutput,
  options: RunOptionsOutput,
  totals: Type.Object({
    inputs: Type.Integer(),
    images: Type.Integer(),
    duplicates: Type.Integer(),
    completed: Type.Integer(),
    failed: Type.Integer(),
    qaPairs: Type.Integer(),
    filtered: Type.Optional(Type.Integer({ description: 'Images a filter stage dropped (not failures)' })),
  }),
  stages: Type.Array(StageProgressOutput),
  etaSeconds: Type.Optional(Type.Number({ description: 'Seconds to completion at the current rate' })),
  error: Type.Optional(Type.String()),
});

export const RunDetailOutput = Type.Intersect([
  RunStateOutput,
  Type.Object({ recentFailures: Type.Array(ImageFailureOutput, { description: 'The first failures; page through /failures for all' }) }),
]);

export const RunListOutput = Type.Object({ runs: Type.Array(RunStateOutput), next: Type.Optional(Type.String()) });

export const DatasetOutput = Type.Object({
  runId: Type.String(),
  records: Type.Integer(),
  qaPairs: Type.Integer(),
  formats: Type.Optional(Type.Array(ExportFormat, { description: 'The formats the dataset was written in' })),
  countsByCategory: Type.Optional(Type.Record(Type.String(), Type.Integer(), { description: 'QA pairs per category' })),
  countsByType: Type.Optional(Type.Record(Type.String(), Type.Integer(), { description: 'QA pairs per catalog type' })),
  files: Type.Array(
    Type.Object({
      path: Type.String({ description: 'Path inside the dataset (webdataset/shards.txt lists the WebDataset shards by these paths)' }),
      bytes: Type.Integer(),
      url: Type.String({ description: 'Presigned URL (S3 storage) or a path on this service (local storage; send the same bearer token)' }),
      expiresAt: Type.Optional(Type.String({ format: 'date-time' })),
    }),
  ),
});

export const SampleSummaryOutput = Type.Object({
  imageId: Type.String(),
  input: Type.String(),
  pictures: Type.Object({ image: Type.String(), overlay: Type.String(), depth: Type.Optional(Type.String()), topdown: Type.String() }),
});

export const SampleDetailOutput = Type.Object({
  imageId: Type.String(),
  input: Type.String(),
  pictures: SampleSummaryOutput.properties.pictures,
  scene: Type.Optional(Type.Unknown({ description: 'The scene graph (canonical frame, metres)' })),
  qa: Type.Array(Type.Unknown(), { description: 'QA records of this image' }),
});

export const WorkerOutput = Type.Object({
  id: Type.String(),
  host: Type.String(),
  stages: Type.Array(StageName),
  busy: Type.Boolean(),
  lastHeartbeat: Type.String({ format: 'date-time' }),
});

export const PrincipalOutput = Type.Object({ tenant: Type.String(), tokenId: Type.String(), scopes: Type.Array(Type.Enum(['runs', 'admin'])) });

/** A file or picture: sent as raw bytes or a stream (Fastify does not serialise those). */
export const BinaryOutput = Type.Unsafe<Uint8Array | NodeJS.ReadableStream>({ type: 'string', format: 'binary' });

export const ErrorOutput = Type.Object({
  statusCode: Type.Integer(),
  error: Type.String(),
  code: Type.String(),
  message: Type.String(),
  field: Type.Optional(Type.String({ description: 'Path of the offending field, e.g. body.source.urls[2]' })),
});
