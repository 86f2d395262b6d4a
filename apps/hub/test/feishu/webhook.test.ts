import { randomBytes } from 'node:crypto';
import { testDatabaseKinds } from '@switchboard/db/testing';
import { encryptFeishuPayload, feishuSignature } from '@switchboard/feishu';
import { type FakeFeishu, startFakeFeishu } from '@switchboard/testkit/fakes/feishu';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeAgent, startFakeAgent } from '../support/fake-agent.js';
import { type HubFixture, startHubFixture } from '../support/hub-fixture.js';
import {
  APP_ID,
  APP_SECRET,
  BOT,
  decided,
  eventually,
  feishuMessage,
  feishuRegistry,
  installFeishu,
  TENANT,
} from './feishu-support.js';

const ENCRYPT_KEY = 'feishu-encrypt-key-0001';

/** Encrypted, signed webhooks through the hub's ingress: every bad input gets a clear status. */
describe.each(testDatabaseKinds())('Feishu encrypted webhook through the hub [%s]', (kind) => {
  let hub: HubFixture;
  let feishu: FakeFeishu;
  let agent: FakeAgent;
  let setup: Awaited<ReturnType<typeof installFeishu>>;

  const signed = (body: string, options: { timestamp?: number; nonce?: string } = {}) => {
    const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
    const nonce = options.nonce ?? randomBytes(8).toString('hex');
    return {
      'content-type': 'application/json',
      'x-lark-request-timestamp': timestamp,
      'x-lark-request-nonce': nonce,
      'x-lark-signature': feishuSignature(timestamp, nonce, ENCRYPT_KEY, new TextEncoder().encode(body)),
    };
  };
  const post = (body: string, headers: Record<string, string>) =>
    hub.request('POST', `/hooks/${setup.installationId}`, { raw: body, headers });
  const encrypt = (payload: unknown) =>
    JSON.stringify({ encrypt: encryptFeishuPayload(JSON.stringify(payload), ENCRYPT_KEY) });

  beforeAll(async () => {
    hub = await startHubFixture(kind, { registry: feishuRegistry() });
    feishu = await startFakeFeishu({
      appId: APP_ID,
      appSecret: APP_SECRET,
      tenantKey: TENANT,
      botOpenId: BOT,
    });
    agent = await startFakeAgent();
    feishu.users.set('ou_web', { open_id: 'ou_web', union_id: 'on_web', name: 'Web' });
    setup = await installFeishu(hub, feishu, agent, 'fsweb', { mode: 'webhook', encrypt_key: ENCRYPT_KEY });
  });
  afterAll(async () => {
    await hub?.close();
    await feishu?.close();
    await agent?.close();
  });

  it('answers an encrypted url_verification', async () => {
    const body = encrypt({ type: 'url_verification', challenge: 'enc-challenge' });
    const res = await post(body, { 'content-type': 'application/json' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ challenge: 'enc-challenge' });
  });

  it('delivers a signed encrypted message once, and refuses its replay', async () => {
    const body = encrypt(
      feishuMessage({ eventId: 'ev_web_1', openId: 'ou_web', text: 'through the webhook' }),
    );
    const headers = signed(body);
    expect((await post(body, headers)).status).toBe(200);
    expect((await post(body, headers)).status).toBe(401);
    await eventually(() => agent.deliveries.find((d) => d.body.message?.text === 'through the webhook'));
    expect((await decided(hub, 'fsweb', setup.token, 'ev_web_1')).map((r) => r.reason)).toContain(
      'delivered',
    );
  });

  it('refuses forged, stale, undecryptable and unencrypted bodies with clear statuses', async () => {
    const body = encrypt(feishuMessage({ eventId: 'ev_web_bad', openId: 'ou_web' }));
    expect((await post(body, { ...signed(body), 'x-lark-signature': 'f'.repeat(64) })).status).toBe(401);
    expect((await post(body, signed(body, { timestamp: Math.floor(Date.now() / 1000) - 301 }))).status).toBe(
      401,
    );
    const garbage = JSON.stringify({ encrypt: Buffer.alloc(64, 3).toString('base64') });
    expect((await post(garbage, signed(garbage))).status).toBe(400);
    const plain = JSON.stringify(feishuMessage({ eventId: 'ev_web_plain', openId: 'ou_web' }));
    expect((await post(plain, signed(plain))).status).toBe(400);
    expect((await post(body, { 'content-type': 'application/json' })).status).toBe(401);
    expect(agent.deliveries.some((d) => ['ev_web_bad', 'ev_web_plain'].includes(d.body.eventId))).toBe(false);
  });
});
