import type { FastifyInstance } from 'fastify';
import { parseJsonBody } from './safe-json.js';

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * The request body exactly as received. Webhook signatures are verified over these bytes,
     * never over a re-serialization of `body`. Undefined when the request carried no body.
     */
    rawBody?: Buffer;
  }
}

/**
 * Replaces Fastify's body parsers: JSON is parsed from a buffer that is kept on `rawBody`, and
 * every other content type (form-encoded webhooks, none at all) arrives as that Buffer, unparsed.
 * Fastify still enforces the server's bodyLimit while buffering.
 */
export function registerRawJsonParser(app: FastifyInstance): void {
  app.decorateRequest('rawBody', undefined);
  app.removeAllContentTypeParsers();

  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body: Buffer, done) => {
    request.rawBody = body;
    if (body.length === 0) {
      done(null, undefined);
      return;
    }
    try {
      done(null, parseJsonBody(body));
    } catch (error) {
      done(error as Error, undefined);
    }
  });

  app.addContentTypeParser('*', { parseAs: 'buffer' }, (request, body: Buffer, done) => {
    request.rawBody = body;
    done(null, body);
  });
}
