import { testDatabaseKinds } from '@switchboard/db/testing';
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
  OTHER_TENANT,
  TENANT,
} from './feishu-support.js';

const TOKEN = 'feishu-verification-token-01';
// PGlite has one connection, so its run is the same race at a fifth of the size: at full size it
// only measures how long one connection takes to serialise 1,000 provisioning transactions.
const PEOPLE = { postgres: 100, pglite: 20 } as const;
const EVENTS_PER_USER = 10;

/** Auto-provisioning and tenant proof through the webhook (verification token, no encrypt key). */
describe.each(testDatabaseKinds())('Feishu tenant proof and auto-provisioning [%s]', (kind) => {
  const USERS = PEOPLE[kind];
  let hub: HubFixture;
  let feishu: FakeFeishu;
  let agent: FakeAgent;
  let setup: Awaited<ReturnType<typeof installFeishu>>;

  const post = (body: unknown) =>
    hub.request('POST', `/hooks/${setup.installationId}`, {
      raw: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    });
  const reasons = async (eventId: string) =>
    (await decided(hub, 'fsprov', setup.token, eventId)).map((row) => row.reason).sort();

  beforeAll(async () => {
    hub = await startHubFixture(kind, { registry: feishuRegistry(), pipeline: { workerConcurrency: 32 } });
    feishu = await startFakeFeishu({
      appId: APP_ID,
      appSecret: APP_SECRET,
      tenantKey: TENANT,
      botOpenId: BOT,
    });
    agent = await startFakeAgent();
    for (let i = 0; i < USERS; i++) {
      const id = `ou_new${String(i).padStart(4, '0')}`;
      feishu.users.set(id, {
        open_id: id,
        union_id: `on_new${String(i).padStart(4, '0')}`,
        name: `New ${i}`,
        ...(i % 10 === 0 ? {} : { email: `new${i}@acme.test` }),
      });
    }
    feishu.users.set('ou_resigned', {
      open_id: 'ou_resigned',
      union_id: 'on_resigned',
      status: { is_resigned: true },
    });
    feishu.users.set('ou_frozen', {
      open_id: 'ou_frozen',
      union_id: 'on_frozen',
      status: { is_frozen: true },
    });
    feishu.users.set('ou_nounion', { open_id: 'ou_nounion', name: 'No Union' });
    setup = await installFeishu(hub, feishu, agent, 'fsprov', { mode: 'webhook', verification_token: TOKEN });
  });
  afterAll(async () => {
    await hub?.close();
    await feishu?.close();
    await agent?.close();
  });

  it('turns 10 concurrent first contacts per person into exactly one user and identity each (1,000 from 100 people on PostgreSQL)', async () => {
    const bodies: unknown[] = [];
    for (let n = 0; n < EVENTS_PER_USER; n++) {
      for (let i = 0; i < USERS; i++) {
        const openId = `ou_new${String(i).padStart(4, '0')}`;
        bodies.push(
          feishuMessage({
            eventId: `ev_p${i}x${n}`,
            openId,
            token: TOKEN,
            chatId: `oc_p${i}x${n}`,
            text: `hello ${i}/${n}`,
          }),
        );
      }
    }
    const statuses: number[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: 64 }, async () => {
        while (next < bodies.length) statuses.push((await post(bodies[next++])).status);
      }),
    );
    expect(statuses).toHaveLength(USERS * EVENTS_PER_USER);
    expect(statuses.every((status) => status === 200)).toBe(true);
    await eventually(() => (agent.delivered().size >= USERS * EVENTS_PER_USER ? true : undefined), 150_000);

    const prisma = hub.runtime.database.prisma;
    const identities = await prisma.identity.findMany({ where: { namespace: 'feishu_union' } });
    expect(identities.filter((i) => i.identifier.startsWith('on_new'))).toHaveLength(USERS);
    const users = await prisma.user.findMany({ where: { id: { in: identities.map((i) => i.userId) } } });
    expect(new Set(users.map((u) => u.id)).size).toBe(USERS);
    const members = await prisma.workspaceMember.findMany({
      where: { workspaceId: setup.workspaceId, userId: { in: users.map((u) => u.id) } },
    });
    expect(members).toHaveLength(USERS);
    expect(await prisma.channelInboundAudit.count({ where: { reason: 'provisioned' } })).toBe(USERS);
  }, 200_000);

  it('denies another tenant, an external guest and a resigned or frozen user, each with its audit reason', async () => {
    await post(
      feishuMessage({ eventId: 'ev_wrong', openId: 'ou_new0001', tenant: OTHER_TENANT, token: TOKEN }),
    );
    await post(
      feishuMessage({ eventId: 'ev_guest', openId: 'ou_guest', senderTenant: OTHER_TENANT, token: TOKEN }),
    );
    await post(feishuMessage({ eventId: 'ev_resigned', openId: 'ou_resigned', token: TOKEN }));
    await post(feishuMessage({ eventId: 'ev_frozen', openId: 'ou_frozen', token: TOKEN }));
    expect(await reasons('ev_wrong')).toEqual(['wrong_tenant']);
    expect(await reasons('ev_guest')).toEqual(['external_guest']);
    // The directory knows the person but their account is not active: denied, never provisioned.
    for (const [eventId, status] of [
      ['ev_resigned', 'resigned'],
      ['ev_frozen', 'frozen'],
    ] as const) {
      expect(
        (await decided(hub, 'fsprov', setup.token, eventId)).map(({ reason, detail }) => ({
          reason,
          detail,
        })),
      ).toEqual([{ reason: 'inactive_user', detail: { status } }]);
    }
    const { prisma } = hub.runtime.database;
    expect(await prisma.identity.count({ where: { identifier: { in: ['on_resigned', 'on_frozen'] } } })).toBe(
      0,
    );
    expect(
      await prisma.channelUserBinding.count({
        where: { channelUserId: { in: ['ou_resigned', 'ou_frozen'] } },
      }),
    ).toBe(0);
    expect(
      agent.deliveries.filter((d) => ['ev_resigned', 'ev_frozen'].includes(String(d.body.eventId ?? ''))),
    ).toEqual([]);
  });

  it('provisions a sender without a union id on their open id, never on an empty id', async () => {
    await post(
      feishuMessage({
        eventId: 'ev_nounion',
        openId: 'ou_nounion',
        unionId: null,
        token: TOKEN,
        text: 'no union',
      }),
    );
    const delivery = await eventually(() =>
      agent.deliveries.find((d) => d.body.message?.text === 'no union'),
    );
    const identity = await hub.runtime.database.prisma.identity.findFirst({
      where: { namespace: 'feishu_union', identifier: 'ou_nounion' },
    });
    expect(delivery.body.user.id).toBe(identity?.userId);
  });

  it('refuses a wrong verification token and answers the URL challenge', async () => {
    const forged = await post(
      feishuMessage({ eventId: 'ev_forged', openId: 'ou_new0002', token: 'not-the-token' }),
    );
    expect(forged.status).toBe(401);
    const challenge = await post({ type: 'url_verification', challenge: 'abc123', token: TOKEN });
    expect(challenge.status).toBe(200);
    expect(challenge.body).toEqual({ challenge: 'abc123' });
    const duplicate = feishuMessage({
      eventId: 'ev_dup',
      openId: 'ou_new0003',
      token: TOKEN,
      text: 'once only',
    });
    await post(duplicate);
    await post(duplicate);
    await eventually(() => agent.deliveries.find((d) => d.body.message?.text === 'once only'));
    expect(await reasons('ev_dup')).toContain('duplicate');
    expect(agent.deliveries.filter((d) => d.body.message?.text === 'once only')).toHaveLength(1);
  });
});

