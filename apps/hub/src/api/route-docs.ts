import type { FastifyInstance, FastifySchema } from 'fastify';
import { z } from 'zod';
import { errorEnvelopeSchema } from './schemas.js';

/**
 * Bodies and params of the API are validated with zod inside the handlers, after authorization
 * (typed results, issues in the 400 details, and no 400 that tells an outsider more than its
 * 401/404 would). The route schemas are the same zod schemas, there only to document the API, so
 * Fastify's validator is switched off for the API plugin.
 */
export function documentOnlyValidation(app: FastifyInstance): void {
  app.setValidatorCompiler(() => (data) => ({ value: data }));
}

type SuccessStatus = 200 | 201 | 202 | 204;
/** Statuses a route answers with its own body rather than the error envelope. */
type AnswerStatus = SuccessStatus | 422;
/** A documented answer: its schema (204: none), or a schema with its own description. */
type SuccessResponse =
  | z.ZodType
  | null
  | { description: string; schema: z.ZodType | null; contentType?: string };

const SUCCESS_DESCRIPTIONS: Record<SuccessStatus, string> = {
  200: 'OK',
  201: 'Created',
  202: 'Accepted',
  204: 'No content',
};

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid input (zod issues in `error.details`) or a refused request',
  401: 'No or bad credentials',
  403: 'Wrong role or workspace',
  404: 'Unknown (or not visible to the caller)',
  409: 'Conflict with the current state',
  410: 'Gone: unknown, used or expired',
  413: 'Body over the size limit',
  422: 'Understood but not applicable',
  429: 'Rate limited; see Retry-After',
  502: 'The platform failed to answer',
  503: 'A dependency (the database) is down; retry later',
};

export interface RouteDocsOptions {
  /** Unique across the API, camelCase: client generators name their methods after it. */
  operationId: string;
  tags: string[];
  summary: string;
  params?: z.ZodType;
  body?: z.ZodType;
  querystring?: z.ZodType;
  headers?: z.ZodType;
  /** The answers by status: the successes, and any status with a body of its own (e.g. 422). */
  responses: Partial<Record<AnswerStatus, SuccessResponse>>;
  /** Error statuses beyond those every route may answer (400, 401, 403, 404, 429, 503). */
  errors?: number[];
  /** Replaces the default error statuses (for routes outside the API, e.g. health). */
  onlyErrors?: number[];
  /** False for routes anyone may call (default: bearer token). */
  auth?: boolean;
}

const jsonContent = (description: string, schema: z.ZodType, contentType = 'application/json') => ({
  description,
  content: { [contentType]: { schema } },
});

export function routeDocs(options: RouteDocsOptions): FastifySchema {
  const response: Record<number, unknown> = {};
  for (const [key, answer] of Object.entries(options.responses)) {
    const status = Number(key);
    const { description, schema, contentType } =
      answer === null || answer instanceof z.ZodType
        ? {
            description: SUCCESS_DESCRIPTIONS[status as SuccessStatus] ?? 'Answer',
            schema: answer,
            contentType: undefined,
          }
        : answer;
    response[status] =
      schema === null ? z.undefined().describe(description) : jsonContent(description, schema, contentType);
  }
  const errors = new Set(options.onlyErrors ?? [400, 404, 429, 503, ...(options.errors ?? [])]);
  if (options.body && !options.onlyErrors) errors.add(413);
  if (options.auth !== false && !options.onlyErrors) {
    errors.add(401);
    errors.add(403);
  }
  for (const status of [...errors].sort()) {
    if (response[status]) continue;
    response[status] = jsonContent(ERROR_DESCRIPTIONS[status] ?? 'Error', errorEnvelopeSchema);
  }
  const schema: FastifySchema & Record<string, unknown> = {
    operationId: options.operationId,
    tags: options.tags,
    summary: options.summary,
    response,
  };
  if (options.params) schema.params = options.params;
  if (options.body) schema.body = options.body;
  if (options.querystring) schema.querystring = options.querystring;
  if (options.headers) schema.headers = options.headers;
  if (options.auth !== false) schema.security = [{ bearerAuth: [] }];
  return schema;
}
