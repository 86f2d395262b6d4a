import {
  ConfigRejectedError,
  InvalidConfigError,
  isNotFound,
  UnknownChannelTypeError,
} from '@switchboard/core';
import { ConflictError } from '@switchboard/db';
import type { FastifyInstance } from 'fastify';
import { ApiError, badRequest, conflict, notFound } from '../http/errors.js';

/** Translates the stores' and core's typed errors into API errors; anything else passes through. */
export function toApiError(error: unknown): unknown {
  if (error instanceof ApiError) return error;
  if (isNotFound(error)) return notFound((error as { entity?: string }).entity ?? 'resource');
  if (error instanceof ConflictError) return conflict(`${error.entity}_exists`, error.message);
  if (error instanceof InvalidConfigError) {
    // The message names every problem (zod never echoes values, so no secret can show here).
    return badRequest(
      'invalid_config',
      error.message.replace(/^invalid channel config/, 'installation config is invalid'),
      error.issues,
    );
  }
  if (error instanceof ConfigRejectedError) {
    return error.unreachable
      ? new ApiError(502, 'platform_unreachable', error.message, { platformError: error.platformCode })
      : new ApiError(422, 'config_rejected', error.message, {
          platformError: error.platformCode,
          ...(error.field ? { field: error.field } : {}),
        });
  }
  if (error instanceof UnknownChannelTypeError) {
    return badRequest('unknown_channel_type', error.message, { registeredTypes: error.registeredTypes });
  }
  return error;
}

/**
 * Installs the translation in an encapsulated API plugin. Rethrowing hands the (translated)
 * error to the root handler, which owns the envelope and the logging.
 */
export function translateDomainErrors(app: FastifyInstance): void {
  app.setErrorHandler((error) => {
    throw toApiError(error);
  });
}
