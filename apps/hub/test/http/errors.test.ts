import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  badRequest,
  conflict,
  forbidden,
  gone,
  notFound,
  serviceUnavailable,
  unauthorized,
} from '../../src/http/errors.js';
import { readJson, startTestServer, type TestServer } from './http-harness.js';

function routes(app: FastifyInstance): void {
  app.get('/api-error', async () => {
    throw badRequest('bad_thing', 'that was bad', { field: 'name' });
  });
  app.get('/zod', async () => z.object({ slug: z.string() }).parse({ slug: 42 }));
  app.get('/boom', async () => {
    throw new Error('connection string postgres://admin:hunter2@db/prod leaked');
  });
  app.get('/db-down', async () => {
    throw Object.assign(new Error('pool exhausted'), { code: 'database_unavailable' });
  });
  app.post('/validated', { schema: { body: z.object({ name: z.string() }) } }, async () => ({ ok: true }));
  app.register(async (scoped) => {
    // Like the API plugin: a scoped handler translates, then rethrows to the root handler.
    scoped.setErrorHandler((error) => {
      throw error instanceof RangeError ? conflict('out_of_range', 'value out of range') : error;
    });
    scoped.get('/scoped', async () => {
      throw new RangeError('internal detail');
    });
  });
}

describe('error envelope', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(routes);
  });
  afterAll(() => server.close());

  const get = async (path: string) => {
    const response = await fetch(`${server.url}${path}`);
    return { status: response.status, body: await readJson(response) };
  };

  it('answers an ApiError with its status, code, message and details', async () => {
    expect(await get('/api-error')).toEqual({
      status: 400,
      body: { error: { code: 'bad_thing', message: 'that was bad', details: { field: 'name' } } },
    });
  });

  it('answers a zod error with 400 invalid_input and the issues as details', async () => {
    const { status, body } = await get('/zod');
    expect(status).toBe(400);
    expect(body.error.code).toBe('invalid_input');
    expect(body.error.details).toEqual([expect.objectContaining({ path: ['slug'], code: 'invalid_type' })]);
  });

  it('answers an unexpected error with a generic 500 and logs it instead', async () => {
    const response = await fetch(`${server.url}/boom`);
    const text = await response.text();
    expect(response.status).toBe(500);
    expect(JSON.parse(text)).toEqual({ error: { code: 'internal_error', message: 'internal server error' } });
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('at ');
    const logged = server.logs.records().find((record) => record.msg === 'request failed');
    expect(logged?.level).toBe(50);
    expect(JSON.stringify(logged)).toContain('hunter2');
  });

  it('answers a database outage with 503 service_unavailable', async () => {
    const { status, body } = await get('/db-down');
    expect(status).toBe(503);
    expect(body.error.code).toBe('service_unavailable');
    expect(body.error.message).not.toContain('pool');
  });

  it('answers a failed schema validation with 400 invalid_input', async () => {
    const response = await fetch(`${server.url}/validated`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(response.status).toBe(400);
    const { error } = await readJson(response);
    expect(error.code).toBe('invalid_input');
    expect(error.details).toEqual([expect.objectContaining({ path: ['name'], code: 'invalid_type' })]);
  });

  it('passes errors rethrown by a scoped handler through the same envelope', async () => {
    expect(await get('/scoped')).toEqual({
      status: 409,
      body: { error: { code: 'out_of_range', message: 'value out of range' } },
    });
  });

  it('answers an unknown route with 404 route_not_found', async () => {
    const { status, body } = await get('/nowhere?x=1');
    expect(status).toBe(404);
    expect(body.error).toEqual({ code: 'route_not_found', message: 'no route for GET /nowhere' });
  });

  it('echoes the request id so failures can be correlated with logs', async () => {
    const response = await fetch(`${server.url}/boom`, { headers: { 'x-request-id': 'req-123' } });
    expect(response.headers.get('x-request-id')).toBe('req-123');
  });
});

describe('error helpers', () => {
  it('carry the documented statuses and codes', () => {
    expect(
      [unauthorized(), forbidden(), notFound('workspace'), serviceUnavailable()].map((e) => [
        e.status,
        e.code,
      ]),
    ).toEqual([
      [401, 'unauthorized'],
      [403, 'forbidden'],
      [404, 'not_found'],
      [503, 'service_unavailable'],
    ]);
    expect(notFound('workspace').message).toBe('workspace not found');
    expect(conflict('slug_taken', 'taken').status).toBe(409);
    expect(gone('token_used', 'used').status).toBe(410);
  });
});
