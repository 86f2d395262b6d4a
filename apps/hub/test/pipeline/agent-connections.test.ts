import { testDatabaseKinds } from '@switchboard/db/testing';
import { type FakeSlack, startFakeSlack } from '@switchboard/testkit/fakes/slack';
import { afterAll, describe, expect, it } from 'vitest';
import { type FakeAgent, startFakeAgent } from '../support/fake-agent.js';
import { type HubFixture, startHubFixture } from '../support/hub-fixture.js';
import { BOT, eventually, installSlack, postToHook, slackMessage, TEAM } from '../support/slack-scenario.js';

describe.each(testDatabaseKinds())('agent connections of the hub [%s]', (kind) => {
  let slack: FakeSlack | undefined;
  let agent: FakeAgent | undefined;
  afterAll(async () => {
    await slack?.close();
    await agent?.close();
  });

  it('delivers over kept-alive connections and closes them when the hub shuts down', async () => {
    const hub: HubFixture = await startHubFixture(kind);
    slack = await startFakeSlack({ teamId: TEAM, botUserId: BOT });
    agent = await startFakeAgent(undefined, { keepAliveMs: 120_000 });
    const started = agent;
    const setup = await installSlack(hub, slack, started, 'pooled');
    await hub.runtime.stores.bindings.bind({
      installationId: setup.installationId,
      channelType: 'slack',
      channelUserId: 'U0ALICE01',
      userId: setup.userId,
    });
    for (let i = 0; i < 8; i++) {
      const response = await postToHook(
        hub,
        setup.installationId,
        slackMessage({ eventId: `Ev0POOL00${i}`, user: 'U0ALICE01', text: `pooled ${i}` }),
      );
      expect(response.status).toBe(200);
      // One at a time: each delivery finds the previous one's connection idle.
      await eventually(() => (started.delivered().size === i + 1 ? true : undefined));
    }
    expect(started.deliveries.every((delivery) => delivery.signatureValid)).toBe(true);
    // undici may open a second socket while the first settles; then every delivery reuses one.
    expect(started.sockets().accepted).toBeLessThanOrEqual(2);
    expect(started.sockets().open).toBeGreaterThan(0);

    // The agent would keep the connection for two minutes: only the hub's shutdown closes it.
    await hub.close();
    await eventually(() => (started.sockets().open === 0 ? true : undefined), 30_000);
  });
});
