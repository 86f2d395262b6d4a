import type { Agent } from '../agent.js';

// Structural types: the SDK has no runtime (or type) dependency on Fastify.

export interface FastifyLikeRequest {
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

export interface FastifyLikeReply {
  code(statusCode: number): FastifyLikeReply;
  send(payload?: unknown): FastifyLikeReply;
}

export interface FastifyLikeInstance {
  removeAllContentTypeParsers(): void;
  addContentTypeParser(
    contentType: string,
    options: { parseAs: 'buffer'; bodyLimit?: number },
    parser: (request: never, body: Buffer, done: (error: Error | null, body?: unknown) => void) => void,
  ): void;
  post(
    path: string,
    handler: (request: FastifyLikeRequest, reply: FastifyLikeReply) => Promise<unknown>,
  ): unknown;
}

export interface FastifyPluginOptions {
  /** The route inside the plugin's prefix (default `/`). */
  path?: string;
}

export type FastifyPlugin = (instance: FastifyLikeInstance, options: FastifyPluginOptions) => Promise<void>;

/**
 * `await app.register(agent.fastify(), { prefix: '/deliver' })`. Encapsulated: its raw-body
 * parser applies to its own route only, so the rest of the app keeps Fastify's JSON parsing.
 */
export function fastifyPlugin(agent: Agent): FastifyPlugin {
  return async (instance, options) => {
    instance.removeAllContentTypeParsers();
    instance.addContentTypeParser(
      '*',
      { parseAs: 'buffer', bodyLimit: agent.maxBodyBytes },
      (_req, body, done) => done(null, body),
    );
    instance.post(options.path ?? '/', async (request, reply) => {
      const body = request.body instanceof Uint8Array ? request.body : new Uint8Array(0);
      const response = await agent.handle({ headers: request.headers, body });
      return reply.code(response.status).send(response.body);
    });
  };
}
