import { describe, expect, it } from 'vitest';
import { encryptFeishuPayload } from '../src/decrypt.js';
import { NonceBook, verifyFeishuRequest } from '../src/verify.js';
import { parseFeishuRequest } from '../src/webhook.js';
import {
  BOT,
  ENCRYPT_KEY,
  messageEnvelope,
  request,
  signedEncrypted,
  signedRaw,
  TENANT,
  VERIFICATION_TOKEN,
} from './helpers.js';

const encrypted = { encrypt_key: ENCRYPT_KEY };
const ctx = {
  installationId: 'inst-1',
  appId: 'cli_a1b2c3d4e5f60718',
  homeTenant: () => TENANT,
  botOpenId: () => BOT,
};

describe('webhook verification over raw bytes', () => {
  it('accepts a correctly signed encrypted push and decrypts it', () => {
    const req = signedEncrypted(JSON.stringify(messageEnvelope({ text: 'hi' })));
    expect(verifyFeishuRequest(req, encrypted, new NonceBook())).toEqual({ ok: true });
    const { events } = parseFeishuRequest(req, ENCRYPT_KEY, ctx);
    expect(events[0]?.kind).toBe('message');
  });

  it('refuses a forged signature', () => {
    const req = signedEncrypted(JSON.stringify(messageEnvelope()));
    req.headers['x-lark-signature'] = 'a'.repeat(64);
    expect(verifyFeishuRequest(req, encrypted, new NonceBook())).toMatchObject({
      ok: false,
      reason: 'bad_signature',
    });
  });

  it('refuses a body changed after signing', () => {
    const req = signedEncrypted(JSON.stringify(messageEnvelope()));
    const tampered = {
      ...req,
      rawBody: new TextEncoder().encode(`${new TextDecoder().decode(req.rawBody)} `),
    };
    expect(verifyFeishuRequest(tampered, encrypted, new NonceBook())).toMatchObject({
      ok: false,
      reason: 'bad_signature',
    });
  });

  it('refuses timestamps outside ±300 s in both directions, and accepts exactly 300 s', () => {
    const now = new Date('2026-12-01T10:00:00Z');
    const seconds = Math.floor(now.getTime() / 1000);
    const body = JSON.stringify(messageEnvelope());
    const at = (timestamp: number) =>
      verifyFeishuRequest(signedEncrypted(body, { now, timestamp }), encrypted, new NonceBook());
    expect(at(seconds - 301)).toMatchObject({ ok: false, reason: 'stale_timestamp' });
    expect(at(seconds + 301)).toMatchObject({ ok: false, reason: 'stale_timestamp' });
    expect(at(seconds - 300)).toEqual({ ok: true });
    expect(at(0)).toMatchObject({ ok: false, reason: 'stale_timestamp' });
  });

  it('refuses a nonce replayed inside the window', () => {
    const nonces = new NonceBook();
    const req = signedEncrypted(JSON.stringify(messageEnvelope()), { nonce: 'n-1' });
    expect(verifyFeishuRequest(req, encrypted, nonces)).toEqual({ ok: true });
    expect(verifyFeishuRequest(req, encrypted, nonces)).toMatchObject({ ok: false, reason: 'bad_signature' });
  });

  it('refuses missing or repeated signature headers without throwing', () => {
    const req = signedEncrypted(JSON.stringify(messageEnvelope()));
    const repeated = { ...req, headers: { ...req.headers, 'x-lark-signature': ['a', 'b'] } };
    expect(verifyFeishuRequest(repeated, encrypted, new NonceBook())).toMatchObject({
      ok: false,
      reason: 'missing_signature',
    });
    expect(verifyFeishuRequest(request('{}'), encrypted, new NonceBook())).toMatchObject({
      ok: false,
      reason: 'missing_signature',
    });
    expect(
      verifyFeishuRequest(request(new Uint8Array([0xff, 0x00])), encrypted, new NonceBook()),
    ).toMatchObject({ ok: false });
  });

  it('checks the verification token when no encrypt key is set', () => {
    const secrets = { verification_token: VERIFICATION_TOKEN };
    const good = request(JSON.stringify(messageEnvelope({ token: VERIFICATION_TOKEN })));
    const bad = request(JSON.stringify(messageEnvelope({ token: 'wrong' })));
    const none = request(JSON.stringify(messageEnvelope({ token: '' })));
    expect(verifyFeishuRequest(good, secrets, new NonceBook())).toEqual({ ok: true });
    expect(verifyFeishuRequest(bad, secrets, new NonceBook())).toMatchObject({
      ok: false,
      reason: 'bad_token',
    });
    expect(verifyFeishuRequest(none, secrets, new NonceBook())).toMatchObject({
      ok: false,
      reason: 'bad_token',
    });
  });

  it('refuses a body that cannot be decrypted or whose padding is wrong (400, not a crash)', () => {
    const garbage = signedRaw(JSON.stringify({ encrypt: Buffer.alloc(48, 7).toString('base64') }));
    expect(verifyFeishuRequest(garbage, encrypted, new NonceBook())).toEqual({ ok: true });
    expect(() => parseFeishuRequest(garbage, ENCRYPT_KEY, ctx)).toThrow(/could not be decrypted/);
    const wrongKey = signedEncrypted(JSON.stringify(messageEnvelope()), { key: 'another-key' });
    expect(() => parseFeishuRequest(wrongKey, ENCRYPT_KEY, ctx)).toThrow(/decrypt|JSON/);
    const short = signedRaw(JSON.stringify({ encrypt: 'AAAA' }));
    expect(() => parseFeishuRequest(short, ENCRYPT_KEY, ctx)).toThrow(/not an AES-256-CBC ciphertext/);
  });

  it('refuses an unencrypted body when an encrypt key is set', () => {
    const plain = signedRaw(JSON.stringify(messageEnvelope()));
    expect(() => parseFeishuRequest(plain, ENCRYPT_KEY, ctx)).toThrow(/not encrypted/);
  });

  it('accepts a correctly signed body with \\/ escapes and unicode', () => {
    const body = `{"schema":"2.0",  "header":{"event_id":"ev_esc","event_type":"im.message.receive_v1","app_id":"cli_a1b2c3d4e5f60718","tenant_key":"${TENANT}","token":"${VERIFICATION_TOKEN}"},"event":{"sender":{"sender_id":{"open_id":"ou_x","union_id":"on_x"},"sender_type":"user","tenant_key":"${TENANT}"},"message":{"message_id":"om_esc","chat_id":"oc_1","chat_type":"p2p","message_type":"text","content":"{\\"text\\":\\"a\\\\/b \\u00e4\\"}"}}}`;
    const req = signedRaw(body);
    expect(verifyFeishuRequest(req, { encrypt_key: ENCRYPT_KEY }, new NonceBook())).toEqual({ ok: true });
    const tokenOnly = request(body);
    expect(
      verifyFeishuRequest(tokenOnly, { verification_token: VERIFICATION_TOKEN }, new NonceBook()),
    ).toEqual({ ok: true });
    const { events } = parseFeishuRequest(tokenOnly, undefined, ctx);
    expect(events[0]).toMatchObject({ kind: 'message', message: { text: 'a/b ä' } });
  });

  it('answers url_verification, encrypted (unsigned) or plain', () => {
    const challenge = { type: 'url_verification', challenge: 'ch-1', token: VERIFICATION_TOKEN };
    const enc = request(
      JSON.stringify({ encrypt: encryptFeishuPayload(JSON.stringify(challenge), ENCRYPT_KEY) }),
    );
    expect(
      verifyFeishuRequest(
        enc,
        { encrypt_key: ENCRYPT_KEY, verification_token: VERIFICATION_TOKEN },
        new NonceBook(),
      ),
    ).toEqual({ ok: true });
    expect(parseFeishuRequest(enc, ENCRYPT_KEY, ctx)).toEqual({
      response: { status: 200, body: { challenge: 'ch-1' } },
      events: [],
    });
    const plain = request(JSON.stringify(challenge));
    expect(verifyFeishuRequest(plain, { verification_token: VERIFICATION_TOKEN }, new NonceBook())).toEqual({
      ok: true,
    });
    expect(parseFeishuRequest(plain, undefined, ctx).response).toEqual({
      status: 200,
      body: { challenge: 'ch-1' },
    });
    // An unsigned body that is not a challenge is still refused.
    const sneaky = request(
      JSON.stringify({ encrypt: encryptFeishuPayload(JSON.stringify(messageEnvelope()), ENCRYPT_KEY) }),
    );
    expect(verifyFeishuRequest(sneaky, { encrypt_key: ENCRYPT_KEY }, new NonceBook())).toMatchObject({
      ok: false,
      reason: 'missing_signature',
    });
  });

  it('accepts v1 envelopes', () => {
    const v1 = {
      uuid: 'v1-uuid-1',
      token: VERIFICATION_TOKEN,
      ts: '1767225600.123',
      type: 'event_callback',
      event: {
        type: 'message',
        app_id: 'cli_a1b2c3d4e5f60718',
        tenant_key: TENANT,
        open_id: 'ou_v1',
        open_chat_id: 'oc_v1',
        open_message_id: 'om_v1',
        chat_type: 'private',
        msg_type: 'text',
        text: 'old style',
      },
    };
    const req = request(JSON.stringify(v1));
    expect(verifyFeishuRequest(req, { verification_token: VERIFICATION_TOKEN }, new NonceBook())).toEqual({
      ok: true,
    });
    const { events } = parseFeishuRequest(req, undefined, ctx);
    expect(events[0]).toMatchObject({
      kind: 'message',
      eventId: 'v1-uuid-1',
      message: {
        platformMessageId: 'om_v1',
        text: 'old style',
        source: { chatType: 'direct', tenantKey: TENANT },
      },
    });
  });
});
