import type { FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { ZodError } from 'zod';
import { ApiError } from './errors.js';

/** The body of every error response the hub sends. */
export interface ErrorEnvelope {
  error: { code: string; message: string; details?: unknown };
}

export function errorEnvelope(code: string, message: string, details?: unknown): ErrorEnvelope {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}

/** How loudly an error deserves to be logged: client mistakes stay at debug (hot path). */
export type ErrorLogLevel = 'debug' | 'warn' | 'error';

export interface ErrorResponse {
  status: number;
  envelope: ErrorEnvelope;
  logLevel: ErrorLogLevel;
}

export const INTERNAL_ERROR_MESSAGE = 'internal server error';

// Fastify's own request errors (body parsing, content type, length) carry these codes.
const FASTIFY_CODES: Record<string, { status: number; code: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'payload_too_large' },
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: 'malformed_json' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: 'malformed_json' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, code: 'unsupported_media_type' },
};

const CODES_BY_STATUS: Record<number, string> = {
  400: 'bad_request',
  404: 'not_found',
  405: 'method_not_allowed',
  406: 'not_acceptable',
  408: 'request_timeout',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'too_many_requests',
  431: 'request_header_fields_too_large',
};

interface ErrorLike {
  code?: unknown;
  statusCode?: unknown;
  message?: unknown;
  validation?: unknown;
  issues?: unknown;
  name?: unknown;
}

function asErrorLike(error: unknown): ErrorLike {
  return typeof error === 'object' && error !== null ? (error as ErrorLike) : {};
}

/**
 * Zod errors may come from another copy of zod (a workspace package resolving its own), where
 * `instanceof` fails; the name plus an issues array identifies them just as well.
 */
function zodIssues(error: unknown): unknown[] | undefined {
  if (error instanceof ZodError) return error.issues;
  const like = asErrorLike(error);
  return like.name === 'ZodError' && Array.isArray(like.issues) ? like.issues : undefined;
}

/**
 * A route schema that failed (fastify-type-provider-zod's validator) carries its zod issues in
 * Fastify's validation format; they are answered as zod issues, like a handler's own parse.
 */
function schemaValidationIssues(error: unknown): unknown[] | undefined {
  if (!hasZodFastifySchemaValidationErrors(error)) return undefined;
  return error.validation.map(({ keyword, instancePath, message, params }) => ({
    ...params,
    code: keyword,
    path: instancePath
      .split('/')
      .slice(1)
      .filter((part) => part !== '')
      .map((part) => (/^\d+$/.test(part) ? Number(part) : part)),
    message,
  }));
}

function messageOf(like: ErrorLike, fallback: string): string {
  return typeof like.message === 'string' && like.message !== '' ? like.message : fallback;
}

/**
 * Maps anything thrown during a request to the response the client sees. Invariants: bad input is
 * always 4xx, and only ApiErrors and client-caused framework errors expose their message; an
 * unexpected error answers a generic 500 so internals never leak.
 */
export function toErrorResponse(error: unknown): ErrorResponse {
  if (error instanceof ApiError) {
    return {
      status: error.status,
      envelope: errorEnvelope(error.code, error.message, error.details),
      logLevel: error.status >= 500 ? 'warn' : 'debug',
    };
  }
  const issues = zodIssues(error) ?? schemaValidationIssues(error);
  if (issues) {
    return {
      status: 400,
      envelope: errorEnvelope('invalid_input', 'request is invalid', issues),
      logLevel: 'debug',
    };
  }
  const like = asErrorLike(error);
  // The db package signals an outage with this code; matched by property so http stays db-agnostic.
  if (like.code === 'database_unavailable') {
    return {
      status: 503,
      envelope: errorEnvelope('service_unavailable', 'the database is unavailable; retry later'),
      logLevel: 'warn',
    };
  }
  if (Array.isArray(like.validation)) {
    return {
      status: 400,
      envelope: errorEnvelope('invalid_input', messageOf(like, 'request is invalid'), like.validation),
      logLevel: 'debug',
    };
  }
  const known = typeof like.code === 'string' ? FASTIFY_CODES[like.code] : undefined;
  if (known) {
    return {
      status: known.status,
      envelope: errorEnvelope(known.code, messageOf(like, known.code)),
      logLevel: 'debug',
    };
  }
  const status = typeof like.statusCode === 'number' ? like.statusCode : 500;
  if (status >= 400 && status < 500) {
    // Fastify's default JSON parser reports syntax errors as a 400 SyntaxError.
    const code = like.name === 'SyntaxError' ? 'malformed_json' : (CODES_BY_STATUS[status] ?? 'bad_request');
    return { status, envelope: errorEnvelope(code, messageOf(like, code)), logLevel: 'debug' };
  }
  return {
    status: 500,
    envelope: errorEnvelope('internal_error', INTERNAL_ERROR_MESSAGE),
    logLevel: 'error',
  };
}

/**
 * Installs the root error and not-found handlers; every error response leaves through here.
 * Encapsulated plugins may set their own handler to translate domain errors and rethrow: Fastify
 * then hands the rethrown error to this one.
 */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => {
    let response: ReturnType<typeof toErrorResponse>;
    try {
      response = toErrorResponse(error);
    } catch {
      // If this handler threw, Fastify's fallback would serialize the raw error message.
      response = {
        status: 500,
        envelope: errorEnvelope('internal_error', INTERNAL_ERROR_MESSAGE),
        logLevel: 'error',
      };
    }
    const route = request.routeOptions.url ?? 'unmatched';
    if (response.logLevel === 'error') request.log.error({ err: error, route }, 'request failed');
    else if (response.logLevel === 'warn') request.log.warn({ err: error, route }, 'request failed');
    else request.log.debug({ code: response.envelope.error.code, route }, 'request rejected');
    return reply.code(response.status).send(response.envelope);
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?', 1)[0];
    return reply.code(404).send(errorEnvelope('route_not_found', `no route for ${request.method} ${path}`));
  });
}
