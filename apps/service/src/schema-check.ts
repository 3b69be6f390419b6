/**
 * Validation outside Fastify's request pipeline (a JSON field inside a multipart upload), reporting
 * errors the same way as request validation: a `ValidationError` naming the field path.
 */
import { Compile } from 'typebox/compile';
import type { Static, TSchema } from 'typebox';
import type { FastifySchemaValidationError } from 'fastify';
import { formatSchemaErrors } from './http-errors.js';

export function compileChecker<T extends TSchema>(schema: T): (value: unknown, root: string) => Static<T> {
  const validator = Compile(schema);
  return (value, root) => {
    if (validator.Check(value)) return value as Static<T>;
    const errors: FastifySchemaValidationError[] = validator.Errors(value).map((e) => {
      // TypeBox names missing / unexpected properties in arrays; ajv (Fastify's validator) names one.
      const params = e.params as Record<string, unknown>;
      const missing = (params.requiredProperties as string[] | undefined)?.[0];
      const extra = (params.additionalProperties as string[] | undefined)?.[0];
      return { keyword: e.keyword, instancePath: e.instancePath, schemaPath: e.schemaPath, message: e.message, params: { ...params, missingProperty: missing, additionalProperty: extra } };
    });
    throw formatSchemaErrors(errors, root);
  };
}
