/**
 * The Fastify application: REST under /v1 (bearer tokens, per-tenant), OpenAPI at /docs, the dashboard
 * at /, /metrics, /healthz and /readyz. Everything it talks to is passed in, so tests and
 * `spatialforge serve` build it the same way.
 */
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import multipart from '@fastify/multipart';
import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import type { Coordinator } from '@spatialforge/core';
import type { ObjectStore } from '@spatialforge/storage';
import { authenticate } from './auth.js';
import { dashboardRoutes } from './dashboard-routes.js';
import { errorHandler, formatSchemaErrors } from './http-errors.js';
import { opsRoutes, v1OpsRoutes } from './ops-routes.js';
import { createRateLimiter } from './rate-limiter.js';
import { researchRoutes } from './research-routes.js';
import { runRoutes } from './run-routes.js';
import { sampleRoutes } from './sample-routes.js';
import type { ServiceSettings } from './settings.js';
import type { TokenStore } from './token-store.js';

export interface ServiceDeps {
  coordinator: Coordinator;
  store: ObjectStore;
  tokens: TokenStore;
  /** Shared with the coordinator is fine: rate-limit buckets and the readiness ping use it. */
  redis: Redis;
  /** The registry /metrics exposes (@spatialforge/metrics' registry, with process defaults). */
  metrics: Registry;
  settings: ServiceSettings;
  /** The deployment's Redis key prefix (QUEUE_PREFIX): rate-limit buckets live under it. */
  keyPrefix: string;
}

export interface BuildAppOptions {
  /** Fastify logger options; off by default (the CLI turns it on). */
  logger?: FastifyServerOptions['logger'];
}

/** Pino serializers that never let a token reach a log line: no headers, and `token=` masked in URLs. */
export const redactingSerializers = {
  req(request: { method: string; url: string; ip?: string; headers?: Record<string, unknown> }) {
    return { method: request.method, url: request.url.replace(/([?&]token=)[^&#]*/gi, '$1[redacted]'), remoteAddress: request.ip };
  },
};

export async function buildApp(deps: ServiceDeps, options: BuildAppOptions = {}): Promise<FastifyInstance> {
  const logger = options.logger === undefined || options.logger === false
    ? false
    : { ...(options.logger === true ? {} : options.logger), serializers: redactingSerializers, redact: { paths: ['req.headers.authorization', 'headers.authorization'], censor: '[redacted]' } };
  const app = Fastify({
    logger,
    bodyLimit: deps.settings.bodyLimitBytes,
    schemaErrorFormatter: formatSchemaErrors,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', discriminator: true, allErrors: false } },
    // Requests are cheap reads; long polls and downloads are bounded by the client.
    requestTimeout: 120_000,
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setErrorHandler(errorHandler);
  app.addContentTypeParser(['application/x-ndjson', 'application/jsonl', 'text/plain'], { parseAs: 'string', bodyLimit: deps.settings.manifestLimitBytes }, (_req, body, done) => done(null, body));
  await app.register(multipart, { limits: { fileSize: deps.settings.manifestLimitBytes, files: 1, fields: 4 } });

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'spatialforge',
        description: 'Turn image corpora into 3D-grounded spatial question-answer datasets. Authenticate with `Authorization: Bearer <token>` (`spatialforge tokens create`).',
        version: '0.1.0',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
      tags: [
        { name: 'runs', description: 'Submit corpora and follow their runs' },
        { name: 'datasets', description: 'Download exported datasets' },
        { name: 'samples', description: 'Inspect processed images: scene graphs, QA and pictures' },
        { name: 'research', description: 'Spatial reasoning over scene graphs and dense reward curves for robot episodes' },
        { name: 'ops', description: 'Workers and service health' },
      ],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });

  const limiter = createRateLimiter(deps.redis, deps.settings.rateLimitPerMinute, deps.keyPrefix);
  await app.register(
    async (v1) => {
      authenticate(v1, deps.tokens, limiter);
      await v1.register(runRoutes, { deps });
      await v1.register(sampleRoutes, { deps });
      await v1.register(researchRoutes, { deps });
      await v1.register(v1OpsRoutes, { deps });
    },
    { prefix: '/v1' },
  );
  await app.register(opsRoutes, { deps });
  await app.register(dashboardRoutes);
  return app;
}
