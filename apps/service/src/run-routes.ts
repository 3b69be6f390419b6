/** /v1/runs: create, list, read, cancel, retry, failures, dataset. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { createReadStream } from 'node:fs';
import type { FastifyRequest } from 'fastify';
import { Type, type Static } from 'typebox';
import { type ExportFormat, type RunOptions, type RunSource, type RunState, type StageName } from '@spatialforge/core';
import { isAdmin, requirePrincipal } from './auth.js';
import { HttpError, notFound, ValidationError } from './http-errors.js';
import {
  CreateRunBody,
  DatasetOutput,
  ErrorOutput,
  ImageFailureOutput,
  ListRunsQuery,
  ManifestUploadQuery,
  PageQuery,
  RunDetailOutput,
  RunIdParams,
  RunListOutput,
  RunOptionsInput,
  RunStateOutput,
  BinaryOutput,
  type RunSourceInput,
} from './schemas.js';
import type { ServiceDeps } from './app.js';
import { compileChecker } from './schema-check.js';

const RECENT_FAILURES = 20;
const errors = { 400: ErrorOutput, 401: ErrorOutput, 404: ErrorOutput };

/** The run if the caller may see it. Another tenant's run is "not found", so run ids cannot be probed. */
export async function visibleRun(deps: ServiceDeps, request: FastifyRequest, runId: string): Promise<RunState> {
  const principal = requirePrincipal(request);
  const run = await deps.coordinator.getRun(runId);
  if (!run || (run.tenant !== principal.tenant && !isAdmin(principal))) throw notFound(`run ${runId}`);
  return run;
}

/** Source summaries by the run's source (fixed at creation; the coordinator keeps it): an upload is counted once. */
const sourceSummaries = new WeakMap<RunSource, ReturnType<typeof summariseSource>>();

/** What a client sees of a run: an uploaded manifest or URL list is summarised by its item count. */
export function presentRun(run: RunState) {
  let summary = sourceSummaries.get(run.source);
  if (!summary) sourceSummaries.set(run.source, (summary = summariseSource(run.source)));
  return { ...run, source: summary };
}

function summariseSource(source: RunSource) {
  return source.kind === 'uri'
    ? { kind: source.kind, uri: source.uri }
    : source.kind === 'urls'
      ? { kind: source.kind, items: source.urls.length }
      : { kind: source.kind, baseUri: source.baseUri, items: manifestItems(source.text) };
}

/** Every string inside a JSON value (a manifest line, a frame): where URIs hide. */
function stringsIn(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const item of value) stringsIn(item, out);
  else if (value && typeof value === 'object') for (const item of Object.values(value)) stringsIn(item, out);
  return out;
}

/**
 * The field of a source that names the bucket of this service's own S3 store (other tenants' images
 * and datasets live there, readable with the service's credentials), or undefined. The whole bucket
 * is off limits, so relative references (`../`) cannot climb into the store either. A local store
 * needs no check: REST sources may not name local paths at all.
 */
export function fieldNamingStore(source: RunSourceInput, storeLocation: string): string | undefined {
  const bucket = /^s3:\/\/([^/]+)/.exec(storeLocation)?.[1];
  if (!bucket) return undefined;
  const own = `s3://${bucket}/`;
  const names = (uri: string | undefined) => uri !== undefined && `${uri}/`.toLowerCase().startsWith(own);
  switch (source.kind) {
    case 'uri':
      return names(source.uri) ? 'body.source.uri' : undefined;
    case 'urls': {
      const index = source.urls.findIndex(names);
      return index >= 0 ? `body.source.urls[${index}]` : undefined;
    }
    case 'jsonl': {
      if (names(source.baseUri)) return 'body.source.baseUri';
      // Lines are parsed, so JSON escapes (s3:\/\/…) cannot hide a URI; a line that does not parse fails at ingest anyway.
      const lineNames = (line: string) => {
        try {
          return stringsIn(JSON.parse(line)).some(names);
        } catch {
          return false;
        }
      };
      return source.text.split('\n').some(lineNames) ? 'body.source.text' : undefined;
    }
    case 'frames':
      return stringsIn(source.frames).some(names) ? 'body.source.frames' : undefined;
  }
}

