import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';

export interface OpenApiInfo {
  title: string;
  version: string;
}

/**
 * The docs may load only what the hub serves itself: Swagger UI's assets ship inside
 * `@fastify/swagger-ui`, so no page of the hub reaches a CDN (and no validator badge calls out).
 */
const DOCS_CSP = [
  "default-src 'self'",
  "base-uri 'self'",
  "connect-src 'self'",
  "frame-ancestors 'self'",
  "img-src 'self' data:",
  "object-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
].join('; ');

/**
 * Collects the `schema` of every route registered after this call into an OpenAPI 3 document
 * served at `GET /docs/json` (and `/docs/yaml`), with Swagger UI at `GET /docs`. Register it
 * before any route, or those routes are missing.
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
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    staticCSP: DOCS_CSP,
    uiConfig: { deepLinking: true, validatorUrl: null },
  });
}
