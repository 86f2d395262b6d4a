import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import Fastify from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Agent, createAgent } from '../src/index.js';
import { type FakeHub, messageDelivery, SECRET, signedRequest, startFakeHub } from './support.js';

let hub: FakeHub;
beforeAll(async () => {
  hub = await startFakeHub();
});
afterAll(async () => {
  await hub.close();
});

function echoAgent(options: { maxBodyBytes?: number } = {}): Agent {
  const agent = createAgent({ secret: SECRET, hubUrl: hub.url, onError: () => {}, ...options });
  agent.message(async ({ message, reply }) => {
    if (message.text === 'fail') throw new Error('handler failed');
    await reply(`echo: ${message.text}`);
  });
  return agent;
}

async function listen(server: Server): Promise<string> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

type Post = (
  path: string,
  body: unknown,
  headers?: Record<string, string>,
) => Promise<{ status: number; body: any }>;

function poster(base: () => string): Post {
  return async (path, body, headers) => {
    const { raw, headers: signed } = signedRequest(body, Date.now());
    const response = await fetch(`${base()}${path}`, {
      method: 'POST',
      headers: headers ?? signed,
      body: raw,
    });
    const text = await response.text();
    const json = response.headers.get('content-type')?.includes('json');
    return { status: response.status, body: json ? JSON.parse(text) : text };
  };
}

/** The same delivery contract, whichever framework carries it. */
function contract(post: Post, path: string) {
  it('answers 200 after the handler replied through the hub', async () => {
    const body = messageDelivery({ id: `${path}-ok-${Math.random()}` }, { text: 'ping' });
    const response = await post(path, body);
    expect(response).toEqual({ status: 200, body: { ok: true } });
    expect(hub.sends.at(-1)?.body).toMatchObject({
      text: 'echo: ping',
      idempotencyKey: `reply:${body.id}:1`,
    });
  });

  it('answers 401 to a forged delivery', async () => {
    const { headers } = signedRequest(messageDelivery(), Date.now());
    const response = await post(path, messageDelivery({}, { text: 'forged' }), headers);
    expect(response).toMatchObject({ status: 401, body: { error: { code: 'bad_signature' } } });
  });

  it('answers 400 to a signed body that is not a delivery', async () => {
    expect(await post(path, { hello: 'world' })).toMatchObject({ status: 400 });
  });

  it('answers 500 when the handler throws, so the hub retries', async () => {
    const response = await post(path, messageDelivery({}, { text: 'fail' }));
    expect(response).toMatchObject({ status: 500, body: { error: { code: 'handler_failed' } } });
  });
}

describe('node http handler', () => {
  let server: Server;
  let url = '';
  beforeAll(async () => {
    server = createServer(echoAgent({ maxBodyBytes: 4096 }).nodeHandler());
    url = await listen(server);
  });
  afterAll(() => server.close());
  contract(
    poster(() => url),
    '/deliver',
  );

  it('answers 405 to other methods and 413 to an oversized body', async () => {
    const get = await fetch(`${url}/deliver`);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    const big = await poster(() => url)('/deliver', messageDelivery({}, { text: 'x'.repeat(5000) }));
    expect(big.status).toBe(413);
  });
});

describe('express middleware', () => {
  let server: Server;
  let url = '';
  beforeAll(async () => {
    const app = express();
    const agent = echoAgent();
    app.post('/deliver', agent.express());
    app.post('/raw', express.raw({ type: '*/*' }), agent.express());
    app.post('/parsed', express.json(), agent.express());
    app.use(express.json());
    app.post('/other', (req, res) => {
      res.json({ parsed: req.body });
    });
    server = createServer(app);
    url = await listen(server);
  });
  afterAll(() => server.close());
  contract(
    poster(() => url),
    '/deliver',
  );
  contract(
    poster(() => url),
    '/raw',
  );

  it('refuses to guess after express.json() consumed the bytes (a setup error, not a 2xx)', async () => {
    const response = await poster(() => url)('/parsed', messageDelivery());
    expect(response.status).toBe(500);
    expect(response.body).toContain('mount it before express.json()');
  });

  it('leaves the rest of the app to its own body parsers', async () => {
    const response = await fetch(`${url}/other`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"a":1}',
    });
    expect(await response.json()).toEqual({ parsed: { a: 1 } });
  });
});

describe('fastify plugin', () => {
  const app = Fastify();
  let url = '';
  beforeAll(async () => {
    await app.register(echoAgent().fastify(), { prefix: '/deliver' });
    await app.register(echoAgent({ maxBodyBytes: 4096 }).fastify(), { prefix: '/hooks', path: '/agent' });
    app.post('/other', async (request) => ({ parsed: request.body }));
    url = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(() => app.close());
  contract(
    poster(() => url),
    '/deliver',
  );
  contract(
    poster(() => url),
    '/hooks/agent',
  );

  it('keeps JSON parsing for the rest of the app and applies the body limit', async () => {
    const other = await fetch(`${url}/other`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"a":1}',
    });
    expect(await other.json()).toEqual({ parsed: { a: 1 } });
    const big = await poster(() => url)('/hooks/agent', messageDelivery({}, { text: 'x'.repeat(5000) }));
    expect(big.status).toBe(413);
  });
});

describe('fetch handler', () => {
  let handler: (request: Request) => Promise<Response>;
  beforeAll(() => {
    handler = echoAgent({ maxBodyBytes: 4096 }).fetchHandler();
  });
  const post: Post = async (_path, body, headers) => {
    const { raw, headers: signed } = signedRequest(body, Date.now());
    const response = await handler(
      new Request('http://agent.test/deliver', { method: 'POST', headers: headers ?? signed, body: raw }),
    );
    return { status: response.status, body: await response.json() };
  };
  contract(post, '/deliver');

  it('answers 405 to other methods and 413 to an oversized body', async () => {
    const get = await handler(new Request('http://agent.test/deliver'));
    expect(get.status).toBe(405);
    expect((await post('/deliver', messageDelivery({}, { text: 'x'.repeat(5000) }))).status).toBe(413);
  });
});

afterEach(() => {
  hub.sends.length = 0;
});
