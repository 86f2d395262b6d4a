import { describe, expect, it } from 'vitest';
import { feishuConfigSchema } from '../src/config.js';
import { encryptFeishuPayload } from '../src/decrypt.js';
import { feishuAppRoute } from '../src/webhook.js';
import { APP_ID, APP_SECRET, ENCRYPT_KEY, messageEnvelope, request, signedEncrypted } from './helpers.js';

const app = feishuConfigSchema.parse({
  app_id: APP_ID,
  app_secret: APP_SECRET,
  mode: 'webhook',
  encrypt_key: ENCRYPT_KEY,
  tenant_key: 'tenant_a',
});

describe('the app-level route (one ISV URL, many tenants)', () => {
  it('verifies with the app secret and names the installation by the event tenant_key', () => {
    const req = signedEncrypted(
      JSON.stringify(messageEnvelope({ eventId: 'ev_isv', tenant: 'tenant_b', text: 'from b' })),
    );
    expect(feishuAppRoute.verify(req, app)).toEqual({ ok: true });
    const { targets, response } = feishuAppRoute.route(req, app);
    expect(response).toBeUndefined();
    expect(targets.map((t) => t.installationKey)).toEqual(['tenant_b']);
    const [event] = targets[0]?.events('inst-b') ?? [];
    expect(event).toMatchObject({
      kind: 'message',
      message: { text: 'from b', source: { installationId: 'inst-b', tenantKey: 'tenant_b', appId: APP_ID } },
    });
  });

  it('refuses a forged signature and a replayed nonce', () => {
    const req = signedEncrypted(JSON.stringify(messageEnvelope()), { nonce: 'isv-nonce' });
    expect(
      feishuAppRoute.verify({ ...req, headers: { ...req.headers, 'x-lark-signature': '0'.repeat(64) } }, app),
    ).toMatchObject({ ok: false, reason: 'bad_signature' });
    expect(feishuAppRoute.verify(req, app)).toEqual({ ok: true });
    expect(feishuAppRoute.verify(req, app)).toMatchObject({ ok: false, reason: 'bad_signature' });
  });

  it('answers the URL challenge without a target, and refuses an event naming no tenant', () => {
    const challenge = request(
      JSON.stringify({
        encrypt: encryptFeishuPayload(
          JSON.stringify({ type: 'url_verification', challenge: 'c-9' }),
          ENCRYPT_KEY,
        ),
      }),
    );
    expect(feishuAppRoute.verify(challenge, app)).toEqual({ ok: true });
    expect(feishuAppRoute.route(challenge, app)).toEqual({
      response: { status: 200, body: { challenge: 'c-9' } },
      targets: [],
    });
    const envelope = messageEnvelope();
    (envelope.header as { tenant_key?: string }).tenant_key = undefined;
    const noTenant = signedEncrypted(JSON.stringify(envelope));
    expect(() => feishuAppRoute.route(noTenant, app)).toThrow(/tenant_key/);
  });
});
