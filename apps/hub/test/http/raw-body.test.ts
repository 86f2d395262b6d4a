import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_BODY_LIMIT_BYTES } from '../../src/http/server.js';
import { readJson, startTestServer, type TestServer } from './http-harness.js';

/** Echoes what the handler saw: the raw bytes (base64) and the parsed body. */
function echoRoute(app: FastifyInstance): void {
  app.post('/echo', async (request) => ({
    raw: request.rawBody?.toString('base64') ?? null,
    bodyKind: Buffer.isBuffer(request.body) ? 'buffer' : request.body === undefined ? 'undefined' : 'json',
    body: Buffer.isBuffer(request.body) ? null : (request.body ?? null),
  }));
}

describe('request bodies', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(echoRoute);
  });
  afterAll(() => server.close());

  const post = async (
    body: string | Uint8Array,
    headers: Record<string, string> = { 'content-type': 'application/json' },
  ) => {
    const response = await fetch(`${server.url}/echo`, { method: 'POST', headers, body });
    return { status: response.status, body: await readJson(response) };
  };

  it('keeps the exact bytes of a JSON body next to the parsed value', async () => {
    // Escapes and whitespace a re-serialization would normalise away, breaking signatures.
    const text = '{ "name" :\t"J\\u00e4ger",\r\n  "url":"https:\\/\\/example.com\\/x" ,"n":1.50 }\n';
    const { status, body } = await post(text);
    expect(status).toBe(200);
    expect(Buffer.from(String(body.raw), 'base64').equals(Buffer.from(text, 'utf8'))).toBe(true);
    expect(body.body).toEqual({ name: 'Jäger', url: 'https://example.com/x', n: 1.5 });
  });

  it('rejects malformed JSON with 400 malformed_json', async () => {
    const { status, body } = await post('{"name": ');
    expect(status).toBe(400);
    expect(body.error.code).toBe('malformed_json');
  });

  it('rejects JSON carrying a prototype-poisoning key', async () => {
    const { status, body } = await post('{"a":{"\\u005f_proto__":{"admin":true}}}');
    expect(status).toBe(400);
    expect(body.error.code).toBe('malformed_json');
  });

  it('treats an empty JSON body as no body rather than an error', async () => {
    const { status, body } = await post('');
    expect(status).toBe(200);
    expect(body.bodyKind).toBe('undefined');
  });

  it('keeps a non-JSON body as the raw Buffer', async () => {
    const form = 'payload=%7B%22a%22%3A1%7D&token=abc';
    const { status, body } = await post(form, { 'content-type': 'application/x-www-form-urlencoded' });
    expect(status).toBe(200);
    expect(body.bodyKind).toBe('buffer');
    expect(Buffer.from(String(body.raw), 'base64').toString('utf8')).toBe(form);
  });

  it('keeps a body sent without any content type as the raw Buffer', async () => {
    const bytes = new Uint8Array([0x00, 0xff, 0x7b, 0x0a]);
    const { status, body } = await post(bytes, {});
    expect(status).toBe(200);
    expect(body.bodyKind).toBe('buffer');
    expect(Buffer.from(String(body.raw), 'base64').equals(Buffer.from(bytes))).toBe(true);
  });

  it('rejects an unparseable content type with 415 unsupported_media_type', async () => {
    const { status, body } = await post('{}', { 'content-type': 'no/media/type' });
    expect(status).toBe(415);
    expect(body.error.code).toBe('unsupported_media_type');
  });

  it('accepts a body of exactly the 1 MiB limit', async () => {
    const padding = 'x'.repeat(DEFAULT_BODY_LIMIT_BYTES - '{"p":""}'.length);
    const text = `{"p":"${padding}"}`;
    expect(Buffer.byteLength(text)).toBe(1_048_576);
    const { status, body } = await post(text);
    expect(status).toBe(200);
    expect(Buffer.from(String(body.raw), 'base64').length).toBe(1_048_576);
  });

  it('rejects a body one byte over the limit with 413 payload_too_large', async () => {
    const { status, body } = await post(new Uint8Array(DEFAULT_BODY_LIMIT_BYTES + 1).fill(0x20));
    expect(status).toBe(413);
    expect(body.error.code).toBe('payload_too_large');
  });

  it('rejects an over-limit body streamed without a content length', async () => {
    const chunk = new Uint8Array(64 * 1024).fill(0x20);
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent > DEFAULT_BODY_LIMIT_BYTES) controller.close();
        else controller.enqueue(chunk);
        sent += chunk.length;
      },
    });
    const response = await fetch(`${server.url}/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(413);
    expect((await readJson(response)).error.code).toBe('payload_too_large');
  });
});

describe('a configured body limit', () => {
  it('replaces the 1 MiB default', async () => {
    const server = await startTestServer(echoRoute, { bodyLimitBytes: 10 });
    try {
      const response = await fetch(`${server.url}/echo`, { method: 'POST', body: '12345678901' });
      expect(response.status).toBe(413);
    } finally {
      await server.close();
    }
  });
});
