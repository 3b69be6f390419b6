/** Health, readiness, metrics, and the /v1 ops routes (workers; who am I). */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { requirePrincipal } from './auth.js';
import type { ServiceDeps } from './app.js';
import { ErrorOutput, PrincipalOutput, WorkerOutput } from './schemas.js';

/** How long a readiness probe waits on Redis or the store before reporting it down, milliseconds. */
const READINESS_TIMEOUT_MS = 2000;

async function probe(check: () => Promise<unknown>): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer in ${READINESS_TIMEOUT_MS} ms`)), READINESS_TIMEOUT_MS);
      }),
    ]);
    return 'ok';
  } catch (err) {
    return (err as Error).message;
  } finally {
    clearTimeout(timer);
  }
}

export const opsRoutes: FastifyPluginAsyncTypebox<{ deps: ServiceDeps }> = async (app, { deps }) => {
  app.get(
    '/healthz',
    { schema: { summary: 'The process is up', tags: ['ops'], security: [], response: { 200: Type.Object({ status: Type.Literal('ok') }) } } },
    async () => ({ status: 'ok' as const }),
  );

  const Readiness = Type.Object({ status: Type.Enum(['ready', 'unavailable']), redis: Type.String(), store: Type.String() });
  app.get(
    '/readyz',
    { schema: { summary: 'Redis and the object store answer', tags: ['ops'], security: [], response: { 200: Readiness, 503: Readiness } } },
    async (_request, reply) => {
      const [redis, store] = await Promise.all([probe(() => deps.redis.ping()), probe(() => deps.store.verify())]);
      const ready = redis === 'ok' && store === 'ok';
      return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'unavailable', redis, store });
    },
  );

  app.get(
    '/metrics',
    { schema: { summary: 'Prometheus metrics (text exposition format)', tags: ['ops'], security: [], produces: ['text/plain'] } },
    async (_request, reply) => reply.type(deps.metrics.contentType).send(await deps.metrics.metrics()),
  );
};

export const v1OpsRoutes: FastifyPluginAsyncTypebox<{ deps: ServiceDeps }> = async (app, { deps }) => {
  app.get(
    '/workers',
    {
      config: { scope: 'admin' },
      schema: {
        summary: 'Stage workers and their last heartbeats (admin)',
        tags: ['ops'],
        response: { 200: Type.Object({ workers: Type.Array(WorkerOutput) }), 401: ErrorOutput, 403: ErrorOutput },
      },
    },
    async () => ({ workers: await deps.coordinator.workers() }),
  );

  app.get(
    '/whoami',
    { schema: { summary: 'The tenant and scopes of the calling token', tags: ['ops'], response: { 200: PrincipalOutput, 401: ErrorOutput } } },
    async (request) => requirePrincipal(request),
  );
};
