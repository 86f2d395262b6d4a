import { type FakeSlack, startFakeSlack } from '@switchboard/testkit/fakes/slack';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BOT_TOKEN } from './helpers.js';

// The fake is a test double for this package; these pin the Slack wire behaviour the adapter relies on.
let fake: FakeSlack;

beforeEach(async () => {
  fake = await startFakeSlack({ botTokens: [BOT_TOKEN], botUserId: 'U0LAN0Z89' });
});

afterEach(async () => {
  await fake.close();
});

async function post(method: string, init: RequestInit = {}): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${fake.url}${method}`, { method: 'POST', ...init });
  const text = await response.text();
  return { status: response.status, body: text.startsWith('{') ? JSON.parse(text) : text };
}

const form = (params: Record<string, string>) => ({
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(params).toString(),
});

describe('startFakeSlack', () => {
  it('serves the Web API under /api/ on 127.0.0.1', () => {
    expect(fake.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/$/);
  });

  it('wants a valid token: not_authed without one, invalid_auth for an unknown one', async () => {
    expect(await post('auth.test')).toEqual({ status: 200, body: { ok: false, error: 'not_authed' } });
    expect(await post('auth.test', { headers: { authorization: 'Bearer xoxb-unknown' } })).toEqual({
      status: 200,
      body: { ok: false, error: 'invalid_auth' },
    });
    expect(await post('auth.test', form({ token: BOT_TOKEN }))).toMatchObject({
      body: { ok: true, user_id: 'U0LAN0Z89' },
    });
  });

  it('takes JSON bodies with a bearer token and records the call', async () => {
    const result = await post('chat.postMessage', {
      headers: { authorization: `Bearer ${BOT_TOKEN}`, 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ channel: 'C0LAN2Q65', text: 'hi', blocks: [{ type: 'divider' }] }),
    });
    expect(result.body).toMatchObject({
      ok: true,
      channel: 'C0LAN2Q65',
      message: { text: 'hi', user: 'U0LAN0Z89', blocks: [{ type: 'divider' }] },
    });
    expect(fake.calls[0]).toMatchObject({
      method: 'chat.postMessage',
      httpMethod: 'POST',
      params: { channel: 'C0LAN2Q65', text: 'hi' },
    });
  });

  it('answers Slack errors for bad requests', async () => {
    const auth = { authorization: `Bearer ${BOT_TOKEN}` };
    const noText = await post('chat.postMessage', {
      ...form({ channel: 'C0LAN2Q65' }),
      headers: { ...auth },
    });
    expect(noText.body).toEqual({ ok: false, error: 'no_text' });
    const unknown = await post('chat.nope', { headers: auth });
    expect(unknown.body).toEqual({ ok: false, error: 'unknown_method' });
    expect((await post('users.info', { headers: auth })).body).toEqual({
      ok: false,
      error: 'user_not_found',
    });
    expect((await fetch(fake.url.replace('/api/', '/elsewhere'))).status).toBe(404);
  });

  it('plays queued failures in order, then answers normally', async () => {
    fake.failNext('auth.test', { status: 429, retryAfter: 3 });
    fake.failNext('auth.test', { ok: false, error: 'fatal_error' });
    const headers = { authorization: `Bearer ${BOT_TOKEN}` };
    const limited = await fetch(`${fake.url}auth.test`, { method: 'POST', headers });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('3');
    expect((await post('auth.test', { headers })).body).toEqual({ ok: false, error: 'fatal_error' });
    expect((await post('auth.test', { headers })).body).toMatchObject({ ok: true });
  });
});
