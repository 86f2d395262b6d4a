import type { FastifyInstance } from 'fastify';
import { errorEnvelope, INTERNAL_ERROR_MESSAGE, toErrorResponse } from './error-envelope.js';

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
