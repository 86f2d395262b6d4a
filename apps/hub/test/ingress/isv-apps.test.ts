import { randomBytes } from 'node:crypto';
import { ConflictError, createStores } from '@switchboard/db';
import { testDatabaseKinds } from '@switchboard/db/testing';
import feishuPlugin, { encryptFeishuPayload, feishuSignature } from '@switchboard/feishu';
import slackPlugin from '@switchboard/slack';
import { echoPlugin } from '@switchboard/testkit';
import { type FakeFeishu, startFakeFeishu } from '@switchboard/testkit/fakes/feishu';
import { type FakeWhatsApp, startFakeWhatsApp } from '@switchboard/testkit/fakes/whatsapp';
import whatsappPlugin from '@switchboard/whatsapp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChannelRegistry } from '../../src/channels/registry.js';
import { backfillAppInstallationKeys } from '../../src/ingress/app-keys.js';
import { createLogger } from '../../src/logging/logger.js';
import {
  APP_ID,
  APP_SECRET,
  BOT,
  eventually,
  feishuMessage,
  installFeishu,
} from '../feishu/feishu-support.js';
import { type FakeAgent, startFakeAgent } from '../support/fake-agent.js';
import { type HubFixture, startHubFixture } from '../support/hub-fixture.js';
import { postWhatsApp, WA_APP } from '../whatsapp/support.js';

const ENCRYPT_KEY = 'feishu-isv-encrypt-key-0001';
const TENANT_A = 'tenant_isv_a_0001';
const TENANT_B = 'tenant_isv_b_0002';
const TENANT_C = 'tenant_isv_c_0003';
const NUMBER_1 = '106540352240001';
const NUMBER_2 = '106540352240002';

/**
 * One platform app installed many times: an ISV Feishu app by two tenants, one Meta app with two
 * phone numbers, each installation in its own workspace behind the app's one URL. Every event
 * reaches only the installation its tenant or number names; a key no installation has is counted
 * and stored nowhere; a key is installed once at a time.
 */
