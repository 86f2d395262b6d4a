import { noopLogger } from '@switchboard/core';
import { testDatabaseKinds } from '@switchboard/db/testing';
import { type FakeGithub, startFakeGithub } from '@switchboard/testkit/fakes/github';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccountProvisioningService } from '../../src/provisioning/account-service.js';
import { ProvisionerHost } from '../../src/provisioning/provisioner-host.js';
import { AccountReconciler } from '../../src/provisioning/reconcile-job.js';
import { type HubFixture, startHubFixture } from '../support/hub-fixture.js';
import { githubTestRegistry } from './github-plugin.js';

const TOKEN = 'github_pat_done_when_1';
const WEBHOOK_SECRET = 'done-when-webhook-secret';

/**
 * The "done when", as one story a new user goes through over the admin API and the fake
 * GitHub: connect an org; grant a member access with two teams; see the pending invitation;
 * accept it on GitHub (a signed webhook arrives); the member is active with both teams granted
 * and the GitHub identities on the member. An expired invitation is found by reconcile and re-sent.
 */
describe.each(testDatabaseKinds())('GitHub org invitations, done when [%s]', (kind) => {
  let hub: HubFixture;
  let github: FakeGithub;

  beforeAll(async () => {
    github = await startFakeGithub({
      org: { login: 'acme', plan: 'team' },
      tokens: { [TOKEN]: 'admin' },
      users: [
        { login: 'alice', id: 101 },
        { login: 'bob', id: 102, email: 'bob@example.com' },
      ],
      teams: ['backend', 'infra'],
    });
    hub = await startHubFixture(kind, { registry: githubTestRegistry() });
  });
  afterAll(async () => {
    await hub?.close();
    await github?.close();
  });

  it('connect, grant with two teams, pending, accepted on GitHub, active with teams and identities; expiry re-sent', async () => {
    const { token, workspaceId } = await hub.seedWorkspace('done-when');
    const api = (method: string, path: string, body?: unknown) =>
      hub.request(method, `/api/v1/workspaces/done-when${path}`, {
        token,
        ...(body === undefined ? {} : { body }),
      });
    const member = async (username: string) => {
      const user = await hub.runtime.stores.users.create({ username });
      await hub.runtime.stores.members.upsert(workspaceId, user.id, 'member');
      return user.id;
    };

    // Connect an org.
    const connected = await api('POST', '/installations', {
      channelType: 'github-invite',
      config: { org: 'acme', token: TOKEN, webhook_secret: WEBHOOK_SECRET, api_base_url: github.url },
    });
    expect(connected.status, connected.text).toBe(201);
    expect(connected.text).not.toContain(TOKEN);
    const installationId: string = connected.body.id;
    github.hook = { url: `${hub.url}/hooks/accounts/${installationId}`, secret: WEBHOOK_SECRET, id: 9001 };
    const status = await api('GET', `/account-installations/${installationId}/status`);
    expect(status.body).toMatchObject({ ok: true, detail: { plan: 'team', invitationsAvailable: true } });

    // Grant a member access with two teams.
    const aliceId = await member('done-when-alice');
    const granted = await api('POST', `/members/${aliceId}/accounts`, {
      installationId,
      login: 'alice',
      teams: ['backend', 'infra'],
    });
    expect(granted.status, granted.text).toBe(201);
    expect(granted.body).toMatchObject({ state: 'invited', grantsAppliedAt: null });
    expect(github.invitations.map((i) => i.login)).toEqual(['alice']);

    // See the pending invitation, with the next step in words.
    const pending = await api('GET', '/accounts?state=invited');
    expect(pending.status).toBe(200);
    expect(pending.body.accounts).toEqual([
      expect.objectContaining({ id: granted.body.id, state: 'invited' }),
    ]);
    expect(pending.body.accounts[0].nextStep).toMatch(
      /^waiting for alice to accept the invitation sent \d{4}-\d\d-\d\d \(expires \d{4}-\d\d-\d\d\); teams backend, infra will be granted then$/,
    );
    expect(github.teamMembers.size).toBe(0);

    // Accept it on GitHub: GitHub sends a signed member_added to the hub.
    const delivery = await github.accept(Number(granted.body.externalId));
    expect(delivery?.status, delivery?.body).toBe(200);
    const [alice] = (await api('GET', `/members/${aliceId}/accounts`)).body.accounts;
    expect(alice).toMatchObject({ state: 'active', externalId: '101', lastError: null });
    expect(alice.grantsAppliedAt).toEqual(expect.any(String));
    expect(alice.nextStep).toBe('alice is active with teams backend, infra granted; nothing to do');
    expect(github.teamMembers.get('backend')).toEqual(new Set(['alice']));
    expect(github.teamMembers.get('infra')).toEqual(new Set(['alice']));
    for (const [namespace, identifier] of [
      ['github_login', 'alice'],
      ['github_id', '101'],
    ] as const) {
      await expect(hub.runtime.stores.identities.find(namespace, identifier)).resolves.toMatchObject({
        userId: aliceId,
        source: 'provisioned',
      });
    }

    // An invitation that expires (GitHub sends no event) is found by reconcile and sent again.
    const bobId = await member('done-when-bob');
    const bob = await api('POST', `/members/${bobId}/accounts`, {
      installationId,
      email: 'bob@example.com',
      teams: ['infra'],
    });
    expect(bob.body.state).toBe('invited');
    github.expire(Number(bob.body.externalId));
    const host = new ProvisionerHost({
      installations: hub.runtime.stores.installations,
      registry: hub.runtime.registry,
      logger: noopLogger,
    });
    const reconciler = new AccountReconciler({
      db: hub.runtime.database.prisma,
      stores: hub.runtime.stores,
      accounts: new AccountProvisioningService({
        stores: hub.runtime.stores,
        host,
        namespaces: hub.runtime.namespaces,
        logger: noopLogger,
      }),
      ownerId: 'done-when-reconciler',
      logger: noopLogger,
    });
    expect(await reconciler.runOnce()).toMatchObject({ installations: 1 });
    const rows = (await api('GET', `/members/${bobId}/accounts`)).body.accounts;
    expect(rows).toMatchObject([
      { id: bob.body.id, state: 'expired' },
      { state: 'invited', grants: [{ kind: 'team', target: 'infra' }] },
    ]);
    const resent = github.invitations.filter((i) => i.email === 'bob@example.com');
    expect(resent).toHaveLength(1);
    expect(String(resent[0]?.id)).toBe(rows[1].externalId);
    expect(rows[1].nextStep).toMatch(/^waiting for bob@example.com to accept the invitation sent /);
  });
});
