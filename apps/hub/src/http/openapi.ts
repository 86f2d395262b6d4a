import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';

export interface OpenApiInfo {
  title: string;
  version: string;
}

/**
 * Collects the `schema` of every route registered after this call into an OpenAPI 3 document
 * served at `GET /docs/json`. Register it before any route, or those routes are missing.
 */
export async function registerOpenApi(app: FastifyInstance, info: OpenApiInfo): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info,
      components: {
        securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } },
      },
    },
  });
  app.get('/docs/json', { schema: { hide: true } }, async () => app.swagger());
}
