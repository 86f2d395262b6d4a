import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Logger, PlatformError } from '@switchboard/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SLACK_MAX_RESPONSE_BYTES, toSlackLogger } from '../src/web-client.js';
import { createChannel } from './helpers.js';

/** A Slack API stand-in that answers every call with a valid but oversized JSON body. */
let server: Server;
let url: string;

beforeEach(async () => {
  server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    const padding = 'x'.repeat(SLACK_MAX_RESPONSE_BYTES + 1024);
    response.end(JSON.stringify({ ok: true, ts: '1712345678.000100', channel: 'C1', padding }));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/`;
});

afterEach(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('reading Slack answers', () => {
  it('fails a call whose answer is larger than the cap instead of reading it whole', async () => {
    const channel = createChannel({ api_base_url: url });
    const error = await channel.send({ target: { chatId: 'C1' }, text: 'hi', idempotencyKey: 'cap-1' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PlatformError);
  });
});

describe('the SDK logger bridge', () => {
  it('never forwards the SDK debug lines, which print request bodies', () => {
    const lines: string[] = [];
    const record = (line: unknown) => lines.push(String(line));
    const logger = {
      child: () => logger,
      trace: record,
      debug: record,
      info: record,
      warn: record,
      error: record,
      fatal: record,
    } as unknown as Logger;
    const bridge = toSlackLogger(logger);
    bridge.debug('http request body', { text: 'Connect your account: https://hub.example/link#sbl_secret' });
    bridge.warn('rate limited');
    expect(lines).toEqual(['rate limited']);
  });
});
