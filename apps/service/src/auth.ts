/**
 * Bearer-token authentication and per-token rate limiting for /v1. A route may require the `admin`
 * scope with `config: { scope: 'admin' }`; every other /v1 route needs `runs`.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HttpError } from './http-errors.js';
import type { RateLimiter } from './rate-limiter.js';
import type { Principal, Scope, TokenStore } from './token-store.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
  interface FastifyContextConfig {
    /** Scope the route needs; `runs` when absent. */
    scope?: Scope;
  }
}

export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return match?.[1];
}

export function requirePrincipal(request: FastifyRequest): Principal {
  if (!request.principal) throw new HttpError(401, 'unauthenticated', 'missing or invalid bearer token');
  return request.principal;
}

export function isAdmin(principal: Principal): boolean {
  return principal.scopes.includes('admin');
}

/** Adds the authentication hook to an encapsulated plugin (the /v1 routes). */
export function authenticate(app: FastifyInstance, tokens: TokenStore, limiter: RateLimiter): void {
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const token = bearerToken(request);
    const principal = token ? await tokens.verify(token) : undefined;
    if (!principal) {
      void reply.header('www-authenticate', 'Bearer realm="spatialforge"');
      throw new HttpError(401, 'unauthenticated', token ? 'the bearer token is unknown or revoked' : 'an Authorization: Bearer <token> header is required');
    }
    const scope = request.routeOptions.config.scope ?? 'runs';
    if (!principal.scopes.includes(scope)) {
      throw new HttpError(403, 'forbidden', `this route needs a token with the ${scope} scope`);
    }
    const decision = await limiter.take(principal.tokenId);
    if (Number.isFinite(decision.remaining)) {
      void reply.header('x-ratelimit-limit', limiter.perMinute).header('x-ratelimit-remaining', decision.remaining);
    }
    if (!decision.allowed) {
      void reply.header('retry-after', decision.retryAfterSeconds);
      throw new HttpError(429, 'rate-limited', `rate limit of ${limiter.perMinute} requests per minute reached; retry in ${decision.retryAfterSeconds} s`);
    }
    request.principal = principal;
  });
}
