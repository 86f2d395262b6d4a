import type { FastifyInstance, FastifySchema } from 'fastify';
import { z } from 'zod';

/**
 * Bodies and params are validated with zod inside the handlers (one schema language, typed
 * results, issues in the 400 details). Fastify gets the same schemas as JSON Schema only to
 * document them in OpenAPI, so its own validator is switched off for the API plugin.
 */
export function documentOnlyValidation(app: FastifyInstance): void {
  app.setValidatorCompiler(() => (data) => ({ value: data }));
}

export function routeDocs(options: {
  tags: string[];
  summary: string;
  body?: z.ZodType;
  querystring?: z.ZodType;
  auth?: boolean;
}): FastifySchema {
  const schema: FastifySchema & { tags: string[]; summary: string; security?: unknown[] } = {
    tags: options.tags,
    summary: options.summary,
  };
  if (options.body) schema.body = z.toJSONSchema(options.body, { io: 'input', unrepresentable: 'any' });
  if (options.querystring) {
    schema.querystring = z.toJSONSchema(options.querystring, { io: 'input', unrepresentable: 'any' });
  }
  if (options.auth !== false) schema.security = [{ bearerAuth: [] }];
  return schema;
}
