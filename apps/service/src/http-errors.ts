/**
 * Error replies. Every 4xx body is `{ statusCode, error, code, message, field? }`, and a validation
 * failure's message starts with the path of the offending field (`body.source.urls[2] must match ...`)
 * so a client can tell which of its inputs to fix.
 */
import type { FastifyError, FastifyReply, FastifyRequest, FastifySchemaValidationError } from 'fastify';
import { STATUS_CODES } from 'node:http';
import { InputError } from '@spatialforge/core';
import { PATTERN_HINTS } from './schemas.js';

/** An error a route throws to answer with a given status. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export function notFound(what: string): HttpError {
  return new HttpError(404, 'not-found', `${what} not found`);
}

/** A schema validation failure, carrying the field path it names. */
export class ValidationError extends Error {
  readonly statusCode = 400;
  readonly code = 'validation';
  constructor(message: string, readonly field: string) {
    super(message);
    this.name = 'ValidationError';
  }
}

/** `/source/urls/2` under `body` → `body.source.urls[2]`; adds the missing or unexpected property when ajv names one. */
export function fieldPath(root: string, error: Pick<FastifySchemaValidationError, 'instancePath' | 'params'>): string {
  const segments = error.instancePath.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  const extra = error.params.missingProperty ?? error.params.additionalProperty;
  if (typeof extra === 'string') segments.push(extra);
  return segments.reduce((path, s) => (/^\d+$/.test(s) ? `${path}[${s}]` : `${path}.${s}`), root);
}

function describe(error: FastifySchemaValidationError): string {
  switch (error.keyword) {
    case 'required':
      return 'is required';
    case 'additionalProperties':
      return 'is not a known field';
    case 'pattern': {
      const hint = PATTERN_HINTS.get(String(error.params.pattern));
      return hint ? `must be ${hint}` : (error.message ?? 'is invalid');
    }
    case 'enum':
      return `must be one of ${(error.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'discriminator':
      return error.params.error === 'mapping'
        ? `must be one of the documented kinds (got ${JSON.stringify(error.params.tagValue)})`
        : 'is required and must be a string';
    default:
      return error.message ?? 'is invalid';
  }
}

/** Fastify's `schemaErrorFormatter`: reports the most specific (deepest) error. */
export function formatSchemaErrors(errors: FastifySchemaValidationError[], dataVar: string): ValidationError {
  const depth = (e: FastifySchemaValidationError) => fieldPath(dataVar, e).length;
  const chosen = errors.reduce((best, e) => (depth(e) > depth(best) ? e : best), errors[0]);
  const field = fieldPath(dataVar, chosen);
  return new ValidationError(`${field} ${describe(chosen)}`, field);
}

export interface ErrorBody {
  statusCode: number;
  error: string;
  code: string;
  message: string;
  field?: string;
}

export function errorHandler(err: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): void {
  let body: ErrorBody;
  if (err instanceof ValidationError || err instanceof HttpError) {
    body = { statusCode: err.statusCode, error: STATUS_CODES[err.statusCode] ?? 'Error', code: err.code, message: err.message, field: err.field };
  } else if (err instanceof InputError) {
    body = { statusCode: 400, error: 'Bad Request', code: err.code, message: err.message, field: err.field };
  } else if ('statusCode' in err && typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
    // Fastify's own client errors: body too large, bad JSON, unsupported content type.
    body = { statusCode: err.statusCode, error: STATUS_CODES[err.statusCode] ?? 'Error', code: String((err as FastifyError).code ?? 'bad-request'), message: err.message };
  } else {
    request.log.error({ err }, 'request failed');
    body = { statusCode: 500, error: 'Internal Server Error', code: 'internal', message: 'internal error; see the service log' };
  }
  if (body.field === undefined) delete body.field;
  void reply.status(body.statusCode).send(body);
}
