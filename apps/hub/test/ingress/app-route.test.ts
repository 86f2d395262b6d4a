import { testDatabaseKinds } from '@switchboard/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_CHAT_APP, appChatBatch, appChatRegistry, postAppBatch } from '../support/app-chat.js';
import { type HubFixture, startHubFixture } from '../support/hub-fixture.js';

/**
 * One platform app (one URL, one app secret) serving two workspaces, each with its own
 * installation (phone number): a batch is verified once and split per installation.
 */
describe.each(testDatabaseKinds())('app-level route [%s]', (kind) => {
  let hub: HubFixture;
  const installations: Record<string, string> = {};
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    hub = await startHubFixture(kind, { workers: false, registry: appChatRegistry() });
    for (const [slug, phoneNumberId] of [
      ['tenant-one', 'pn-111'],
      ['tenant-two', 'pn-222'],
    ] as const) {
      const { token } = await hub.seedWorkspace(slug);
      tokens[slug] = token;
      const agent = await hub.request('POST', `/api/v1/workspaces/${slug}/agents`, {
        token,
        body: { name: 'assistant', deliveryUrl: 'http://127.0.0.1:9/deliver' },
      });
      expect(agent.status).toBe(201);
      const created = await hub.request('POST', `/api/v1/workspaces/${slug}/installations`, {
        token,
        body: {
          agentId: agent.body.id,
          channelType: 'app-chat',
          config: { ...APP_CHAT_APP, phone_number_id: phoneNumberId },
        },
      });
      expect(created.status, created.text).toBe(201);
      expect(JSON.stringify(created.body)).not.toContain(APP_CHAT_APP.app_secret);
      // Every installation of the app is registered at the app's one URL.
      expect(created.body.webhookUrl).toMatch(/\/hooks\/app\/app-chat\/app-7001$/);
      installations[phoneNumberId] = created.body.id;
    }
  });
  afterAll(async () => {
    await hub?.close();
  });

  const inboxRows = async () =>
    (
      await hub.database.db.prisma.channelInboundMessageDedup.findMany({
        select: { installationId: true, platformEventId: true },
        orderBy: { platformEventId: 'asc' },
      })
    ).map((row) => [row.installationId, row.platformEventId]);

  it('records each installation’s events in its own rows and counts the unknown phone number', async () => {
    const raw = appChatBatch({ 'pn-111': ['a-1', 'a-2'], 'pn-222': ['b-1'], 'pn-999': ['x-1'] });
    const res = await postAppBatch(hub, raw);
    expect(res.status, res.text).toBe(200);
    expect(await inboxRows()).toEqual([
      [installations['pn-111'], 'a-1'],
      [installations['pn-111'], 'a-2'],
      [installations['pn-222'], 'b-1'],
    ]);
    // The unknown target is written nowhere: no row, no audit.
    expect(await hub.database.db.prisma.channelInboundAudit.count()).toBe(0);
    const metrics = await hub.request('GET', '/metrics');
    expect(metrics.text).toContain('switchboard_app_route_refused_targets_total{reason="unknown_target"} 1');
    expect(metrics.text).toContain('switchboard_inbound_recorded_total 3');
  });

  it('records a redelivered batch once', async () => {
    const raw = appChatBatch({ 'pn-111': ['a-1', 'a-2'], 'pn-222': ['b-1'] });
    expect((await postAppBatch(hub, raw)).status).toBe(200);
    expect(await inboxRows()).toHaveLength(3);
    const metrics = await hub.request('GET', '/metrics');
    expect(metrics.text).toContain('switchboard_inbound_duplicates_total 3');
  });

  it('refuses a forged signature with 401 and writes nothing', async () => {
    const raw = appChatBatch({ 'pn-111': ['forged-1'] });
    const res = await postAppBatch(hub, raw, { secret: 'not-the-app-secret' });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('bad_signature');
    expect(await inboxRows()).toHaveLength(3);
  });

  it('answers the GET verification challenge for the verify token, and refuses another', async () => {
    const challenge = (token: string) =>
      hub.request(
        'GET',
        `/hooks/app/app-chat/${APP_CHAT_APP.app_key}?hub.mode=subscribe&hub.verify_token=${token}&hub.challenge=ch-4242`,
      );
    const ok = await challenge(APP_CHAT_APP.verify_token);
    expect(ok.status).toBe(200);
    expect(ok.text).toBe('ch-4242');
    expect((await challenge('wrong-token-0001')).status).toBe(401);
  });

  it('answers 404 for an app key no installation has and for a type without an app route', async () => {
    const raw = appChatBatch({ 'pn-111': ['other-app-1'] });
    const unknownApp = await postAppBatch(hub, raw, { appKey: 'app-0000' });
    expect(unknownApp.status).toBe(404);
    expect(unknownApp.body.error.code).toBe('unknown_app');
    expect((await hub.request('POST', '/hooks/app/echo/app-7001', { raw })).status).toBe(404);
    expect((await hub.request('POST', '/hooks/app/nope/app-7001', { raw })).status).toBe(404);
    expect(await inboxRows()).toHaveLength(3);
  });

  it('refuses a second installation of a phone number the app has (409)', async () => {
    const { token } = await hub.seedWorkspace('dup-install');
    const agent = await hub.request('POST', '/api/v1/workspaces/dup-install/agents', {
      token,
      body: { name: 'assistant', deliveryUrl: 'http://127.0.0.1:9/deliver' },
    });
    const refused = await hub.request('POST', '/api/v1/workspaces/dup-install/installations', {
      token,
      body: {
        agentId: agent.body.id,
        channelType: 'app-chat',
        config: { ...APP_CHAT_APP, phone_number_id: 'pn-111' },
      },
    });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('installation_exists');
    expect(refused.body.error.message).toBe(
      'this app-chat app is already installed for that phone_number_id (pn-111)',
    );
  });

  it('writes nothing for a phone number two active installations claim, and counts it', async () => {
    // The index refuses such a pair, so it is made as a stale row would be: a config changed
    // behind the hub's back, its installation key left as it was.
    const ids: string[] = [];
    for (const [slug, phone] of [
      ['dup-one', 'pn-dup'],
      ['dup-two', 'pn-dup-stale'],
    ] as const) {
      const { token } = await hub.seedWorkspace(slug);
      const agent = await hub.request('POST', `/api/v1/workspaces/${slug}/agents`, {
        token,
        body: { name: 'assistant', deliveryUrl: 'http://127.0.0.1:9/deliver' },
      });
      const created = await hub.request('POST', `/api/v1/workspaces/${slug}/installations`, {
        token,
        body: {
          agentId: agent.body.id,
          channelType: 'app-chat',
          config: { ...APP_CHAT_APP, phone_number_id: phone },
        },
      });
      expect(created.status, created.text).toBe(201);
      ids.push(created.body.id);
    }
    await hub.database.db.prisma.channelInstallation.update({
      where: { id: ids[1] },
      data: { config: { app_key: APP_CHAT_APP.app_key, phone_number_id: 'pn-dup' } },
    });
    const before = await inboxRows();
    const res = await postAppBatch(hub, appChatBatch({ 'pn-dup': ['dup-1'], 'pn-111': ['a-9'] }));
    expect(res.status).toBe(200);
    const after = await inboxRows();
    expect(after).toContainEqual([installations['pn-111'], 'a-9']);
    expect(after.filter(([, id]) => id === 'dup-1')).toEqual([]);
    expect(after).toHaveLength(before.length + 1);
    expect((await hub.request('GET', '/metrics')).text).toContain(
      'switchboard_app_route_refused_targets_total{reason="ambiguous_target"} 1',
    );
  });

  it('answers 400 for a malformed batch', async () => {
    const res = await postAppBatch(hub, '{"object":"app_chat","entry":"nope"}');
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('malformed_payload');
  });

  it('stops routing to a revoked installation: its part is unknown, the other is recorded', async () => {
    const revoked = await hub.request(
      'DELETE',
      `/api/v1/workspaces/tenant-two/installations/${installations['pn-222']}`,
      { token: tokens['tenant-two'] },
    );
    expect(revoked.status).toBeLessThan(300);
    const res = await postAppBatch(hub, appChatBatch({ 'pn-111': ['a-3'], 'pn-222': ['b-2'] }));
    expect(res.status).toBe(200);
    const rows = await inboxRows();
    expect(rows).toContainEqual([installations['pn-111'], 'a-3']);
    expect(rows).not.toContainEqual([installations['pn-222'], 'b-2']);
  });
});
