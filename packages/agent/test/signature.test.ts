import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sign, verifySignature } from '../src/index.js';

const SECRET = 'agent-delivery-secret-0001';
const BODY = '{"type":"message","id":"d-1","text":"café"}';
const NOW_MS = 1_764_650_000_000;
const NOW = NOW_MS / 1000;

function header(t: number, body = BODY, secret = SECRET): string {
  return `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
}

const verify = (
  h: string | string[] | undefined,
  options: { body?: string; secret?: string | string[] } = {},
) =>
  verifySignature({ secret: options.secret ?? SECRET, header: h, body: options.body ?? BODY, nowMs: NOW_MS });

describe('sign', () => {
  it('writes t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>', () => {
    expect(sign(SECRET, BODY, NOW_MS + 999)).toBe(header(NOW));
    expect(sign(SECRET, new TextEncoder().encode(BODY), NOW_MS)).toBe(header(NOW));
  });
});

describe('verifySignature', () => {
  it('accepts the exact body signed with the secret, as text or bytes', () => {
    expect(verify(header(NOW))).toEqual({ ok: true, timestamp: NOW });
    expect(
      verifySignature({ secret: SECRET, header: header(NOW), body: Buffer.from(BODY), nowMs: NOW_MS }),
    ).toMatchObject({ ok: true });
  });

  it('refuses a forged body under a genuine signature', () => {
    expect(verify(header(NOW), { body: BODY.replace('café', 'cafe') })).toEqual({
      ok: false,
      reason: 'bad_signature',
    });
  });

  it('refuses a signature made with another secret', () => {
    expect(verify(header(NOW, BODY, 'someone-elses-secret'))).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('refuses stale and future timestamps outside ±300 s, and accepts the edges', () => {
    expect(verify(header(NOW - 301))).toEqual({ ok: false, reason: 'stale_timestamp' });
    expect(verify(header(NOW + 301))).toEqual({ ok: false, reason: 'future_timestamp' });
    expect(verify(header(NOW - 300))).toMatchObject({ ok: true });
    expect(verify(header(NOW + 300))).toMatchObject({ ok: true });
  });

  it('honours a narrower tolerance', () => {
    const check = verifySignature({
      secret: SECRET,
      header: header(NOW - 31),
      body: BODY,
      nowMs: NOW_MS,
      toleranceSeconds: 30,
    });
    expect(check).toEqual({ ok: false, reason: 'stale_timestamp' });
  });

  it('refuses a missing header, an empty one, and a repeated one', () => {
    expect(verify(undefined)).toEqual({ ok: false, reason: 'missing_signature' });
    expect(verify('')).toEqual({ ok: false, reason: 'missing_signature' });
    expect(verify([header(NOW), header(NOW)])).toEqual({ ok: false, reason: 'missing_signature' });
    expect(verify([header(NOW)])).toMatchObject({ ok: true });
  });

  it.each([
    ['no timestamp', `v1=${'a'.repeat(64)}`],
    ['a non-numeric timestamp', `t=abc,v1=${'a'.repeat(64)}`],
    ['a short digest', `t=${NOW},v1=abcd`],
    ['an upper-case digest', header(NOW).toUpperCase().replace('T=', 't=').replace('V1=', 'v1=')],
    ['another scheme', header(NOW).replace('v1=', 'v0=')],
    ['trailing garbage', `${header(NOW)},v2=00`],
    ['spaces', header(NOW).replace(',', ', ')],
  ])('refuses a malformed header (%s)', (_label, value) => {
    expect(verify(value)).toEqual({ ok: false, reason: 'malformed_signature' });
  });

  it('accepts either secret while one is rotated', () => {
    expect(verify(header(NOW, BODY, 'new-secret'), { secret: ['new-secret', SECRET] })).toMatchObject({
      ok: true,
    });
    expect(verify(header(NOW), { secret: ['new-secret', SECRET] })).toMatchObject({ ok: true });
    expect(verify(header(NOW), { secret: ['new-secret'] })).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('never matches an empty secret', () => {
    expect(verify(header(NOW, BODY, ''), { secret: '' })).toEqual({ ok: false, reason: 'bad_signature' });
  });
});
