import { testDatabaseKinds } from '@switchboard/db/testing';
import { type FakeSlack, signSlackRequest } from '@switchboard/testkit/fakes/slack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeAgent } from '../support/fake-agent.js';
import type { HubFixture } from '../support/hub-fixture.js';
import {
  eventually,
  installSlack,
  postToHook,
  SIGNING_SECRET,
  type SlackScenario,
  slackMessage,
  startSlackScenario,
} from '../support/slack-scenario.js';

describe.each(testDatabaseKinds())('webhook ingress faults [%s]', (kind) => {
  let scenario: SlackScenario;
  let hub: HubFixture;
  let slack: FakeSlack;
  let agent: FakeAgent;
  let setup: SlackScenario['setup'];

  beforeAll(async () => {
    scenario = await startSlackScenario(kind, 'faults');
    ({ hub, slack, agent, setup } = scenario);
    await hub.runtime.stores.bindings.bind({
      installationId: setup.installationId,
      channelType: 'slack',
      channelUserId: 'U0BOUND01',
      userId: setup.userId,
    });
  });
  afterAll(async () => {
    await scenario?.close();
  });

  const auditReasons = async (eventId: string) => {
    const res = await hub.request('GET', `/api/v1/workspaces/faults/audit?platformEventId=${eventId}`, {
      token: setup.token,
    });
    return (res.body.entries as Array<{ reason: string }>).map((entry) => entry.reason).sort();
  };

  it('answers a url_verification challenge', async () => {
    const res = await postToHook(hub, setup.installationId, {
      token: 'x',
      challenge: 'challenge-abc',
      type: 'url_verification',
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ challenge: 'challenge-abc' });
  });

  it('refuses forged, stale, future and unsigned requests with 401', async () => {
    const body = slackMessage({ eventId: 'Ev0FORGED1', user: 'U0BOUND01' });
    const forged = await postToHook(hub, setup.installationId, body, { secret: 'wrong-secret' });
    expect(forged.status).toBe(401);
    expect(forged.body.error.code).toBe('bad_signature');
    const now = Math.floor(Date.now() / 1000);
    const stale = await postToHook(hub, setup.installationId, body, { timestamp: now - 400 });
    expect(stale.status).toBe(401);
    expect(stale.body.error.code).toBe('stale_timestamp');
    const future = await postToHook(hub, setup.installationId, body, { timestamp: now + 400 });
    expect(future.status).toBe(401);
    const unsigned = await postToHook(hub, setup.installationId, body, { headers: {} });
    expect(unsigned.status).toBe(401);
    expect(unsigned.body.error.code).toBe('missing_signature');
    expect(await auditReasons('Ev0FORGED1')).toEqual([]);
  });

  it('verifies over the exact bytes: escapes, slashes and odd whitespace', async () => {
    const raw = `{"type":"event_callback","team_id":"T0TEAM001","api_app_id":"A0APP0001","event_id":"Ev0BYTES01",  "event_time":1760000000,
      "event":{"type":"message","channel_type":"im","channel":"D0DM00001","user":"U0BOUND01","ts":"1760000000.000100","text":"caf\\u00e9 \\/ a/b  "}}`;
    const res = await postToHook(hub, setup.installationId, raw);
    expect(res.status).toBe(200);
    const delivery = await eventually(() =>
      agent.deliveries.find((d) => d.body.message.platformMessageId === '1760000000.000100'),
    );
    expect(delivery.body.message.text).toBe('café / a/b  ');
  });

  it('answers 400 for malformed JSON that is correctly signed', async () => {
    const res = await postToHook(hub, setup.installationId, '{"type": "event_callback", ');
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('malformed_payload');
  });

  it('answers 413 for a body over 1 MiB', async () => {
    const big = JSON.stringify({ type: 'event_callback', padding: 'x'.repeat(1_100_000) });
    const res = await postToHook(hub, setup.installationId, big);
    expect(res.status).toBe(413);
  });

  it('answers 404 for an unknown installation, counts it and writes no row', async () => {
    const unknown = '00000000-0000-4000-8000-000000000000';
    const body = slackMessage({ eventId: 'Ev0UNKNOWN', user: 'U0BOUND01' });
    const res = await postToHook(hub, unknown, body);
    expect(res.status).toBe(404);
    const notUuid = await postToHook(hub, 'not-an-id', body);
    expect(notUuid.status).toBe(404);
    // Scoped to this event: other tests' deliveries may still be writing audit rows of their own.
    const { prisma } = hub.runtime.database;
    expect(await prisma.channelInboundAudit.count({ where: { platformEventId: 'Ev0UNKNOWN' } })).toBe(0);
    expect(await prisma.channelInboundAudit.count({ where: { installationId: unknown } })).toBe(0);
    const metrics = await hub.request('GET', '/metrics');
    expect(metrics.text).toMatch(/switchboard_inbound_rejected_total\{code="unknown_installation"\} [1-9]/);
  });

  it('delivers an event sent five times once and audits the other four as duplicates', async () => {
    const body = slackMessage({ eventId: 'Ev0REPEAT1', user: 'U0BOUND01', text: 'only once please' });
    const raw = JSON.stringify(body);
    const statuses = await Promise.all(
      [0, 1, 2, 3, 4].map((retry) =>
        hub.request('POST', `/hooks/${setup.installationId}`, {
          raw,
          headers: {
            ...signSlackRequest(SIGNING_SECRET, raw),
            ...(retry > 0
              ? { 'x-slack-retry-num': String(retry), 'x-slack-retry-reason': 'http_timeout' }
              : {}),
          },
        }),
      ),
    );
    expect(statuses.map((res) => res.status)).toEqual([200, 200, 200, 200, 200]);
    await eventually(async () =>
      (await auditReasons('Ev0REPEAT1')).includes('delivered') ? true : undefined,
    );
    expect(await auditReasons('Ev0REPEAT1')).toEqual([
      'delivered',
      'duplicate',
      'duplicate',
      'duplicate',
      'duplicate',
    ]);
    expect(agent.deliveries.filter((d) => d.body.message.text === 'only once please')).toHaveLength(1);
  });

  it('drops group chatter not addressed to the bot before any identity work', async () => {
    const body = slackMessage({
      eventId: 'Ev0CHATTER',
      user: 'U0STRANGER',
      channel: 'C0GENERAL1',
      channelType: 'channel',
      text: 'lunch?',
    });
    expect((await postToHook(hub, setup.installationId, body)).status).toBe(200);
    await eventually(async () => ((await auditReasons('Ev0CHATTER')).length > 0 ? true : undefined));
    expect(await auditReasons('Ev0CHATTER')).toEqual(['not_addressed_in_group']);
    // No binding link went to the stranger.
    expect(slack.callsTo('chat.postMessage')).toHaveLength(0);
  });

  it('audits the bot’s own messages and edits as ignored', async () => {
    const own = slackMessage({ eventId: 'Ev0OWNPOST', user: 'U0BOT0001' });
    (own.event as Record<string, unknown>).bot_id = 'B0FAKEBOT';
    const edit = slackMessage({ eventId: 'Ev0EDITED1', user: 'U0BOUND01' });
    Object.assign(edit.event as Record<string, unknown>, {
      subtype: 'message_changed',
      hidden: true,
      message: { type: 'message', user: 'U0BOUND01', text: 'edited', ts: '1.000001' },
    });
    await postToHook(hub, setup.installationId, own);
    await postToHook(hub, setup.installationId, edit);
    await eventually(async () => ((await auditReasons('Ev0EDITED1')).length > 0 ? true : undefined));
    await eventually(async () => ((await auditReasons('Ev0OWNPOST')).length > 0 ? true : undefined));
    expect(await auditReasons('Ev0OWNPOST')).toEqual(['ignored_self']);
    expect(await auditReasons('Ev0EDITED1')).toEqual(['ignored_edit']);
  });

  it('answers 404 once the installation is revoked', async () => {
    const other = await installSlack(hub, slack, agent, 'revoked', 'A0REVOKED1');
    const revoke = await hub.request(
      'DELETE',
      `/api/v1/workspaces/revoked/installations/${other.installationId}`,
      {
        token: other.token,
      },
    );
    expect(revoke.status).toBe(200);
    const res = await postToHook(
      hub,
      other.installationId,
      slackMessage({ eventId: 'Ev0REVOKED', user: 'U0X' }),
    );
    expect(res.status).toBe(404);
    // Anyone can post to a revoked installation's URL: it costs no row.
    const audit = await hub.request('GET', '/api/v1/workspaces/revoked/audit?reason=installation_revoked', {
      token: other.token,
    });
    expect(audit.body.entries).toHaveLength(0);
  });
});
