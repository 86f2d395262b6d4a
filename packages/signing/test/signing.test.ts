import { describe, expect, it } from 'vitest';
import {
  constantTimeEqual,
  signCombined,
  signHubSignature256,
  signTimestamped,
  slackScheme,
  verifyCombined,
  verifyHubSignature256,
  verifyTimestamped,
} from '../src/index.js';

const receivedAt = new Date('2025-03-14T09:26:53.000Z');
const now = Math.floor(receivedAt.getTime() / 1000);

describe('timestamped HMAC (Slack style)', () => {
  // The example of https://api.slack.com/authentication/verifying-requests-from-slack
  const slackBody =
    'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';

  it("reproduces Slack's documented signature", () => {
    const signed = signTimestamped('8f742231b10e8888abcd99yyyzzz85a5', slackScheme, 1531420618, slackBody);
    expect(signed.signature).toBe('v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503');
  });

  const check = (overrides: Partial<Parameters<typeof verifyTimestamped>[0]> = {}) => {
    const body = new TextEncoder().encode('{"a":1}');
    const { timestamp, signature } = signTimestamped('s3cret', slackScheme, now, body);
    return verifyTimestamped({
      secret: 's3cret',
      scheme: slackScheme,
      timestamp,
      signature,
      body,
      receivedAt,
      ...overrides,
    });
  };

  it('accepts the signed bytes and refuses a tampered body, wrong secret or malformed value', () => {
    expect(check()).toEqual({ ok: true });
    expect(check({ body: '{"a":2}' })).toMatchObject({ ok: false, reason: 'bad_signature' });
    expect(check({ secret: 'other' })).toMatchObject({ ok: false, reason: 'bad_signature' });
    expect(check({ signature: 'v0=zz' })).toMatchObject({ ok: false, reason: 'bad_signature' });
    expect(check({ signature: `v1=${'0'.repeat(64)}` })).toMatchObject({
      ok: false,
      reason: 'bad_signature',
    });
  });

  it('refuses missing parts and timestamps outside the window, either way', () => {
    expect(check({ signature: undefined })).toMatchObject({ ok: false, reason: 'missing_signature' });
    expect(check({ timestamp: '' })).toMatchObject({ ok: false, reason: 'missing_signature' });
    expect(check({ timestamp: 'soon' })).toMatchObject({ ok: false, reason: 'stale_timestamp' });
    expect(check({ receivedAt: new Date((now + 301) * 1000) })).toMatchObject({ reason: 'stale_timestamp' });
    expect(check({ receivedAt: new Date((now - 301) * 1000) })).toMatchObject({ reason: 'stale_timestamp' });
    expect(check({ receivedAt: new Date(Number.NaN) })).toMatchObject({ reason: 'stale_timestamp' });
  });
});

describe('t=..,v1=.. header (hub style)', () => {
  it('round-trips and refuses another body, a stale header and garbage', () => {
    const header = signCombined('k', 'hello', receivedAt.getTime());
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verifyCombined('k', header, 'hello', receivedAt)).toEqual({ ok: true });
    expect(verifyCombined('k', header, 'hellO', receivedAt)).toMatchObject({ reason: 'bad_signature' });
    expect(verifyCombined('k', header, 'hello', new Date(receivedAt.getTime() + 301_000))).toMatchObject({
      reason: 'stale_timestamp',
    });
    expect(verifyCombined('k', 'v1=abc', 'hello', receivedAt)).toMatchObject({ reason: 'bad_signature' });
    expect(verifyCombined('k', undefined, 'hello', receivedAt)).toMatchObject({
      reason: 'missing_signature',
    });
  });
});

describe('X-Hub-Signature-256', () => {
  it("reproduces GitHub's documented example", () => {
    expect(signHubSignature256("It's a Secret to Everybody", 'Hello, World!')).toBe(
      'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
    );
  });

  it('verifies the exact bytes and refuses anything else without throwing', () => {
    const body = new Uint8Array([0xff, 0x00, 0x7b]);
    const header = signHubSignature256('k', body);
    expect(verifyHubSignature256('k', header, body)).toEqual({ ok: true });
    expect(verifyHubSignature256('k', header, new Uint8Array([0xff]))).toMatchObject({
      reason: 'bad_signature',
    });
    expect(verifyHubSignature256('k', header.toUpperCase(), body)).toMatchObject({ reason: 'bad_signature' });
    expect(verifyHubSignature256('k', 'sha1=abc', body)).toMatchObject({ reason: 'bad_signature' });
    expect(verifyHubSignature256('k', undefined, body)).toMatchObject({ reason: 'missing_signature' });
  });
});

describe('constantTimeEqual', () => {
  it('is false for different lengths instead of throwing', () => {
    expect(constantTimeEqual(new Uint8Array([1]), new Uint8Array([1, 2]))).toBe(false);
    expect(constantTimeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2]))).toBe(true);
  });
});
