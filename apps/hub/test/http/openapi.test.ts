import { describe, expect, it } from 'vitest';
import { registerOpenApi } from '../../src/http/openapi.js';
import { createHttpServer } from '../../src/http/server.js';
import { createLogger } from '../../src/logging/logger.js';

describe('OpenAPI document', () => {
  it('lists routes declared with a schema, with the bearer security scheme', async () => {
    const app = createHttpServer({ logger: createLogger({ level: 'silent' }) });
    await registerOpenApi(app, { title: 'Switchboard hub', version: '1.2.3' });
    app.register(async (api) => {
      api.post(
        '/api/v1/workspaces/:ws/agents',
        {
          schema: {
            tags: ['agents'],
            summary: 'Register an agent',
            security: [{ bearerAuth: [] }],
            params: { type: 'object', properties: { ws: { type: 'string' } }, required: ['ws'] },
            body: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] },
          },
        },
        async () => ({}),
      );
    });

    const response = await app.inject({ method: 'GET', url: '/docs/json' });
    expect(response.statusCode).toBe(200);
    const doc = response.json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.info).toEqual({ title: 'Switchboard hub', version: '1.2.3' });
    expect(doc.components.securitySchemes.bearerAuth).toEqual({ type: 'http', scheme: 'bearer' });
    const operation = doc.paths['/api/v1/workspaces/{ws}/agents'].post;
    expect(operation.tags).toEqual(['agents']);
    expect(operation.summary).toBe('Register an agent');
    expect(operation.security).toEqual([{ bearerAuth: [] }]);
    expect(operation.requestBody.content['application/json'].schema.required).toEqual(['name']);
    expect(doc.paths['/docs/json']).toBeUndefined();
    await app.close();
  });
});
