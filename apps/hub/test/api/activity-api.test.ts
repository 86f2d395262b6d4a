import { testDatabaseKinds } from '@switchboard/db/testing';
import { signEchoRequest } from '@switchboard/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeAgent, startFakeAgent } from '../support/fake-agent.js';
import { type HubFixture, startHubFixture } from '../support/hub-fixture.js';
import { eventually } from '../support/slack-scenario.js';

const SECRET = 'echo-signing-secret-activity';

type Minute = { installationId: string; inbound: number; delivered: number };
const sum = (minutes: Minute[], key: 'inbound' | 'delivered', installationId: string) =>
  minutes.filter((m) => m.installationId === installationId).reduce((total, m) => total + m[key], 0);

/**
 * The aggregates behind the console's charts, the outbound message list and the audit filters,
 * on each database: counts match what was sent, a redelivered event is counted once, only the
 * workspace's own rows are read, and only admins may read them.
 */
describe.each(testDatabaseKinds())('activity, outbound list and audit filters [%s]', (kind) => {
  let hub: HubFixture;
  let agent: FakeAgent;
  let admin: { workspaceId: string; token: string; userId: string };
  let other: { workspaceId: string; token: string; userId: string };
  let member: { workspaceId: string; token: string; userId: string };
  let installationId: string;

  const post = async (event: Record<string, unknown>) => {
    const raw = JSON.stringify(event);
    const res = await hub.request('POST', `/hooks/${installationId}`, {
      raw,
      headers: { 'content-type': 'application/json', ...signEchoRequest(SECRET, raw) },
    });
    expect(res.status, res.text).toBe(200);
  };
  const get = (path: string, token = admin.token) =>
    hub.request('GET', `/api/v1/workspaces/act${path}`, { token });

  beforeAll(async () => {
    hub = await startHubFixture(kind);
    agent = await startFakeAgent();
    admin = await hub.seedWorkspace('act');
    other = await hub.seedWorkspace('act-other');
    const memberUser = await hub.runtime.stores.users.create({ username: 'act-member' });
    await hub.runtime.stores.members.upsert(admin.workspaceId, memberUser.id, 'member');
    const issued = await hub.runtime.stores.apiTokens.issue({
      userId: memberUser.id,
      workspaceId: admin.workspaceId,
    });
    member = { workspaceId: admin.workspaceId, token: issued.token, userId: memberUser.id };
    const created = await hub.request('POST', '/api/v1/workspaces/act/agents', {
      token: admin.token,
      body: { name: 'assistant', deliveryUrl: agent.url, deliverySecret: agent.secret },
    });
    const installation = await hub.request('POST', '/api/v1/workspaces/act/installations', {
      token: admin.token,
      body: { agentId: created.body.id, channelType: 'echo', config: { signing_secret: SECRET } },
    });
    expect(installation.status, installation.text).toBe(201);
    installationId = installation.body.id;
    await hub.runtime.stores.bindings.bind({
      installationId,
      channelType: 'echo',
      channelUserId: 'bound',
      userId: admin.userId,
    });
  });
  afterAll(async () => {
    await hub?.close();
    await agent?.close();
  });

  it('counts received and delivered events per minute, a redelivery once, and decisions by reason', async () => {
    for (const id of ['a-1', 'a-2', 'a-3']) {
      await post({ type: 'message', id, chatId: 'c', user: { id: 'bound' }, text: 'hi' });
    }
    // The platform sends one of them again, and a stranger writes.
    await post({ type: 'message', id: 'a-1', chatId: 'c', user: { id: 'bound' }, text: 'hi' });
    await post({ type: 'message', id: 'a-4', chatId: 'c', user: { id: 'stranger' }, text: 'who?' });
    const reasons = await eventually(async () => {
      const res = await get('/activity/reasons');
      const counts = res.body.reasons as Array<{ reason: string; count: number }>;
      const decided = counts.filter((r) => r.reason !== 'resolved').reduce((n, r) => n + r.count, 0);
      return counts.find((r) => r.reason === 'delivered')?.count === 3 && decided >= 4 ? counts : undefined;
    });
    // Most first.
    expect(reasons[0]).toEqual({ reason: 'delivered', count: 3 });

    for (const window of ['1h', '24h']) {
      const res = await get(`/activity/messages?window=${window}`);
      expect(res.status, res.text).toBe(200);
      expect(res.body).toMatchObject({ window, bucketSeconds: 60 });
      expect(sum(res.body.minutes, 'inbound', installationId)).toBe(4);
      expect(sum(res.body.minutes, 'delivered', installationId)).toBe(3);
      for (const minute of res.body.minutes as Array<{ minute: string }>) {
        expect(new Date(minute.minute).getUTCSeconds()).toBe(0);
      }
    }
    expect((await get('/activity/messages?window=7d')).status).toBe(400);
    // Another workspace sees none of it.
    const elsewhere = await hub.request('GET', '/api/v1/workspaces/act-other/activity/messages', {
      token: other.token,
    });
    expect(elsewhere.body.minutes).toEqual([]);
  });

  it('lists outbound messages newest first, filtered and paged', async () => {
    for (const key of ['o-1', 'o-2', 'o-3']) {
      const accepted = await hub.request('POST', `/api/v1/installations/${installationId}/messages`, {
        token: admin.token,
        body: { target: { chatId: `chat-${key}` }, text: key, idempotencyKey: key },
      });
      expect(accepted.status).toBe(202);
    }
    await eventually(async () => {
      const res = await get('/outbound-messages?status=sent');
      const keys = res.body.items.map((m: { idempotencyKey: string }) => m.idempotencyKey);
      return ['o-1', 'o-2', 'o-3'].every((key) => keys.includes(key)) ? true : undefined;
    });
    // Two at a time, every message once, newest first (the hub's own link reply is among them).
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await get(`/outbound-messages?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status, page.text).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((m: { idempotencyKey: string }) => m.idempotencyKey));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.filter((key) => key.startsWith('o-'))).toEqual(['o-3', 'o-2', 'o-1']);
    expect(
      (await get(`/outbound-messages?installationId=${installationId}&status=failed`)).body.items,
    ).toEqual([]);
    expect((await get('/outbound-messages?cursor=not-a-cursor')).status).toBe(400);
    // Another workspace's installation id filters to nothing, and its token sees nothing here.
    const foreign = await hub.request('GET', '/api/v1/workspaces/act-other/outbound-messages', {
      token: other.token,
    });
    expect(foreign.body.items).toEqual([]);
    expect((await get('/outbound-messages', other.token)).status).toBe(404);
  });

  it('filters the audit by user and time range', async () => {
    const mine = await get(`/audit?userId=${admin.userId}&reason=delivered`);
    expect(mine.body.items.length).toBe(3);
    expect((await get(`/audit?userId=${member.userId}`)).body.items).toEqual([]);
    expect((await get('/audit?until=2001-01-01T00:00:00Z')).body.items).toEqual([]);
    const all = (await get('/audit')).body.items.length;
    expect((await get('/audit?since=2001-01-01T00:00:00Z')).body.items.length).toBe(all);
    expect((await get('/audit?since=yesterday')).status).toBe(400);
  });

  it('keeps the aggregates and the outbound list to admins', async () => {
    for (const path of ['/activity/messages', '/activity/reasons', '/outbound-messages']) {
      expect({ path, status: (await get(path, member.token)).status }).toEqual({ path, status: 403 });
    }
  });
});