describe.each(testDatabaseKinds())('one app, many installations [%s]', (kind) => {
  let hub: HubFixture;
  let feishu: FakeFeishu;
  let whatsapp: FakeWhatsApp;
  const agents: FakeAgent[] = [];
  let tenantA: Awaited<ReturnType<typeof installFeishu>>;
  let tenantB: Awaited<ReturnType<typeof installFeishu>>;

  const isvConfig = (tenant: string) => ({ mode: 'webhook', encrypt_key: ENCRYPT_KEY, tenant_key: tenant });
  const postFeishu = (payload: unknown) => {
    const body = JSON.stringify({ encrypt: encryptFeishuPayload(JSON.stringify(payload), ENCRYPT_KEY) });
    const timestamp = String(Math.floor(Date.now() / 1000));
    const nonce = randomBytes(8).toString('hex');
    return hub.request('POST', `/hooks/app/feishu/${APP_ID}`, {
      raw: body,
      headers: {
        'content-type': 'application/json',
        'x-lark-request-timestamp': timestamp,
        'x-lark-request-nonce': nonce,
        'x-lark-signature': feishuSignature(timestamp, nonce, ENCRYPT_KEY, new TextEncoder().encode(body)),
      },
    });
  };
  const inboxOf = async (platformEventId: string) =>
    (
      await hub.database.db.prisma.channelInboundMessageDedup.findMany({
        where: { platformEventId },
        select: { installationId: true },
      })
    ).map((row) => row.installationId);
  const installWhatsApp = async (slug: string, phoneNumberId: string) => {
    const admin = await hub.seedWorkspace(slug);
    const agent = await hub.request('POST', `/api/v1/workspaces/${slug}/agents`, {
      token: admin.token,
      body: { name: 'assistant', deliveryUrl: 'http://127.0.0.1:9/deliver' },
    });
    expect(agent.status).toBe(201);
    return hub.request('POST', `/api/v1/workspaces/${slug}/installations`, {
      token: admin.token,
      body: {
        agentId: agent.body.id,
        channelType: 'whatsapp',
        config: { ...WA_APP, phone_number_id: phoneNumberId, api_base_url: whatsapp.url },
      },
    });
  };

  beforeAll(async () => {
    feishu = await startFakeFeishu({
      appId: APP_ID,
      appSecret: APP_SECRET,
      tenantKey: TENANT_A,
      botOpenId: BOT,
    });
    feishu.users.set('ou_isv_a', { open_id: 'ou_isv_a', union_id: 'on_isv_a', name: 'Anna of A' });
    feishu.users.set('ou_isv_b', { open_id: 'ou_isv_b', union_id: 'on_isv_b', name: 'Bert of B' });
    whatsapp = await startFakeWhatsApp({
      accessToken: WA_APP.access_token,
      phoneNumbers: {
        [NUMBER_1]: { displayPhoneNumber: '+49 30 1000001' },
        [NUMBER_2]: { displayPhoneNumber: '+49 30 1000002' },
      },
    });
    agents.push(await startFakeAgent(), await startFakeAgent(), await startFakeAgent());
    hub = await startHubFixture(kind, {
      registry: createChannelRegistry([
        { name: '@switchboard/feishu', plugin: feishuPlugin },
        { name: '@switchboard/whatsapp', plugin: whatsappPlugin },
        { name: '@switchboard/slack', plugin: slackPlugin },
        { name: '@switchboard/testkit/plugin', plugin: echoPlugin },
      ]),
    });
    const [one, two] = agents;
    if (!one || !two) throw new Error('agents missing');
    tenantA = await installFeishu(hub, feishu, one, 'isv-one', isvConfig(TENANT_A));
    tenantB = await installFeishu(hub, feishu, two, 'isv-two', isvConfig(TENANT_B));
  });
  afterAll(async () => {
    await hub?.close();
    await feishu?.close();
    await whatsapp?.close();
    await Promise.all(agents.map((agent) => agent.close()));
  });

  it('registers both tenants of the ISV app at the one app URL', () => {
    for (const setup of [tenantA, tenantB]) {
      expect(setup.installation.webhookUrl).toMatch(new RegExp(`/hooks/app/feishu/${APP_ID}$`));
    }
  });

  it("delivers each tenant's event only to its own workspace's agent", async () => {
    const [one, two] = agents;
    const fromA = feishuMessage({
      eventId: 'ev_isv_a',
      openId: 'ou_isv_a',
      tenant: TENANT_A,
      text: 'from A',
    });
    const fromB = feishuMessage({
      eventId: 'ev_isv_b',
      openId: 'ou_isv_b',
      tenant: TENANT_B,
      text: 'from B',
    });
    expect((await postFeishu(fromA)).status).toBe(200);
    expect((await postFeishu(fromB)).status).toBe(200);
    expect(await inboxOf('ev_isv_a')).toEqual([tenantA.installationId]);
    expect(await inboxOf('ev_isv_b')).toEqual([tenantB.installationId]);
    await eventually(() => one?.deliveries.find((d) => d.body.message?.text === 'from A'));
    await eventually(() => two?.deliveries.find((d) => d.body.message?.text === 'from B'));
    expect(one?.deliveries.map((d) => d.body.message?.text)).not.toContain('from B');
    expect(two?.deliveries.map((d) => d.body.message?.text)).not.toContain('from A');
  });

  it('counts an event of a tenant without an installation and stores nothing', async () => {
    const fromC = feishuMessage({ eventId: 'ev_isv_c', openId: 'ou_isv_c', tenant: TENANT_C });
    expect((await postFeishu(fromC)).status).toBe(200);
    expect(await inboxOf('ev_isv_c')).toEqual([]);
    expect(
      await hub.database.db.prisma.channelInboundAudit.count({ where: { platformEventId: 'ev_isv_c' } }),
    ).toBe(0);
    const metrics = await hub.request('GET', '/metrics');
    expect(metrics.text).toContain('switchboard_app_route_refused_targets_total{reason="unknown_target"} 1');
  });

  it('refuses installing a tenant twice (409), and installs it again once revoked', async () => {
    const third = agents[2];
    if (!third) throw new Error('agent missing');
    const admin = await hub.seedWorkspace('isv-three');
    const agent = await hub.request('POST', '/api/v1/workspaces/isv-three/agents', {
      token: admin.token,
      body: { name: 'assistant', deliveryUrl: third.url, deliverySecret: third.secret },
    });
    const install = () =>
      hub.request('POST', '/api/v1/workspaces/isv-three/installations', {
        token: admin.token,
        body: {
          agentId: agent.body.id,
          channelType: 'feishu',
          config: {
            app_id: APP_ID,
            app_secret: APP_SECRET,
            auto_provision: true,
            api_base_url: feishu.url,
            ...isvConfig(TENANT_A),
          },
        },
      });
    const refused = await install();
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({
      code: 'installation_exists',
      message: `this feishu app is already installed for that tenant_key (${TENANT_A})`,
    });
    const revoked = await hub.request(
      'DELETE',
      `/api/v1/workspaces/isv-one/installations/${tenantA.installationId}`,
      {
        token: tenantA.token,
      },
    );
    expect(revoked.status).toBe(200);
    const moved = await install();
    expect(moved.status, moved.text).toBe(201);
    const again = feishuMessage({
      eventId: 'ev_isv_a2',
      openId: 'ou_isv_a',
      tenant: TENANT_A,
      text: 'A moved',
    });
    expect((await postFeishu(again)).status).toBe(200);
    expect(await inboxOf('ev_isv_a2')).toEqual([moved.body.id]);
    await eventually(() => third.deliveries.find((d) => d.body.message?.text === 'A moved'));
  });

  it('routes one WhatsApp batch with changes for two numbers to each number’s workspace', async () => {
    const first = await installWhatsApp('wa-one', NUMBER_1);
    const second = await installWhatsApp('wa-two', NUMBER_2);
    expect(first.status, first.text).toBe(201);
    expect(second.status, second.text).toBe(201);
    const duplicate = await installWhatsApp('wa-three', NUMBER_1);
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.error.message).toBe(
      `this whatsapp app is already installed for that phone_number_id (${NUMBER_1})`,
    );
    const res = await postWhatsApp(hub, [
      { phoneNumberId: NUMBER_1, messages: [{ id: 'wamid.isv-one', from: '4915100000001', text: 'to one' }] },
      { phoneNumberId: NUMBER_2, messages: [{ id: 'wamid.isv-two', from: '4915100000002', text: 'to two' }] },
    ]);
    expect(res.status, res.text).toBe(200);
    expect(await inboxOf('wamid.isv-one')).toEqual([first.body.id]);
    expect(await inboxOf('wamid.isv-two')).toEqual([second.body.id]);
  });

  it('gives rows written before the key rule their installation key at startup', async () => {
    // As a row migrated from before the rule looks: app key from the app id, no installation key.
    const legacy = createStores(hub.database.db.prisma, hub.runtime.secrets);
    const workspace = await legacy.workspaces.create({ slug: 'wa-legacy' });
    const agent = await legacy.agents.create({
      workspaceId: workspace.id,
      name: 'assistant',
      deliveryUrl: 'http://127.0.0.1:9/deliver',
      deliverySecret: 'legacy-delivery-secret-0001',
    });
    const app = { ...WA_APP, app_id: '880099990000' };
    const row = await legacy.installations.create({
      workspaceId: workspace.id,
      agentId: agent.id,
      channelType: 'whatsapp',
      config: {
        app_id: app.app_id,
        waba_id: app.waba_id,
        phone_number_id: NUMBER_1,
        api_base_url: whatsapp.url,
      },
      secrets: { access_token: app.access_token, app_secret: app.app_secret, verify_token: app.verify_token },
    });
    const keysOf = () =>
      hub.database.db.prisma.channelInstallation.findUniqueOrThrow({
        where: { id: row.id },
        select: { appKey: true, installationKey: true },
      });
    expect(await keysOf()).toEqual({ appKey: app.app_id, installationKey: '' });
    await backfillAppInstallationKeys(
      hub.runtime.registry,
      hub.runtime.stores.installations,
      createLogger({ level: 'silent' }),
    );
    expect(await keysOf()).toEqual({ appKey: app.app_id, installationKey: NUMBER_1 });
    const res = await postWhatsApp(
      hub,
      [
        {
          phoneNumberId: NUMBER_1,
          messages: [{ id: 'wamid.legacy', from: '4915100000009', text: 'old row' }],
        },
      ],
      { appId: app.app_id },
    );
    expect(res.status, res.text).toBe(200);
    expect(await inboxOf('wamid.legacy')).toEqual([row.id]);
  });

  it('keeps one active installation per app id for a channel type without an app route', async () => {
    const stores = hub.runtime.stores;
    const slack = async (slug: string) => {
      const workspace = await stores.workspaces.create({ slug });
      const agent = await stores.agents.create({
        workspaceId: workspace.id,
        name: 'assistant',
        deliveryUrl: 'http://127.0.0.1:9/deliver',
        deliverySecret: 'slack-isv-delivery-secret-0001',
      });
      return stores.installations.create({
        workspaceId: workspace.id,
        agentId: agent.id,
        channelType: 'slack',
        config: { app_id: 'A0SLACKAPP', team_id: `T-${slug}`, bot_user_id: 'UBOT' },
        secrets: { signing_secret: 'slack-signing-secret', bot_token: 'xoxb-isv' },
      });
    };
    await slack('slack-one');
    const second = slack('slack-two');
    await expect(second).rejects.toBeInstanceOf(ConflictError);
    await expect(second).rejects.toThrow('this slack app is already installed');
  });
});
