import type { WebhookRequest } from '@switchboard/core';
import { createSignedSlackRequest, signSlackRequest } from '@switchboard/testkit/fakes/slack';
import { describe, expect, it } from 'vitest';
import { SLACK_MAX_CLOCK_SKEW_SECONDS, verifySlackRequest } from '../src/index.js';
import { fixtureBytes, SIGNING_SECRET } from './helpers.js';

const receivedAt = new Date('2024-04-05T19:35:00.000Z');
const nowSeconds = Math.floor(receivedAt.getTime() / 1000);

function request(rawBody: Uint8Array, headers: WebhookRequest['headers']): WebhookRequest {
  return { method: 'POST', path: '/webhooks/slack', headers, query: {}, rawBody, receivedAt };
}

function signedAt(timestampSeconds: number, body: Uint8Array = fixtureBytes('message_im')): WebhookRequest {
  return createSignedSlackRequest({ signingSecret: SIGNING_SECRET, body, receivedAt, timestampSeconds });
}

describe('verifySlackRequest', () => {
  it('accepts a correctly signed Events API post', () => {
    expect(verifySlackRequest(SIGNING_SECRET, signedAt(nowSeconds))).toEqual({ ok: true });
  });

  it('verifies the exact bytes: \\u escapes, escaped slashes and odd whitespace survive', () => {
    const text =
      '{"type":"event_callback" ,\n\t"event":{"text":"caf\\u00e4 \\/ r\u00e9sum\u00e9"},  "x" : 1 }\r\n';
    const rawBody = new TextEncoder().encode(text);
    const req = request(rawBody, signSlackRequest(SIGNING_SECRET, rawBody, nowSeconds));
    expect(verifySlackRequest(SIGNING_SECRET, req)).toEqual({ ok: true });

    // The same JSON re-serialized is different bytes, and must not verify with the original signature.
    const reserialized = new TextEncoder().encode(JSON.stringify(JSON.parse(text)));
    expect(verifySlackRequest(SIGNING_SECRET, { ...req, rawBody: reserialized })).toMatchObject({
      ok: false,
      reason: 'bad_signature',
    });
  });

  it('verifies bytes that are not valid UTF-8 without decoding them', () => {
    const rawBody = Uint8Array.from([0x7b, 0xff, 0xfe, 0x7d]);
    const req = request(rawBody, signSlackRequest(SIGNING_SECRET, rawBody, nowSeconds));
    expect(verifySlackRequest(SIGNING_SECRET, req)).toEqual({ ok: true });
  });

  it('rejects a forged signature, another secret and a tampered body', () => {
    const good = signedAt(nowSeconds);
    const forged = { ...good, headers: { ...good.headers, 'x-slack-signature': `v0=${'ab'.repeat(32)}` } };
    expect(verifySlackRequest(SIGNING_SECRET, forged)).toMatchObject({ ok: false, reason: 'bad_signature' });
    expect(verifySlackRequest('another-signing-secret', good)).toMatchObject({
      ok: false,
      reason: 'bad_signature',
    });
    const tampered = { ...good, rawBody: new TextEncoder().encode('{"type":"event_callback"}') };
    expect(verifySlackRequest(SIGNING_SECRET, tampered)).toMatchObject({
      ok: false,
      reason: 'bad_signature',
    });
  });

  it('rejects signatures of the wrong version or length', () => {
    const good = signedAt(nowSeconds);
    const hex = String(good.headers['x-slack-signature']).slice(3);
    for (const signature of [`v1=${hex}`, hex, `v0=${hex.slice(2)}`, `v0=${hex}00`, 'v0=']) {
      const req = { ...good, headers: { ...good.headers, 'x-slack-signature': signature } };
      expect(verifySlackRequest(SIGNING_SECRET, req), signature).toMatchObject({
        ok: false,
        reason: 'bad_signature',
      });
    }
  });

  it('accepts exactly 300 s of skew either way and rejects 301', () => {
    expect(SLACK_MAX_CLOCK_SKEW_SECONDS).toBe(300);
    expect(verifySlackRequest(SIGNING_SECRET, signedAt(nowSeconds - 300))).toEqual({ ok: true });
    expect(verifySlackRequest(SIGNING_SECRET, signedAt(nowSeconds + 300))).toEqual({ ok: true });
    expect(verifySlackRequest(SIGNING_SECRET, signedAt(nowSeconds - 301))).toMatchObject({
      ok: false,
      reason: 'stale_timestamp',
    });
  });

  it('rejects stale timestamps from the past and from the future', () => {
    for (const timestamp of [nowSeconds - 3600, nowSeconds + 301, nowSeconds + 3600, 0]) {
      expect(verifySlackRequest(SIGNING_SECRET, signedAt(timestamp)), String(timestamp)).toMatchObject({
        ok: false,
        reason: 'stale_timestamp',
      });
    }
  });

  it('rejects non-numeric timestamps', () => {
    const good = signedAt(nowSeconds);
    for (const timestamp of ['abc', `${nowSeconds}.5`, `-${nowSeconds}`, ` ${nowSeconds}`, '1e9', '']) {
      const rawBody = good.rawBody;
      const signature = signSlackRequest(SIGNING_SECRET, rawBody, nowSeconds)['x-slack-signature'];
      const req = request(rawBody, {
        'x-slack-request-timestamp': timestamp,
        'x-slack-signature': signature,
      });
      const result = verifySlackRequest(SIGNING_SECRET, req);
      expect(result.ok, JSON.stringify(timestamp)).toBe(false);
    }
    const req = request(good.rawBody, { ...good.headers, 'x-slack-request-timestamp': 'soon' });
    expect(verifySlackRequest(SIGNING_SECRET, req)).toMatchObject({ ok: false, reason: 'stale_timestamp' });
  });

  it('treats missing and repeated headers as a missing signature', () => {
    const good = signedAt(nowSeconds);
    const timestamp = String(good.headers['x-slack-request-timestamp']);
    const signature = String(good.headers['x-slack-signature']);
    const variants: WebhookRequest['headers'][] = [
      { 'x-slack-signature': signature },
      { 'x-slack-request-timestamp': timestamp },
      {},
      { 'x-slack-request-timestamp': timestamp, 'x-slack-signature': [signature, signature] },
      { 'x-slack-request-timestamp': [timestamp, timestamp], 'x-slack-signature': signature },
      { 'x-slack-request-timestamp': timestamp, 'x-slack-signature': [] },
    ];
    for (const headers of variants) {
      expect(
        verifySlackRequest(SIGNING_SECRET, request(good.rawBody, headers)),
        JSON.stringify(headers),
      ).toMatchObject({ ok: false, reason: 'missing_signature' });
    }
    // A one-element array (node's headersDistinct) is a single header.
    const distinct = request(good.rawBody, {
      'x-slack-request-timestamp': [timestamp],
      'x-slack-signature': [signature],
    });
    expect(verifySlackRequest(SIGNING_SECRET, distinct)).toEqual({ ok: true });
  });

  it('never throws, whatever the request holds', () => {
    const good = signedAt(nowSeconds);
    const broken = [
      { ...good, receivedAt: new Date(Number.NaN) },
      { ...good, rawBody: undefined as unknown as Uint8Array },
      { ...good, headers: undefined as unknown as WebhookRequest['headers'] },
    ];
    for (const req of broken) {
      expect(() => verifySlackRequest(SIGNING_SECRET, req)).not.toThrow();
      expect(verifySlackRequest(SIGNING_SECRET, req).ok).toBe(false);
    }
  });
});
