import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  Capability,
  capabilityNames,
  checkDeclaredCapabilities,
  InvalidEnvelopeError,
  noopLogger,
  PlatformError,
  Registry,
  secretKeys,
  validateConfig,
} from '@switchboard/core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createEchoChannelFactory, ECHO_SENT_LIMIT, type EchoChannelConfig } from '../src/index.js';

const factory = createEchoChannelFactory();
const deps = { installationId: 'inst-1', logger: noopLogger };
const config = (extra: Partial<EchoChannelConfig> = {}) =>
  validateConfig(factory, { signing_secret: 'long-enough', ...extra });
const outbound = { target: { chatId: 'C1', reply: { threadId: 'T1' } }, text: 'hi', idempotencyKey: 'k-1' };

describe('echo channel factory', () => {
  it('registers as "echo" with a display name', () => {
    const registry = new Registry().register(factory);
    expect(registry.get('echo').displayName).toBe('Echo (test channel)');
  });

  it('validates config, defaulting the bot user id and marking the signing secret', () => {
    expect(config()).toEqual({ signing_secret: 'long-enough', bot_user_id: 'echo-bot' });
    expect(() => validateConfig(factory, { signing_secret: 'short' })).toThrow(/signing_secret/);
    expect(secretKeys(factory.configSchema)).toEqual(['signing_secret']);
  });

  it('declares text, threads, webhook and edit, and implements exactly those', () => {
    const channel = factory.create(config(), deps);
    expect(capabilityNames(channel.capabilities())).toEqual(['text', 'threads', 'edit', 'webhook']);
    expect(checkDeclaredCapabilities(channel)).toEqual([]);
    expect(channel.capabilities() & Capability.LongConnection).toBe(0);
  });

  it('records connect and disconnect', async () => {
    const channel = factory.create(config(), deps);
    expect(channel.state).toBe('created');
    const ctx = {
      installationId: 'inst-1',
      workspaceId: 'ws-1',
      logger: noopLogger,
      signal: new AbortController().signal,
      emit: async () => {},
    };
    await channel.connect(ctx);
    expect(channel.state).toBe('connected');
    expect(channel.context).toBe(ctx);
    await channel.disconnect();
    expect(channel.state).toBe('disconnected');
  });
});

describe('echo channel without an API base URL', () => {
  it('keeps sent messages in memory with increasing ids', async () => {
    const channel = factory.create(config(), deps);
    expect(await channel.send(outbound)).toEqual({ platformMessageId: 'echo-1' });
    expect(await channel.send({ ...outbound, text: 'again', idempotencyKey: 'k-2' })).toEqual({
      platformMessageId: 'echo-2',
    });
    expect(channel.sent.map((entry) => [entry.platformMessageId, entry.message.text])).toEqual([
      ['echo-1', 'hi'],
      ['echo-2', 'again'],
    ]);
  });

  it(`keeps only the newest ${ECHO_SENT_LIMIT} sends, so a long test cannot grow it without bound`, async () => {
    const channel = factory.create(config(), deps);
    for (let i = 1; i <= ECHO_SENT_LIMIT + 5; i++) {
      await channel.send({ ...outbound, idempotencyKey: `k-${i}` });
    }
    expect(channel.sent).toHaveLength(ECHO_SENT_LIMIT);
    expect(channel.sent[0]?.platformMessageId).toBe('echo-6');
    expect(channel.sent.at(-1)?.platformMessageId).toBe(`echo-${ECHO_SENT_LIMIT + 5}`);
  });

  it('edits a sent message in place', async () => {
    const channel = factory.create(config(), deps);
    await channel.send(outbound);
    expect(await channel.update('echo-1', { ...outbound, text: 'edited' })).toEqual({
      platformMessageId: 'echo-1',
    });
    expect(channel.sent).toHaveLength(1);
    expect(channel.sent[0]?.message.text).toBe('edited');
  });

  it('refuses to edit a message it never sent', async () => {
    const channel = factory.create(config(), deps);
    await expect(channel.update('echo-9', outbound)).rejects.toMatchObject({ kind: 'not_found' });
  });

  it('rejects an invalid outbound message', async () => {
    const channel = factory.create(config(), deps);
    await expect(channel.send({ ...outbound, text: undefined })).rejects.toBeInstanceOf(InvalidEnvelopeError);
  });
});

