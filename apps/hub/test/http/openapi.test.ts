import { describe, expect, it } from 'vitest';
import { z } from 'zod';
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
            params: z.object({ ws: z.string() }),
            body: z.object({ name: z.string() }),
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

describe('Swagger UI', () => {
  it('serves the UI at /docs from local assets, beside the JSON and YAML documents', async () => {
    const app = createHttpServer({ logger: createLogger({ level: 'silent' }) });
    await registerOpenApi(app, { title: 'Switchboard hub', version: '1.2.3' });
    app.get('/api/v1/ping', { schema: { summary: 'Ping', operationId: 'ping' } }, async () => ({ ok: true }));
    await app.ready();

    const page = await app.inject({ method: 'GET', url: '/docs' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toContain('id="swagger-ui"');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    // Every script and stylesheet the page names is served by the hub itself: no CDN.
    const assets = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1] as string);
    expect(assets.length).toBeGreaterThanOrEqual(4);
    for (const asset of assets) {
      expect(asset).not.toMatch(/^(https?:)?\/\//);
      const served = await app.inject({ method: 'GET', url: asset });
      expect(served.statusCode, asset).toBe(200);
    }
    const initializer = await app.inject({ method: 'GET', url: '/docs/static/swagger-initializer.js' });
    // No validator badge (it would call a public server) and no absolute URL outside comments.
    expect(initializer.body).toContain('validatorUrl: null');
    const code = initializer.body
      .split('\n')
      .filter((line) => !line.trim().startsWith('//'))
      .join('\n');
    expect(code).not.toMatch(/https?:\/\//);

    const json = await app.inject({ method: 'GET', url: '/docs/json' });
    expect(json.statusCode).toBe(200);
    expect(json.json().paths['/api/v1/ping'].get.operationId).toBe('ping');
    expect(json.json().paths['/docs']).toBeUndefined();
    const yaml = await app.inject({ method: 'GET', url: '/docs/yaml' });
    expect(yaml.statusCode).toBe(200);
    expect(yaml.body).toContain('operationId: ping');
    await app.close();
  });
});
