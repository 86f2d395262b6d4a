import { testDatabaseKinds } from '@switchboard/db/testing';
import { type FakeSlack, signSlackRequest, startFakeSlack } from '@switchboard/testkit/fakes/slack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeAgent, startFakeAgent } from '../support/fake-agent.js';
import { type HubFixture, startHubFixture } from '../support/hub-fixture.js';
import {
  BOT,
  eventually,
  installSlack,
  postToHook,
  SIGNING_SECRET,
  slackMessage,
  TEAM,
} from '../support/slack-scenario.js';

// PGlite has one connection, so its run is the same race at a fifth of the size: at full size it
// only measures how long one connection takes to serialise 1,000 provisioning transactions.
const PEOPLE = { postgres: 100, pglite: 20 } as const;
const EVENTS_PER_USER = 10;

describe.each(testDatabaseKinds())('auto-provisioning through the pipeline [%s]', (kind) => {
  const USERS = PEOPLE[kind];
  let hub: HubFixture;
  let slack: FakeSlack;
  let agent: FakeAgent;
  let setup: Awaited<ReturnType<typeof installSlack>>;

  beforeAll(async () => {
    hub = await startHubFixture(kind, { pipeline: { workerConcurrency: 32 } });
    slack = await startFakeSlack({ teamId: TEAM, botUserId: 'U0BOT0001' });
    agent = await startFakeAgent();
    setup = await installSlack(hub, slack, agent, 'provision');
    const patched = await hub.request(
      'PATCH',
      `/api/v1/workspaces/provision/installations/${setup.installationId}`,
      {
        token: setup.token,
        body: { config: { auto_provision: true } },
      },
    );
    expect(patched.status).toBe(200);
    for (let i = 0; i < USERS; i++) {
      const id = `U0NEW${String(i).padStart(4, '0')}`;
      slack.users.set(id, {
        id,
        team_id: TEAM,
        // Some people have no readable email: their username comes from the Slack id.
        profile:
          i % 10 === 0
            ? { display_name: `New ${i}` }
            : { email: `new.person${i}@acme.test`, display_name: `New ${i}` },
      });
    }
    slack.users.set('U0GUEST01', { id: 'U0GUEST01', team_id: TEAM, is_restricted: true, profile: {} });
    slack.users.set('U0STRANGE', { id: 'U0STRANGE', team_id: 'T0OTHER01', profile: {} });
  });
  afterAll(async () => {
    await hub?.close();
    await slack?.close();
    await agent?.close();
  });

  const reasons = async (eventId: string) => {
    const res = await hub.request('GET', `/api/v1/workspaces/provision/audit?platformEventId=${eventId}`, {
      token: setup.token,
    });
    return (res.body.entries as Array<{ reason: string }>).map((e) => e.reason).sort();
  };

  it('turns 10 concurrent first-contact events per person into exactly one user each (1,000 from 100 people on PostgreSQL)', async () => {
    const bodies: string[] = [];
    for (let n = 0; n < EVENTS_PER_USER; n++) {
      for (let i = 0; i < USERS; i++) {
        const user = `U0NEW${String(i).padStart(4, '0')}`;
        // Every event in its own conversation, so one person's events race each other.
        bodies.push(
          JSON.stringify(
            slackMessage({
              eventId: `Ev0P${i}x${n}`,
              user,
              channel: `C0P${i}X${n}`,
              mention: true,
              text: `<@U0BOT0001> hello ${i}/${n}`,
            }),
          ),
        );
      }
    }
    // 64 platform connections at once, like a busy Slack app; the workers see the burst together.
    const answers: Array<{ status: number }> = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: 64 }, async () => {
        while (next < bodies.length) {
          const body = bodies[next++] as string;
          answers.push(
            await hub.request('POST', `/hooks/${setup.installationId}`, {
              raw: body,
              headers: signSlackRequest(SIGNING_SECRET, body),
            }),
          );
        }
      }),
    );
    expect(answers).toHaveLength(USERS * EVENTS_PER_USER);
    expect(answers.every((answer) => answer.status === 200)).toBe(true);
    await eventually(() => (agent.delivered().size >= USERS * EVENTS_PER_USER ? true : undefined), 120_000);

    const prisma = hub.runtime.database.prisma;
    const identities = await prisma.identity.findMany({ where: { namespace: 'slack' } });
    expect(identities).toHaveLength(USERS);
    const provisionedUsers = await prisma.user.findMany({
      where: { id: { in: identities.map((i) => i.userId) } },
    });
    expect(provisionedUsers).toHaveLength(USERS);
    expect(new Set(provisionedUsers.map((u) => u.username)).size).toBe(USERS);
    expect(provisionedUsers.every((u) => u.passwordHash === null)).toBe(true);
    const members = await prisma.workspaceMember.findMany({
      where: { workspaceId: setup.workspaceId, userId: { in: identities.map((i) => i.userId) } },
    });
    expect(members.every((m) => m.role === 'member')).toBe(true);
    expect(members).toHaveLength(USERS);
    // Each person's ten messages reached the agent as the same user.
    const userBySender = new Map<string, Set<string>>();
    for (const delivery of agent.deliveries) {
      const sender = delivery.body.message.source.sender.id as string;
      userBySender.set(sender, (userBySender.get(sender) ?? new Set()).add(delivery.body.user.id));
    }
    expect(userBySender.size).toBe(USERS);
    expect([...userBySender.values()].every((ids) => ids.size === 1)).toBe(true);
    const provisionedAudits = await prisma.channelInboundAudit.count({ where: { reason: 'provisioned' } });
    expect(provisionedAudits).toBe(USERS);
  }, 180_000);

  it('denies an external guest and a sender from another tenant, and audits why', async () => {
    await postToHook(hub, setup.installationId, slackMessage({ eventId: 'Ev0GUEST01', user: 'U0GUEST01' }));
    const foreign = slackMessage({ eventId: 'Ev0FOREIGN', user: 'U0STRANGE' });
    foreign.team_id = 'T0OTHER01';
    (foreign.event as Record<string, unknown>).team = 'T0OTHER01';
    await postToHook(hub, setup.installationId, foreign);
    await eventually(async () => ((await reasons('Ev0GUEST01')).length > 0 ? true : undefined));
    await eventually(async () => ((await reasons('Ev0FOREIGN')).length > 0 ? true : undefined));
    expect(await reasons('Ev0GUEST01')).toEqual(['external_guest']);
    expect(await reasons('Ev0FOREIGN')).toEqual(['wrong_tenant']);
    expect(
      await hub.runtime.database.prisma.identity.count({ where: { identifier: { contains: 'U0GUEST01' } } }),
    ).toBe(0);
  });

  it('never provisions for /link: the manual flow stays authoritative', async () => {
    slack.users.set('U0LINKME1', { id: 'U0LINKME1', team_id: TEAM, profile: { email: 'linker@acme.test' } });
    await postToHook(
      hub,
      setup.installationId,
      slackMessage({ eventId: 'Ev0PLINK01', user: 'U0LINKME1', text: '/link' }),
    );
    await eventually(async () => ((await reasons('Ev0PLINK01')).length > 0 ? true : undefined));
    expect(await reasons('Ev0PLINK01')).toEqual(['link_requested']);
    expect(
      await hub.runtime.database.prisma.identity.count({ where: { identifier: { contains: 'U0LINKME1' } } }),
    ).toBe(0);
  });

  it('retries when the directory is down and delivers once it answers, never as someone else', async () => {
    slack.users.set('U0RETRY01', { id: 'U0RETRY01', team_id: TEAM, profile: { email: 'retry@acme.test' } });
    slack.failNext('users.info', { status: 503 });
    await postToHook(
      hub,
      setup.installationId,
      slackMessage({ eventId: 'Ev0PRETRY1', user: 'U0RETRY01', text: 'patience' }),
    );
    const delivery = await eventually(() => agent.deliveries.find((d) => d.body.message.text === 'patience'));
    // The agent sees the message before the hub commits its "delivered" audit row.
    await eventually(async () => ((await reasons('Ev0PRETRY1')).includes('delivered') ? true : undefined));
    expect(await reasons('Ev0PRETRY1')).toEqual(['delivered', 'provision_failed', 'provisioned']);
    const identity = await hub.runtime.database.prisma.identity.findFirst({
      where: { identifier: `${TEAM}:U0RETRY01` },
    });
    expect(delivery.body.user.id).toBe(identity?.userId);
  });

  it("drops a removed member's next message as non_workspace_member", async () => {
    const binding = await hub.runtime.stores.bindings.find(setup.installationId, 'U0RETRY01');
    if (!binding) throw new Error('expected the provisioned binding');
    const removed = await hub.request('DELETE', `/api/v1/workspaces/provision/members/${binding.userId}`, {
      token: setup.token,
    });
    expect(removed.status).toBeLessThan(300);
    await postToHook(
      hub,
      setup.installationId,
      slackMessage({ eventId: 'Ev0PGONE01', user: 'U0RETRY01', text: 'gone?' }),
    );
    await eventually(async () => ((await reasons('Ev0PGONE01')).length > 0 ? true : undefined));
    // The binding was pruned with the membership; the existing identity is not re-activated as a member.
    expect(await reasons('Ev0PGONE01')).not.toContain('delivered');
  });
});