/** Tenant detection that fails: the installation waits instead of guessing (one database kind is enough). */
describe('a Feishu installation whose tenant is not known yet [pglite]', () => {
  let hub: HubFixture;
  let feishu: FakeFeishu;
  let agent: FakeAgent;

  beforeAll(async () => {
    hub = await startHubFixture('pglite', { registry: feishuRegistry() });
    feishu = await startFakeFeishu({
      appId: APP_ID,
      appSecret: APP_SECRET,
      tenantKey: TENANT,
      botOpenId: BOT,
    });
    feishu.users.set('ou_new0004', { open_id: 'ou_new0004', union_id: 'on_new0004', name: 'Later' });
    agent = await startFakeAgent();
  });
  afterAll(async () => {
    await hub?.close();
    await feishu?.close();
    await agent?.close();
  });

  it('never guesses a tenant: an installation whose tenant cannot be detected answers 503 until it can', async () => {
    const admin = await hub.seedWorkspace('fsnotenant');
    const created = await hub.request('POST', '/api/v1/workspaces/fsnotenant/agents', {
      token: admin.token,
      body: { name: 'assistant', deliveryUrl: agent.url, deliverySecret: agent.secret },
    });
    // As stored before tenant detection at install: no tenant_key, no detected key.
    const installation = await hub.runtime.stores.installations.create({
      workspaceId: admin.workspaceId,
      agentId: created.body.id,
      channelType: 'feishu',
      config: { app_id: APP_ID, mode: 'webhook', auto_provision: true, api_base_url: feishu.url },
      secrets: { app_secret: APP_SECRET, verification_token: TOKEN },
    });
    feishu.fail('/open-apis/tenant/v2/tenant/query', { code: 99991401, msg: 'tenant query unavailable' });
    const event = JSON.stringify(
      feishuMessage({ eventId: 'ev_no_tenant', openId: 'ou_new0004', token: TOKEN, text: 'tenant later' }),
    );
    const post = () =>
      hub.request('POST', `/hooks/${installation.id}`, {
        raw: event,
        headers: { 'content-type': 'application/json' },
      });
    const refused = await post();
    // Not acknowledged, so Feishu pushes it again; nothing was decided or provisioned meanwhile.
    expect(refused.status).toBe(503);
    expect(refused.body.error.code).toBe('installation_unavailable');
    const audit = await hub.request(
      'GET',
      '/api/v1/workspaces/fsnotenant/audit?platformEventId=ev_no_tenant',
      {
        token: admin.token,
      },
    );
    expect(audit.body.entries).toEqual([]);
    expect(
      await hub.runtime.database.prisma.identity.count({
        where: { namespace: 'feishu_union', identifier: 'on_new0004' },
      }),
    ).toBe(0);
    // Feishu's retry, once the tenant query answers: detected, checked, provisioned, delivered.
    await eventually(async () => ((await post()).status === 200 ? true : undefined), 20_000);
    const delivery = await eventually(() =>
      agent.deliveries.find((d) => d.body.message?.text === 'tenant later'),
    );
    const identity = await hub.runtime.database.prisma.identity.findFirst({
      where: { namespace: 'feishu_union', identifier: 'on_new0004' },
    });
    expect(delivery.body.user.id).toBe(identity?.userId);
  });
});
