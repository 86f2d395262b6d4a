import { validateConfig } from '@switchboard/core';
import { signHubSignature256 } from '@switchboard/signing';
import { metaEscapedForm, signWhatsAppBody, waWebhookBody } from '@switchboard/testkit/fakes/whatsapp';
import { describe, expect, it } from 'vitest';
import { createWhatsAppChannelFactory, escapeUnicode, whatsappAppRoute } from '../src/index.js';
import { APP_SECRET, PHONE_NUMBER_ID, request, VERIFY_TOKEN, validConfig } from './fixtures.js';

const factory = createWhatsAppChannelFactory();
const config = validateConfig(factory, validConfig);
const unicodeBody = waWebhookBody([
  {
    phoneNumberId: PHONE_NUMBER_ID,
    messages: [{ id: 'wamid.u1', from: '4915123456789', text: 'Grüße 👋 \\/ ok' }],
  },
]);

function get(query: Record<string, string>) {
  return { ...request(''), method: 'GET', query };
}

describe('subscription check', () => {
  it('answers the raw challenge for the verify token', () => {
    const req = get({
      'hub.mode': 'subscribe',
      'hub.verify_token': VERIFY_TOKEN,
      'hub.challenge': '1158201444',
    });
    expect(whatsappAppRoute.verify(req, config)).toEqual({ ok: true });
    expect(whatsappAppRoute.route(req, config)).toMatchObject({
      response: { status: 200, body: '1158201444' },
      targets: [],
    });
  });

  it('refuses a wrong verify token, a missing challenge and another mode', () => {
    const wrong = get({
      'hub.mode': 'subscribe',
      'hub.verify_token': 'nope-nope-nope',
      'hub.challenge': '1',
    });
    const refusal = { ok: false, reason: 'bad_token', status: 403 };
    expect(whatsappAppRoute.verify(wrong, config)).toMatchObject(refusal);
    const noChallenge = get({ 'hub.mode': 'subscribe', 'hub.verify_token': VERIFY_TOKEN });
    expect(whatsappAppRoute.verify(noChallenge, config)).toMatchObject(refusal);
    const mode = get({ 'hub.mode': 'unsubscribe', 'hub.verify_token': VERIFY_TOKEN, 'hub.challenge': '1' });
    expect(whatsappAppRoute.verify(mode, config)).toMatchObject(refusal);
  });
});

describe('X-Hub-Signature-256', () => {
  it('accepts a body with non-ASCII signed over its escaped-unicode form, as Meta signs', () => {
    const req = request(unicodeBody, signWhatsAppBody(APP_SECRET, unicodeBody));
    expect(whatsappAppRoute.verify(req, config)).toEqual({ ok: true });
  });

  it('escapes one \\uXXXX per UTF-16 unit, lower-case, and leaves \\/ as received', () => {
    const escaped = new TextDecoder().decode(escapeUnicode(new TextEncoder().encode('"ä👋\\/"')));
    expect(escaped).toBe('"\\u00e4\\ud83d\\udc4b\\/"');
    expect(escaped).toBe(metaEscapedForm('"ä👋\\/"'));
    expect(escapeUnicode(new TextEncoder().encode('ascii'))).toBeUndefined();
  });

  it('accepts a signature over the raw bytes too', () => {
    const req = request(unicodeBody, signWhatsAppBody(APP_SECRET, unicodeBody, 'raw'));
    expect(whatsappAppRoute.verify(req, config)).toEqual({ ok: true });
  });

  it('refuses a signature over the unescaped form of a body sent escaped', () => {
    // The bytes carry `\u00fc`; a signature over `ü` would need the hub to unescape, which it never does.
    const sent = metaEscapedForm(unicodeBody);
    const req = request(sent, { 'x-hub-signature-256': signHubSignature256(APP_SECRET, unicodeBody) });
    expect(whatsappAppRoute.verify(req, config)).toMatchObject({ ok: false, reason: 'bad_signature' });
  });

  it('refuses a forged signature, a body changed after signing, and a missing header', () => {
    const forged = request(unicodeBody, signWhatsAppBody('another-app-secret', unicodeBody));
    expect(whatsappAppRoute.verify(forged, config)).toMatchObject({ ok: false, reason: 'bad_signature' });
    const changed = request(
      unicodeBody.replace('Grüße', 'Grüsse'),
      signWhatsAppBody(APP_SECRET, unicodeBody),
    );
    expect(whatsappAppRoute.verify(changed, config)).toMatchObject({ ok: false, reason: 'bad_signature' });
    expect(whatsappAppRoute.verify(request(unicodeBody), config)).toMatchObject({
      ok: false,
      reason: 'missing_signature',
    });
    const notUtf8 = request(new Uint8Array([0xff, 0xfe]), { 'x-hub-signature-256': 'sha256=00' });
    expect(() => whatsappAppRoute.verify(notUtf8, config)).not.toThrow();
  });
});
