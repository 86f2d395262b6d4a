import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';

export interface OpenApiInfo {
  title: string;
  version: string;
}

export interface OpenApiOptions {
  /** JSON Schemas added to `components.schemas` as they are (e.g. per-channel-type configs). */
  schemas?: Record<string, Record<string, unknown>>;
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

type Document = ReturnType<typeof jsonSchemaTransformObject>;
type WithComponents = { components?: { schemas?: Record<string, unknown> } };

/**
 * The transform emits every registered zod component twice (`X` for responses, `XInput` for
 * requests); the variants no operation refers to are dropped so the document lists only real ones.
 */
function withoutUnusedComponents(document: Document): Document {
  const { components } = document as WithComponents;
  const schemas = components?.schemas;
  if (!schemas) return document;
  const isVariant = (name: string) => name.endsWith('Input');
  const rest = Object.fromEntries(Object.entries(schemas).filter(([name]) => !isVariant(name)));
  const text = JSON.stringify({ ...document, components: { ...components, schemas: rest } });
  const kept = Object.fromEntries(
    Object.entries(schemas).filter(
      ([name]) => !isVariant(name) || text.includes(`"#/components/schemas/${name}"`),
    ),
  );
  return { ...document, components: { ...components, schemas: kept } } as Document;
}

/**
 * Collects the `schema` of every route registered after this call into an OpenAPI 3.1 document
 * served at `GET /docs/json` (and `/docs/yaml`), with Swagger UI at `GET /docs`. Route schemas are
 * zod schemas, converted by fastify-type-provider-zod. Register it before any route, or those
 * routes are missing.
 */
export async function registerOpenApi(
  app: FastifyInstance,
  info: OpenApiInfo,
  options: OpenApiOptions = {},
): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info,
      components: {
        securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } },
        ...(options.schemas ? { schemas: options.schemas } : {}),
      },
    },
    transform: jsonSchemaTransform,
    transformObject: (document) => withoutUnusedComponents(jsonSchemaTransformObject(document)),
  });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    staticCSP: DOCS_CSP,
    uiConfig: { deepLinking: true, validatorUrl: null },
  });
}