interface Recorded {
  method: string;
  url: string;
  body: unknown;
}

describe('echo channel with an API base URL', () => {
  let server: Server;
  let baseUrl: string;
  const recorded: Recorded[] = [];
  let reply: { status: number; headers?: Record<string, string>; body?: string } = { status: 200 };

  async function readBody(req: IncomingMessage): Promise<unknown> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  }

  beforeAll(async () => {
    server = createServer(async (req, res) => {
      recorded.push({ method: req.method ?? '', url: req.url ?? '', body: await readBody(req) });
      res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
      res.end(reply.body ?? '');
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/`;
  });

  afterAll(async () => {
    server.close();
    await once(server, 'close');
  });

  beforeEach(() => {
    recorded.length = 0;
  });

  const channel = () => factory.create(config({ api_base_url: baseUrl }), deps);

  it('posts the message as JSON and returns the platform id', async () => {
    reply = { status: 200, body: JSON.stringify({ id: 'remote-7' }) };
    const ch = channel();
    expect(await ch.send(outbound)).toEqual({ platformMessageId: 'remote-7' });
    expect(recorded).toEqual([
      {
        method: 'POST',
        url: '/api/messages',
        body: { chatId: 'C1', text: 'hi', threadId: 'T1', idempotencyKey: 'k-1' },
      },
    ]);
    expect(ch.sent).toEqual([]);
  });

  it('patches an existing message by id', async () => {
    reply = { status: 200, body: '' };
    expect(await channel().update('remote/7', { ...outbound, text: 'edited' })).toEqual({
      platformMessageId: 'remote/7',
    });
    expect(recorded[0]).toMatchObject({
      method: 'PATCH',
      url: '/api/messages/remote%2F7',
      body: { text: 'edited' },
    });
  });

  it('maps 429 to rate_limited with Retry-After in milliseconds', async () => {
    reply = { status: 429, headers: { 'retry-after': '7' }, body: JSON.stringify({ error: 'slow_down' }) };
    const error = await channel()
      .send(outbound)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PlatformError);
    expect(error).toMatchObject({
      kind: 'rate_limited',
      retryAfterMs: 7000,
      status: 429,
      platformCode: 'slow_down',
    });
  });

  it('maps 5xx to transient', async () => {
    reply = { status: 500, body: 'oops' };
    await expect(channel().send(outbound)).rejects.toMatchObject({ kind: 'transient', status: 500 });
  });

  it('maps other 4xx to permanent, unauthorized or not_found', async () => {
    reply = { status: 400 };
    await expect(channel().send(outbound)).rejects.toMatchObject({ kind: 'permanent', status: 400 });
    reply = { status: 403 };
    await expect(channel().send(outbound)).rejects.toMatchObject({ kind: 'unauthorized' });
    reply = { status: 404 };
    await expect(channel().update('gone', outbound)).rejects.toMatchObject({ kind: 'not_found' });
  });

  it('treats a success without an id as a permanent failure', async () => {
    reply = { status: 200, body: '{}' };
    await expect(channel().send(outbound)).rejects.toMatchObject({ kind: 'permanent' });
  });

  it('uses the injected fetch, and maps a network failure to transient', async () => {
    const failingFetch: typeof fetch = async () => {
      throw new TypeError('connect ECONNREFUSED');
    };
    const ch = factory.create(config({ api_base_url: baseUrl }), { ...deps, fetch: failingFetch });
    await expect(ch.send(outbound)).rejects.toMatchObject({
      kind: 'transient',
      message: expect.stringContaining('ECONNREFUSED'),
    });
    expect(recorded).toEqual([]);
  });
});
