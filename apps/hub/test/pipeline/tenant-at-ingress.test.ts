import { testDatabaseKinds } from '@switchboard/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeAgent } from '../support/fake-agent.js';
import type { HubFixture } from '../support/hub-fixture.js';
import { seedSlackWorkspace } from '../support/seed-slack.js';
import {
  BOT,
  eventually,
  postToHook,
  SIGNING_SECRET,
  type SlackScenario,
  slackMessage,
  startSlackScenario,
  TEAM,
} from '../support/slack-scenario.js';

/**
 * A correctly signed event is still refused when the platform says it belongs to another team or
 * app than the installation's: no identity work, no delivery, one audit row, and a 200 so the
 * platform stops retrying.
 */
describe.each(testDatabaseKinds())('event tenant at ingress [%s]', (kind) => {
  let scenario: SlackScenario;
  let hub: HubFixture;
  let agent: FakeAgent;
  let setup: SlackScenario['setup'];

  beforeAll(async () => {
    scenario = await startSlackScenario(kind, 'tenant-check');
    ({ hub, agent, setup } = scenario);
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

  const audit = async (eventId: string) => {
    const res = await hub.request('GET', `/api/v1/workspaces/tenant-check/audit?platformEventId=${eventId}`, {
      token: setup.token,
    });
    return res.body.entries as Array<{
      reason: string;
      userId: string | null;
      detail: Record<string, unknown>;
    }>;
  };

  it.each([
    { what: 'team', field: 'team_id', value: 'T0FOREIGN', reason: 'wrong_tenant', eventId: 'Ev0FOREIGNT' },
    { what: 'app', field: 'api_app_id', value: 'A0FOREIGN', reason: 'wrong_app', eventId: 'Ev0FOREIGNA' },
  ])('refuses a signed event of a foreign $what as $reason', async ({ field, value, reason, eventId }) => {
    const before = agent.deliveries.length;
    const body = { ...slackMessage({ eventId, user: 'U0BOUND01', text: 'from elsewhere' }), [field]: value };
    const res = await postToHook(hub, setup.installationId, body);
    expect(res.status).toBe(200);
    const entries = await eventually(async () => {
      const rows = await audit(eventId);
      return rows.length > 0 ? rows : undefined;
    });
    expect(entries).toEqual([expect.objectContaining({ reason, userId: null })]);
    expect(JSON.stringify(entries)).not.toContain('from elsewhere');
    expect(agent.deliveries.length).toBe(before);
  });

  it('still delivers the installation’s own team and app', async () => {
    const res = await postToHook(
      hub,
      setup.installationId,
      slackMessage({ eventId: 'Ev0HOMEOK1', user: 'U0BOUND01' }),
    );
    expect(res.status).toBe(200);
    await eventually(async () => ((await audit('Ev0HOMEOK1'))[0]?.reason === 'delivered' ? true : undefined));
  });

  it('fails a delivery whose agent address the egress policy refuses at connect time', async () => {
    // Written behind the API's back (as an old row would be): the connection itself is refused.
    const seeded = await seedSlackWorkspace(hub.runtime.stores, {
      slug: 'tenant-metadata',
      agentUrl: 'http://169.254.169.254/latest/meta-data/',
      slackApiUrl: scenario.slack.url,
      appId: 'A0METADAT',
      teamId: TEAM,
      botUserId: BOT,
      signingSecret: SIGNING_SECRET,
      boundSenders: ['U0BOUND01'],
    });
    // No retry budget: the refused delivery is dead-lettered at its first failure.
    await hub.runtime.database.prisma.agent.updateMany({
      where: { workspaceId: seeded.workspaceId },
      data: { retryBudgetMs: 1 },
    });
    const body = { ...slackMessage({ eventId: 'Ev0METADATA', user: 'U0BOUND01' }), api_app_id: 'A0METADAT' };
    expect((await postToHook(hub, seeded.installationId, body)).status).toBe(200);
    const row = await eventually(async () => {
      const found = await hub.runtime.database.prisma.channelInboundAudit.findFirst({
        where: { installationId: seeded.installationId, reason: 'delivery_failed' },
      });
      return found ?? undefined;
    });
    expect((row.detail as { error: string }).error).toMatch(/egress refused/);
  });
});