/** `asField` maps the field to where the request carried it (an upload's manifest is the body itself). */
function refuseStoreSources(source: RunSourceInput, storeLocation: string, asField: (field: string) => string = (f) => f): void {
  const found = fieldNamingStore(source, storeLocation);
  if (!found) return;
  const field = asField(found);
  throw new ValidationError(`${field} names the bucket of this service's own storage (${storeLocation}), which sources may not read`, field);
}

/** Lines with something on them: what an uploaded manifest lists (counted without splitting a large text). */
function manifestItems(text: string): number {
  let items = 0;
  for (let start = 0; start < text.length; ) {
    const end = text.indexOf('\n', start);
    const stop = end < 0 ? text.length : end;
    if (text.slice(start, stop).trim()) items++;
    start = stop + 1;
  }
  return items;
}

function toRunSource(input: RunSourceInput): RunSource {
  switch (input.kind) {
    case 'uri':
      return { kind: 'uri', uri: input.uri };
    case 'urls':
      return { kind: 'urls', urls: input.urls };
    case 'jsonl':
      return { kind: 'jsonl', text: input.text, baseUri: input.baseUri };
    case 'frames':
      return { kind: 'jsonl', text: input.frames.map((frame) => JSON.stringify(frame)).join('\n') };
  }
}

function toRunOptions(input: RunOptionsInput | undefined): Partial<RunOptions> {
  // The coordinator fills what is left out with its defaults (a partial `qa` included).
  return (input ?? {}) as Partial<RunOptions>;
}

const checkOptions = compileChecker(RunOptionsInput);

interface MultipartManifest {
  manifest: string;
  options?: string;
}

/** The text fields of a multipart manifest upload; the file part `manifest` is read as UTF-8. */
async function readMultipartManifest(request: FastifyRequest): Promise<Partial<MultipartManifest> & Record<string, string>> {
  const fields: Record<string, string> = {};
  for await (const part of request.parts()) {
    fields[part.fieldname] = part.type === 'file' ? (await part.toBuffer()).toString('utf8') : String(part.value);
  }
  return fields;
}

function parseJsonField(text: string, field: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new ValidationError(`${field} is not valid JSON`, field);
  }
}

function optionsFromQuery(query: Static<typeof ManifestUploadQuery>): RunOptionsInput {
  const options: RunOptionsInput = {};
  if (query.stages) options.stages = query.stages.split(',') as StageName[];
  if (query.formats) options.formats = query.formats.split(',') as ExportFormat[];
  if (query.units) options.units = query.units;
  if (query.seed !== undefined) options.seed = query.seed;
  if (query.batchSize !== undefined) options.batchSize = query.batchSize;
  if (query.maxPerImage !== undefined || query.refer !== undefined) options.qa = { maxPerImage: query.maxPerImage, refer: query.refer };
  return options;
}