describe.each(testDatabaseKinds())('auto-provisioning without an admin [%s]', (kind) => {
  let hub: HubFixture;
  let slack: FakeSlack;
  let agent: FakeAgent;

  beforeAll(async () => {
    hub = await startHubFixture(kind);
    // The bot the installation names: config changes are checked against auth.test.
    slack = await startFakeSlack({ teamId: TEAM, botUserId: BOT });
    agent = await startFakeAgent();
  });
  afterAll(async () => {
    await hub?.close();
    await slack?.close();
    await agent?.close();
  });

  it('refuses to provision into a workspace nobody administers, and audits it', async () => {
    const setup = await installSlack(hub, slack, agent, 'orphaned');
    await hub.request('PATCH', `/api/v1/workspaces/orphaned/installations/${setup.installationId}`, {
      token: setup.token,
      body: { config: { auto_provision: true } },
    });
    // The only owner leaves (behind the API, which would refuse to remove the last admin).
    await hub.runtime.database.prisma.workspaceMember.updateMany({
      where: { workspaceId: setup.workspaceId },
      data: { role: 'member' },
    });
    slack.users.set('U0ORPHAN1', { id: 'U0ORPHAN1', team_id: TEAM, profile: { email: 'orphan@acme.test' } });
    await postToHook(hub, setup.installationId, slackMessage({ eventId: 'Ev0ORPHAN1', user: 'U0ORPHAN1' }));
    const entry = await eventually(async () => {
      const rows = await hub.runtime.database.prisma.channelInboundAudit.findMany({
        where: { platformEventId: 'Ev0ORPHAN1' },
      });
      return rows[0];
    });
    expect(entry.reason).toBe('provision_refused_no_admin');
    expect(await hub.runtime.database.prisma.identity.count({ where: { namespace: 'slack' } })).toBe(0);
  });
});
