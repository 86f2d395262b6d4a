import { compileErrors, validate } from '@readme/openapi-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HubFixture, startHubFixture } from '../support/hub-fixture.js';

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

interface Operation {
  operationId?: string;
  responses?: Record<string, { content?: Record<string, { schema?: unknown }> }>;
  requestBody?: { content: Record<string, { schema: Record<string, unknown> }> };
}

describe('the OpenAPI document of the hub', () => {
  let hub: HubFixture;
  // biome-ignore lint/suspicious/noExplicitAny: a JSON document walked by the assertions
  let doc: any;
  let operations: Array<{ path: string; method: string; operation: Operation }>;

  beforeAll(async () => {
    hub = await startHubFixture('pglite');
    const response = await hub.request('GET', '/docs/json');
    expect(response.status).toBe(200);
    doc = response.body;
    operations = Object.entries(doc.paths as Record<string, Record<string, Operation>>).flatMap(
      ([path, item]) =>
        METHODS.filter((method) => item[method]).map((method) => ({
          path,
          method,
          operation: item[method] as Operation,
        })),
    );
  });
  afterAll(async () => {
    await hub?.close();
  });

  it('is a valid OpenAPI 3.1 document', async () => {
    expect(doc.openapi).toBe('3.1.0');
    const result = await validate(structuredClone(doc));
    expect(result.valid, result.valid ? '' : compileErrors(result)).toBe(true);
  });

  it('names every operation with a unique operationId', () => {
    expect(operations.length).toBeGreaterThan(30);
    const ids = operations.map(({ path, method, operation }) => operation.operationId ?? `${method} ${path}`);
    expect(ids.filter((id) => id.includes(' '))).toEqual([]);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('gives every operation a 2xx response with a schema (204: none)', () => {
    const missing = operations.filter(({ operation }) => {
      const success = Object.entries(operation.responses ?? {}).filter(([status]) => /^2/.test(status));
      if (success.length === 0) return true;
      return success.some(
        ([status, answer]) =>
          status !== '204' && !Object.values(answer.content ?? {}).some((media) => media.schema),
      );
    });
    expect(missing.map(({ path, method }) => `${method} ${path}`)).toEqual([]);
  });

  it('answers errors with the ErrorEnvelope component', () => {
    expect(doc.components.schemas.ErrorEnvelope).toMatchObject({
      type: 'object',
      required: ['error'],
      properties: { error: { required: ['code', 'message'] } },
    });
    const agents = doc.paths['/api/v1/workspaces/{ws}/agents'].post;
    for (const status of ['400', '401', '403', '404', '429', '503']) {
      expect(agents.responses[status].content['application/json'].schema).toEqual({
        $ref: '#/components/schemas/ErrorEnvelope',
      });
    }
  });

  it('documents the real success statuses', () => {
    const statuses = (path: string, method: string) =>
      Object.keys(doc.paths[path][method].responses).filter((status) => /^2/.test(status));
    expect(statuses('/api/v1/workspaces/{ws}/agents', 'post')).toEqual(['201']);
    expect(statuses('/api/v1/installations/{id}/messages', 'post')).toEqual(['202']);
    expect(statuses('/api/v1/workspaces/{ws}/tokens/{tokenId}', 'delete')).toEqual(['204']);
    expect(statuses('/api/v1/workspaces/{ws}/members', 'post').sort()).toEqual(['201', '202']);
  });

  it('describes an installation config as one of the channel types config components', () => {
    const slack = doc.components.schemas.ChannelConfig_slack;
    expect(slack.properties.signing_secret.writeOnly).toBe(true);
    const body =
      doc.paths['/api/v1/workspaces/{ws}/installations'].post.requestBody.content['application/json'];
    const config = body.schema.properties.config;
    expect(config.additionalProperties).toBeUndefined();
    expect(config.oneOf).toContainEqual({ $ref: '#/components/schemas/ChannelConfig_slack' });
    for (const ref of config.oneOf as Array<{ $ref: string }>) {
      expect(doc.components.schemas[ref.$ref.replace('#/components/schemas/', '')]).toBeDefined();
    }
  });

  it('documents limit and cursor on every list, and the Idempotency-Key header', () => {
    const lists = operations.filter(({ operation }) => {
      const schema = operation.responses?.['200']?.content?.['application/json']?.schema as
        | { properties?: Record<string, unknown> }
        | undefined;
      return schema?.properties?.nextCursor !== undefined;
    });
    expect(lists.length).toBeGreaterThanOrEqual(10);
    for (const { path, operation } of lists) {
      const names = ((operation as { parameters?: Array<{ in: string; name: string }> }).parameters ?? [])
        .filter((parameter) => parameter.in === 'query')
        .map((parameter) => parameter.name);
      expect(names, path).toEqual(expect.arrayContaining(['limit', 'cursor']));
    }
    const send = doc.paths['/api/v1/installations/{id}/messages'].post;
    expect(send.parameters).toContainEqual(
      expect.objectContaining({ in: 'header', name: 'idempotency-key' }),
    );
  });
});