export const runRoutes: FastifyPluginAsyncTypebox<{ deps: ServiceDeps }> = async (app, { deps }) => {
  const { coordinator, settings } = deps;

  app.post(
    '/runs',
    {
      schema: {
        summary: 'Create a run from an S3 prefix, a URL list, a JSONL manifest (inline) or inline frames',
        tags: ['runs'],
        body: CreateRunBody,
        response: { 201: RunStateOutput, ...errors },
      },
    },
    async (request, reply) => {
      const principal = requirePrincipal(request);
      refuseStoreSources(request.body.source, deps.store.location);
      const runRequest = { source: toRunSource(request.body.source), options: toRunOptions(request.body.options), tenant: principal.tenant };
      // An input no stage can process (no depth, no depth model) is a 400 now, not a failed run later.
      const { options, notes } = await coordinator.preflight(runRequest);
      const run = await coordinator.createRun({ ...runRequest, options });
      if (notes.length) request.log.info({ runId: run.id, notes }, 'run preflight');
      request.log.info({ runId: run.id, tenant: principal.tenant, source: request.body.source.kind }, 'run created');
      return reply.status(201).send(presentRun(run));
    },
  );

  app.post(
    '/runs/manifest',
    {
      bodyLimit: settings.manifestLimitBytes,
      // A multipart upload is read here into { manifest, options } so the body schema validates it.
      preValidation: async (request) => {
        if (request.isMultipart()) request.body = await readMultipartManifest(request);
      },
      schema: {
        summary: 'Create a run from an uploaded JSONL manifest (raw body, or multipart with `manifest` file and optional `options` JSON field)',
        tags: ['runs'],
        consumes: ['application/x-ndjson', 'text/plain', 'multipart/form-data'],
        querystring: ManifestUploadQuery,
        body: {
          content: {
            'application/x-ndjson': { schema: Type.String({ minLength: 1, description: 'One image URI or frame manifest per line' }) },
            'text/plain': { schema: Type.String({ minLength: 1 }) },
            'multipart/form-data': {
              schema: Type.Object(
                {
                  manifest: Type.String({ format: 'binary', minLength: 1, description: 'The JSONL file' }),
                  options: Type.Optional(Type.String({ description: 'Run options as JSON (see POST /v1/runs)' })),
                },
                { additionalProperties: false },
              ),
            },
          },
        },
        response: { 201: RunStateOutput, ...errors, 413: ErrorOutput, 415: ErrorOutput },
      },
    },
    async (request, reply) => {
      const principal = requirePrincipal(request);
      const body = request.body as string | MultipartManifest;
      let options = optionsFromQuery(request.query);
      let text: string;
      if (typeof body === 'string') {
        text = body;
      } else if (!request.isMultipart()) {
        throw new HttpError(415, 'unsupported-media-type', 'send the manifest as application/x-ndjson, text/plain or multipart/form-data (field "manifest")');
      } else {
        text = body.manifest;
        if (body.options !== undefined) options = { ...options, ...checkOptions(parseJsonField(body.options, 'body.options'), 'body.options') };
      }
      if (!text.trim()) throw new ValidationError('body must be a non-empty JSONL manifest', 'body');
      refuseStoreSources({ kind: 'jsonl', text, baseUri: request.query.baseUri }, deps.store.location, (field) =>
        field === 'body.source.baseUri' ? 'querystring.baseUri' : 'body');
      const runRequest = { source: { kind: 'jsonl', text, baseUri: request.query.baseUri } as const, options: toRunOptions(options), tenant: principal.tenant };
      const checked = await coordinator.preflight(runRequest);
      const run = await coordinator.createRun({ ...runRequest, options: checked.options });
      request.log.info({ runId: run.id, tenant: principal.tenant, source: 'manifest-upload' }, 'run created');
      return reply.status(201).send(presentRun(run));
    },
  );

  app.get(
    '/runs',
    {
      schema: {
        summary: 'List runs, newest first (paged by cursor)',
        tags: ['runs'],
        querystring: ListRunsQuery,
        response: { 200: RunListOutput, 400: ErrorOutput, 401: ErrorOutput, 403: ErrorOutput },
      },
    },
    async (request) => {
      const principal = requirePrincipal(request);
      if (request.query.allTenants && !isAdmin(principal)) throw new HttpError(403, 'forbidden', 'allTenants needs a token with the admin scope');
      const page = await coordinator.listRuns({
        tenant: request.query.allTenants ? undefined : principal.tenant,
        limit: request.query.limit ?? 20,
        cursor: request.query.cursor,
      });
      return { runs: page.runs.map(presentRun), next: page.next };
    },
  );

  app.get(
    '/runs/:runId',
    {
      schema: {
        summary: 'One run: status, per-stage progress and throughput, ETA, the first failures',
        tags: ['runs'],
        params: RunIdParams,
        response: { 200: RunDetailOutput, ...errors },
      },
    },
    async (request) => {
      const run = await visibleRun(deps, request, request.params.runId);
      const recentFailures = run.totals.failed > 0 ? await coordinator.failures(run.id, { limit: RECENT_FAILURES, offset: 0 }) : [];
      return { ...presentRun(run), recentFailures };
    },
  );

  app.post(
    '/runs/:runId/cancel',
    {
      schema: { summary: 'Cancel a run: queued batches are dropped, running ones finish', tags: ['runs'], params: RunIdParams, response: { 202: RunStateOutput, ...errors } },
    },
    async (request, reply) => {
      const run = await visibleRun(deps, request, request.params.runId);
      await coordinator.cancelRun(run.id);
      const after = (await coordinator.getRun(run.id)) ?? run;
      return reply.status(202).send(presentRun(after));
    },
  );

  app.post(
    '/runs/:runId/retry',
    {
      schema: {
        summary: 'Re-enqueue the images that failed',
        tags: ['runs'],
        params: RunIdParams,
        response: { 202: Type.Object({ retried: Type.Integer() }), ...errors },
      },
    },
    async (request, reply) => {
      const run = await visibleRun(deps, request, request.params.runId);
      return reply.status(202).send({ retried: await coordinator.retryFailed(run.id) });
    },
  );

  app.get(
    '/runs/:runId/failures',
    {
      schema: {
        summary: 'Images that failed, with the stage, code and reason',
        tags: ['runs'],
        params: RunIdParams,
        querystring: PageQuery,
        response: { 200: Type.Object({ failures: Type.Array(ImageFailureOutput) }), ...errors },
      },
    },
    async (request) => {
      const run = await visibleRun(deps, request, request.params.runId);
      return { failures: await coordinator.failures(run.id, { limit: request.query.limit ?? 50, offset: request.query.offset ?? 0 }) };
    },
  );

  app.get(
    '/runs/:runId/dataset',
    {
      schema: {
        summary: 'The exported dataset: its files with download links (presigned on S3, streamed from this service otherwise)',
        tags: ['datasets'],
        params: RunIdParams,
        response: { 200: DatasetOutput, ...errors, 409: ErrorOutput },
      },
    },
    async (request) => {
      const run = await visibleRun(deps, request, request.params.runId);
      const dataset = await coordinator.dataset(run.id);
      if (!dataset) throw new HttpError(409, 'not-exported', `run ${run.id} has no dataset yet (status ${run.status})`);
      const ttl = settings.downloadUrlTtlSeconds;
      const files = await Promise.all(
        dataset.files.map(async (file) => {
          const presigned = await deps.store.downloadUrl(file.key, ttl);
          return presigned
            ? { path: file.path, bytes: file.bytes, url: presigned, expiresAt: new Date(Date.now() + ttl * 1000).toISOString() }
            : { path: file.path, bytes: file.bytes, url: `/v1/runs/${run.id}/dataset/files/${file.path.split('/').map(encodeURIComponent).join('/')}` };
        }),
      );
      return { runId: run.id, records: dataset.records, qaPairs: dataset.qaPairs, formats: dataset.formats, countsByCategory: dataset.countsByCategory, countsByType: dataset.countsByType, files };
    },
  );

  app.get(
    '/runs/:runId/dataset/files/*',
    {
      schema: {
        summary: 'Download one dataset file (local storage)',
        tags: ['datasets'],
        params: Type.Object({ runId: RunIdParams.properties.runId, '*': Type.String({ minLength: 1, maxLength: 512 }) }),
        response: { 200: BinaryOutput, ...errors },
      },
    },
    async (request, reply) => {
      const run = await visibleRun(deps, request, request.params.runId);
      const dataset = await coordinator.dataset(run.id);
      const file = dataset?.files.find((f) => f.path === request.params['*']);
      if (!file) throw notFound(`file ${request.params['*']} of run ${run.id}`);
      const name = file.path.split('/').pop() ?? 'file';
      const localPath = deps.store.localPath(file.key);
      return reply
        .type(contentTypeOf(file.path))
        .header('content-disposition', `attachment; filename="${name.replace(/"/g, '')}"`)
        .send(localPath ? createReadStream(localPath) : Buffer.from(await deps.store.get(file.key)));
    },
  );
};

export function contentTypeOf(path: string): string {
  if (path.endsWith('.parquet')) return 'application/vnd.apache.parquet';
  if (path.endsWith('.jsonl')) return 'application/x-ndjson';
  if (path.endsWith('.json')) return 'application/json';
  if (path.endsWith('.md')) return 'text/markdown; charset=utf-8';
  if (path.endsWith('.txt')) return 'text/plain; charset=utf-8';
  if (path.endsWith('.tar')) return 'application/x-tar';
  if (path.endsWith('.png')) return 'image/png';
  if (path.endsWith('.jpg') || path.endsWith('.jpeg')) return 'image/jpeg';
  return 'application/octet-stream';
}
