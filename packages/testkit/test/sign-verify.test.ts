import { createHmac } from 'node:crypto';
import type { WebhookRequest } from '@switchboard/core';
import { describe, expect, it } from 'vitest';
import { createSignedEchoRequest, signEchoRequest, verifyEchoRequest } from '../src/index.js';

const secret = 'echo-signing-secret';
const receivedAt = new Date('2025-06-01T12:00:00.750Z');
const now = Math.floor(receivedAt.getTime() / 1000);

function requestWith(rawBody: string | Uint8Array, headers: WebhookRequest['headers']): WebhookRequest {
  const bytes = typeof rawBody === 'string' ? new TextEncoder().encode(rawBody) : rawBody;
  return { method: 'POST', path: '/webhooks/echo', headers, query: {}, rawBody: bytes, receivedAt };
}

function signed(rawBody: string, timestampSeconds = now): WebhookRequest {
  return requestWith(rawBody, { ...signEchoRequest(secret, rawBody, timestampSeconds) });
}

describe('signEchoRequest', () => {
  it('signs "<timestamp>.<raw body>" with HMAC-SHA256 as v1=<hex>', () => {
    const headers = signEchoRequest(secret, '{"a":1}', 1700000000);
    const expected = createHmac('sha256', secret).update('1700000000.{"a":1}').digest('hex');
    expect(headers).toEqual({ 'x-echo-timestamp': '1700000000', 'x-echo-signature': `v1=${expected}` });
  });

  it('signs strings and their UTF-8 bytes identically', () => {
    const body = '{"text":"\u00e4"}';
    expect(signEchoRequest(secret, body, 1)).toEqual(
      signEchoRequest(secret, new TextEncoder().encode(body), 1),
    );
  });
});

describe('verifyEchoRequest', () => {
  it('accepts a body with non-ASCII text, a slash and odd whitespace, verified over the raw bytes', () => {
    const body = '{ "text" :\t"gr\u00e4\u00dfe / path",\n  "n": 1 }\r\n';
    expect(verifyEchoRequest(secret, signed(body))).toEqual({ ok: true });
  });

  it('accepts the helper-built request', () => {
    const req = createSignedEchoRequest({
      signingSecret: secret,
      body: { type: 'ping', id: 'p' },
      receivedAt,
    });
    expect(verifyEchoRequest(secret, req)).toEqual({ ok: true });
  });

  it('rejects a body changed after signing (even a re-serialization of the same JSON)', () => {
    const req = signed('{"a": 1}');
    const tampered = { ...req, rawBody: new TextEncoder().encode('{"a":1}') };
    expect(verifyEchoRequest(secret, tampered)).toMatchObject({ ok: false, reason: 'bad_signature' });
  });

  it('rejects a signature made with another secret', () => {
    const body = '{"a":1}';
    const forged = requestWith(body, { ...signEchoRequest('another-secret', body, now) });
    expect(verifyEchoRequest(secret, forged)).toMatchObject({ ok: false, reason: 'bad_signature' });
  });

  it('rejects malformed signature headers without throwing', () => {
    for (const signature of [
      'v1=',
      'v1=zz',
      'sha256=abc',
      `v1=${'a'.repeat(63)}`,
      `v2=${'a'.repeat(64)}`,
      '\u0000',
    ]) {
      const req = requestWith('{}', { 'x-echo-timestamp': String(now), 'x-echo-signature': signature });
      expect(verifyEchoRequest(secret, req)).toMatchObject({ ok: false, reason: 'bad_signature' });
    }
  });

  it('rejects a signature older than 300 s', () => {
    expect(verifyEchoRequest(secret, signed('{}', now - 301))).toMatchObject({
      ok: false,
      reason: 'stale_timestamp',
    });
  });

  it('rejects a timestamp more than 300 s in the future', () => {
    expect(verifyEchoRequest(secret, signed('{}', now + 301))).toMatchObject({
      ok: false,
      reason: 'stale_timestamp',
    });
  });

  it('accepts a timestamp exactly 300 s away in either direction', () => {
    expect(verifyEchoRequest(secret, signed('{}', now - 300))).toEqual({ ok: true });
    expect(verifyEchoRequest(secret, signed('{}', now + 300))).toEqual({ ok: true });
  });

  it('rejects a timestamp that is not whole seconds', () => {
    const req = requestWith('{}', { ...signEchoRequest(secret, '{}', now), 'x-echo-timestamp': '1.7e9' });
    expect(verifyEchoRequest(secret, req)).toMatchObject({ ok: false, reason: 'stale_timestamp' });
  });

  it('rejects missing signature or timestamp headers', () => {
    const headers = signEchoRequest(secret, '{}', now);
    expect(verifyEchoRequest(secret, requestWith('{}', {}))).toMatchObject({ reason: 'missing_signature' });
    expect(
      verifyEchoRequest(secret, requestWith('{}', { 'x-echo-signature': headers['x-echo-signature'] })),
    ).toMatchObject({
      reason: 'missing_signature',
    });
    expect(
      verifyEchoRequest(secret, requestWith('{}', { 'x-echo-timestamp': headers['x-echo-timestamp'] })),
    ).toMatchObject({
      reason: 'missing_signature',
    });
  });

  it('rejects a repeated signature header even when one copy is valid', () => {
    const headers = signEchoRequest(secret, '{}', now);
    const req = requestWith('{}', {
      'x-echo-timestamp': headers['x-echo-timestamp'],
      'x-echo-signature': [headers['x-echo-signature'], `v1=${'0'.repeat(64)}`],
    });
    expect(verifyEchoRequest(secret, req)).toMatchObject({ ok: false, reason: 'missing_signature' });
  });

  it('never throws, whatever the request looks like', () => {
    const garbage = {
      headers: { 'x-echo-timestamp': String(now), 'x-echo-signature': `v1=${'a'.repeat(64)}` },
    } as unknown;
    expect(verifyEchoRequest(secret, garbage as WebhookRequest)).toMatchObject({ ok: false });
    const invalidDate = { ...signed('{}'), receivedAt: new Date(Number.NaN) };
    expect(verifyEchoRequest(secret, invalidDate)).toMatchObject({ ok: false, reason: 'stale_timestamp' });
  });
});
