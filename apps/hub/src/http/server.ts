import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type pino from 'pino';
import { registerErrorHandling } from './error-response.js';
import { registerRawJsonParser } from './raw-body.js';
import { registerSchemaCompilers } from './schema-compilers.js';

export const DEFAULT_BODY_LIMIT_BYTES = 1_048_576;

export interface HttpServerOptions {
  logger: pino.Logger;
  /** Largest accepted request body; bigger ones get 413 `payload_too_large`. Default 1 MiB. */
  bodyLimitBytes?: number;
  /** Trust X-Forwarded-* headers; only behind a proxy you control. */
  trustProxy?: boolean;
  /** Fail responses that do not match their documented schema (tests). */
  checkResponses?: boolean;
}

/**
 * A Fastify instance with the hub's HTTP conventions: raw-body JSON parsing, the error envelope,
 * x-request-id correlation, zod route schemas (documentation; see schema-compilers.ts). Callers register feature plugins on it and listen themselves.
 */
export function createHttpServer(options: HttpServerOptions): FastifyInstance {
  // Widened on purpose: typed as pino.Logger, Fastify's generics would make this instance
  // incompatible with plain FastifyInstance, which is what every plugin is written against.
  const loggerInstance: FastifyBaseLogger = options.logger;
  const app = Fastify({
    loggerInstance,
    bodyLimit: options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES,
    trustProxy: options.trustProxy ?? false,
    requestIdHeader: 'x-request-id',
    // Webhook ingress is the hot path: per-request logs only at debug, from the hook below.
    logController: new LogController({ disableRequestLogging: true }),
  });
  registerRawJsonParser(app);
  registerErrorHandling(app);
  registerSchemaCompilers(app, { checkResponses: options.checkResponses ?? false });

  // Echo the id so a client can quote it when reporting a failure (500s carry no details).
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    done();
  });

  app.addHook('onResponse', (request, reply, done) => {
    // The route pattern, not the raw URL: webhook paths may embed per-installation secrets.
    request.log.debug(
      {
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        status: reply.statusCode,
        durationMs: Math.round(reply.elapsedTime * 10) / 10,
      },
      'request completed',
    );
    done();
  });
  return app;
}
