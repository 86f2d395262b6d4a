import { noopLogger } from '@switchboard/core';
import { testDatabaseKinds } from '@switchboard/db/testing';
import {
  examplePayload,
  type FakeGithub,
  githubErrors,
  startFakeGithub,
} from '@switchboard/testkit/fakes/github';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHub } from '../../src/app.js';
import { createLogger } from '../../src/logging/logger.js';
import { AccountProvisioningService } from '../../src/provisioning/account-service.js';
import { ProvisionerHost } from '../../src/provisioning/provisioner-host.js';
import { AccountReconciler } from '../../src/provisioning/reconcile-job.js';
import { type HubFixture, LOCAL_EGRESS, startHubFixture } from '../support/hub-fixture.js';
import { eventually } from '../support/slack-scenario.js';
import { githubTestRegistry } from './github-plugin.js';

const TOKEN = 'github_pat_org_admin_1';
const WEBHOOK_SECRET = 'org-webhook-secret';
const PEOPLE = [
  { login: 'alice', id: 101, email: 'alice@example.com' },
  { login: 'bob', id: 102, email: 'bob@example.com' },
  { login: 'carol', id: 103, email: 'carol@example.com' },
  { login: 'mallory', id: 666 },
  { login: 'gina', id: 107 },
  { login: 'hank', id: 108 },
  { login: 'quinn', id: 120 },
];

/**
 * GitHub org invitations through the hub, against the fake GitHub: connect an org, grant a member
 * access with two teams, see the pending invitation, accept it on GitHub (a signed webhook), and
 * find the member active with both teams and their GitHub identities; an expiry found by reconcile.
 */
describe.each(testDatabaseKinds())('GitHub org invitations through the hub [%s]', (kind) => {
  let hub: HubFixture;
  let github: FakeGithub;
  let token: string;
  let workspaceId: string;
  let installationId: string;
  let users = 0;

  beforeAll(async () => {
    github = await startFakeGithub({
      org: { login: 'acme', plan: 'team' },
      tokens: { [TOKEN]: 'admin' },
      users: [...PEOPLE, ...Array.from({ length: 50 }, (_, i) => ({ login: `batch-${i}`, id: 2000 + i }))],
      teams: ['backend', 'infra'],
    });
    hub = await startHubFixture(kind, { registry: githubTestRegistry() });
    ({ token, workspaceId } = await hub.seedWorkspace('gh-ws'));
    const created = await hub.request('POST', '/api/v1/workspaces/gh-ws/installations', {
      token,
      body: {
        channelType: 'github-invite',
        config: { org: 'acme', token: TOKEN, webhook_secret: WEBHOOK_SECRET, api_base_url: github.url },
      },
    });
    expect(created.status, created.text).toBe(201);
    expect(created.body).toMatchObject({ agentId: null, secretsSet: ['token', 'webhook_secret'] });
    expect(created.text).not.toContain(TOKEN);
    installationId = created.body.id;
    github.hook = { url: `${hub.url}/hooks/accounts/${installationId}`, secret: WEBHOOK_SECRET, id: 4242 };
  });
  afterAll(async () => {
    await hub?.close();
    await github?.close();
  });

  async function member(): Promise<string> {
    const user = await hub.runtime.stores.users.create({ username: `gh-person-${++users}` });
    await hub.runtime.stores.members.upsert(workspaceId, user.id, 'member');
    return user.id;
  }
  const grant = (userId: string, body: Record<string, unknown>) =>
    hub.request('POST', `/api/v1/workspaces/gh-ws/members/${userId}/accounts`, {
      token,
      body: { installationId, ...body },
    });
  const installationStatus = () =>
    hub.request('GET', `/api/v1/workspaces/gh-ws/account-installations/${installationId}/status`, {
      token,
    });
  const accountsOf = async (userId: string) =>
    (await hub.request('GET', `/api/v1/workspaces/gh-ws/members/${userId}/accounts`, { token })).body
      .accounts;
  /** A second replica's reconcile pass: its own host and service on the same database. */
  function reconciler(now?: () => Date) {
    const host = new ProvisionerHost({
      installations: hub.runtime.stores.installations,
      registry: hub.runtime.registry,
      logger: noopLogger,
    });
    const accounts = new AccountProvisioningService({
      stores: hub.runtime.stores,
      host,
      namespaces: hub.runtime.namespaces,
      logger: noopLogger,
      ...(now ? { now } : {}),
    });
    return new AccountReconciler({
      db: hub.runtime.database.prisma,
      stores: hub.runtime.stores,
      accounts,
      ownerId: `replica-${Math.random()}`,
      logger: noopLogger,
    });
  }

  it('reads the org plan and that invitations are available', async () => {
    const res = await hub.request(
      'GET',
      `/api/v1/workspaces/gh-ws/account-installations/${installationId}/status`,
      { token },
    );
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({
      channelType: 'github-invite',
      ok: true,
      detail: { org: 'acme', plan: 'team', invitationsAvailable: true },
      message: null,
    });
  });

  it('done when: grant with two teams, see it pending, accept on GitHub, active with teams and identities', async () => {
    const userId = await member();
    const asked = await grant(userId, { login: 'alice', teams: ['backend', 'infra'] });
    expect(asked.status, asked.text).toBe(201);
    const invitation = github.invitations.find((i) => i.login === 'alice');
    expect(asked.body).toMatchObject({
      state: 'invited',
      externalId: String(invitation?.id),
      grantsAppliedAt: null,
    });
    expect(asked.body.nextStep).toMatch(
      /^waiting for alice to accept the invitation sent \d{4}-\d\d-\d\d \(expires \d{4}-\d\d-\d\d\); teams backend, infra will be granted then$/,
    );
    expect(github.teamMembers.size).toBe(0);
    // An invitation is never an identity: nothing is linked until GitHub says the person joined.
    await expect(hub.runtime.stores.identities.find('github_login', 'alice')).rejects.toThrow(/not found/i);

    const pending = await hub.request('GET', '/api/v1/workspaces/gh-ws/accounts?state=invited', { token });
    expect(pending.body.accounts.map((a: { id: string }) => a.id)).toContain(asked.body.id);

    const delivery = await github.accept(Number(invitation?.id));
    expect(delivery?.status, delivery?.body).toBe(200);
    const [account] = await accountsOf(userId);
    expect(account).toMatchObject({
      state: 'active',
      externalId: '101',
      lastError: null,
      detail: { login: 'alice' },
    });
    expect(account.grantsAppliedAt).toEqual(expect.any(String));
    expect(account.nextStep).toBe('alice is active with teams backend, infra granted; nothing to do');
    expect(github.teamMembers.get('backend')).toEqual(new Set(['alice']));
    expect(github.teamMembers.get('infra')).toEqual(new Set(['alice']));
    for (const [namespace, identifier] of [
      ['github_login', 'alice'],
      ['github_id', '101'],
    ] as const) {
      const identity = await hub.runtime.stores.identities.find(namespace, identifier);
      expect(identity).toMatchObject({ userId, source: 'provisioned', workspaceId: null });
    }

    // A replay of that delivery is answered as done; the same delivery id from another hook is
    // its own delivery, and finds the row already active.
    if (!delivery) throw new Error('no delivery');
    const replay = await github.redeliver(delivery);
    expect(replay.status).toBe(200);
    expect(JSON.parse(replay.body)).toEqual({ ok: true, duplicate: true });
    // Another replica (no memory of it) finds the delivery in the audit and answers it as done.
    const replica = await buildHub({
      runtime: hub.runtime,
      logger: createLogger({ level: 'silent' }),
      egress: LOCAL_EGRESS,
      workers: false,
      rateLimit: false,
      checkResponses: true,
    });
    try {
      const answer = await replica.app.inject({
        method: 'POST',
        url: `/hooks/accounts/${installationId}`,
        headers: {
          'content-type': 'application/json',
          'x-github-event': delivery.request.event,
          'x-github-delivery': delivery.request.deliveryId,
          'x-github-hook-id': delivery.request.hookId,
          'x-hub-signature-256': delivery.request.signature,
        },
        payload: delivery.request.body,
      });
      expect(answer.statusCode).toBe(200);
      expect(answer.json()).toEqual({ ok: true, duplicate: true });
    } finally {
      await replica.app.close();
    }
    const otherHook = await github.redeliver(delivery, { hookId: '5151' });
    expect(JSON.parse(otherHook.body)).toEqual({ ok: true });
    expect(github.calls.filter((c) => c.method === 'PUT')).toHaveLength(2);

    // An owner takes alice off a team on GitHub: the row says so.
    expect((await github.removeFromTeam('infra', 'alice'))?.status).toBe(200);
    const [afterRemoval] = await accountsOf(userId);
    expect(afterRemoval.detail.removedGrants).toEqual(['team:infra']);
    expect(afterRemoval.nextStep).toBe(
      'alice is active, but team infra was removed on the platform since; grant it there again if that was a mistake',
    );
    // An owner puts alice back on the team on GitHub (membership.added): the row is in sync again.
    const added = examplePayload('membership', 'added');
    added.member = { ...(added.member as Record<string, unknown>), login: 'alice', id: 101 };
    added.team = { ...(added.team as Record<string, unknown>), slug: 'infra', name: 'infra' };
    added.organization = { ...(added.organization as Record<string, unknown>), login: 'acme' };
    expect((await github.deliver('membership', added))?.status).toBe(200);
    const [afterReAdd] = await accountsOf(userId);
    expect(afterReAdd.detail.removedGrants).toEqual([]);
    expect(afterReAdd.nextStep).not.toMatch(/removed on the platform/);
  });

  it('a person already in the org is active at once, with the teams granted now and the identities linked', async () => {
    const userId = await member();
    github.addUser({ login: 'lena', id: 112 });
    github.members.add('lena');
    const asked = await grant(userId, { login: 'lena', teams: ['backend'] });
    expect(asked.status, asked.text).toBe(201);
    expect(asked.body).toMatchObject({
      state: 'active',
      externalId: '112',
      detail: { outcome: 'already_exists', login: 'lena' },
      lastError: null,
    });
    expect(asked.body.grantsAppliedAt).toEqual(expect.any(String));
    expect(github.teamMembers.get('backend')?.has('lena')).toBe(true);
    expect(github.invitations.some((i) => i.login === 'lena')).toBe(false);
    await expect(hub.runtime.stores.identities.find('github_id', '112')).resolves.toMatchObject({ userId });
  });

  it('a team grant refused by a rate limit at acceptance is applied by a later reconcile pass', async () => {
    const userId = await member();
    const asked = await grant(userId, { login: 'gina', teams: ['infra'] });
    expect(asked.body.state).toBe('invited');
    github.failNext(
      { method: 'PUT', path: /^\/orgs\/acme\/teams\/infra\/memberships\/gina$/ },
      githubErrors.secondaryRateLimit(3600),
    );
    expect((await github.accept(Number(asked.body.externalId)))?.status).toBe(200);
    const [active] = await accountsOf(userId);
    expect(active).toMatchObject({ state: 'active', grantsAppliedAt: null });
    expect(active.lastError).toMatch(/^grants: granting team infra: GitHub rate limit/);
    expect(active.nextStep).toMatch(/^gina is active, but teams infra are not granted yet/);
    await reconciler().runOnce();
    const [granted] = await accountsOf(userId);
    expect(granted).toMatchObject({ state: 'active', lastError: null });
    expect(granted.grantsAppliedAt).toEqual(expect.any(String));
    expect(github.teamMembers.get('infra')?.has('gina')).toBe(true);
  });

  it('a team an owner took the person off on GitHub is not granted again, and a new request changes no teams', async () => {
    const userId = await member();
    github.addUser({ login: 'kate', id: 111 });
    const asked = await grant(userId, { login: 'kate', teams: ['backend', 'infra'] });
    expect(asked.body.state).toBe('invited');
    // At acceptance backend is granted and infra is refused for now: the grants stay due.
    github.failNext(
      { method: 'PUT', path: /^\/orgs\/acme\/teams\/infra\/memberships\/kate$/ },
      githubErrors.secondaryRateLimit(3600),
    );
    expect((await github.accept(Number(asked.body.externalId)))?.status).toBe(200);
    expect((await accountsOf(userId))[0]).toMatchObject({ state: 'active', grantsAppliedAt: null });
    expect(github.teamMembers.get('backend')?.has('kate')).toBe(true);

    // An owner takes kate off backend on GitHub before the pass that finishes the grants.
    expect((await github.removeFromTeam('backend', 'kate'))?.status).toBe(200);
    expect((await accountsOf(userId))[0].detail.removedGrants).toEqual(['team:backend']);
    await reconciler().runOnce();
    const [row] = await accountsOf(userId);
    expect(row).toMatchObject({ state: 'active', lastError: null });
    expect(row.grantsAppliedAt).toEqual(expect.any(String));
    expect(github.teamMembers.get('infra')?.has('kate')).toBe(true);
    expect(github.teamMembers.get('backend')?.has('kate')).toBe(false);
    const backendPuts = github.calls.filter(
      (c) => c.method === 'PUT' && c.path === '/orgs/acme/teams/backend/memberships/kate',
    );
    expect(backendPuts).toHaveLength(1);
    expect(row.nextStep).toBe(
      'kate is active, but team backend was removed on the platform since; grant it there again if that was a mistake',
    );

    // Asking again while the account is open answers the open request as it is: teams are not
    // changed through a new request (they are changed on GitHub, and the row follows).
    const again = await grant(userId, { login: 'kate', teams: ['backend'] });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({
      id: asked.body.id,
      grants: [
        { kind: 'team', target: 'backend' },
        { kind: 'team', target: 'infra' },
      ],
      detail: { removedGrants: ['team:backend'] },
    });
    await reconciler().runOnce();
    expect(
      github.calls.filter(
        (c) => c.method === 'PUT' && c.path === '/orgs/acme/teams/backend/memberships/kate',
      ),
    ).toHaveLength(1);
  });

  it('answers the webhook without waiting out a slow team grant, which still completes', async () => {
    const userId = await member();
    github.addUser({ login: 'ivan', id: 109 });
    const asked = await grant(userId, { login: 'ivan', teams: ['backend'] });
    github.failNext(
      { method: 'PUT', path: /^\/orgs\/acme\/teams\/backend\/memberships\/ivan$/ },
      { delayMs: 6_000 },
    );
    expect((await github.accept(Number(asked.body.externalId)))?.status).toBe(200);
    const [answered] = await accountsOf(userId);
    expect(answered).toMatchObject({ state: 'active', grantsAppliedAt: null });
    const [granted] = await eventually(async () => {
      const rows = await accountsOf(userId);
      return rows[0]?.grantsAppliedAt ? rows : undefined;
    });
    expect(granted.lastError).toBeNull();
    expect(github.teamMembers.get('backend')?.has('ivan')).toBe(true);
  }, 20_000);

  it('member_invited for a request whose answer was lost moves it to invited', async () => {
    const userId = await member();
    github.failNext(
      { method: 'POST', path: /^\/orgs\/acme\/invitations$/ },
      githubErrors.serverError(502),
      2,
    );
    const asked = await grant(userId, { login: 'hank' });
    expect(asked.body).toMatchObject({
      state: 'pending',
      externalId: null,
      detail: { errorCode: 'transient' },
    });
    // GitHub did send it after all (the answer was lost): its member_invited event says so.
    const sent = github.addInvitation({ login: 'hank' });
    const payload = examplePayload('organization', 'member_invited');
    payload.organization = { ...(payload.organization as object), login: 'acme' };
    payload.invitation = {
      ...(payload.invitation as object),
      id: sent.id,
      login: 'hank',
      email: null,
      created_at: sent.created_at,
    };
    expect((await github.deliver('organization', payload)).status).toBe(200);
    expect((await accountsOf(userId))[0]).toMatchObject({
      state: 'invited',
      externalId: String(sent.id),
      lastError: null,
    });
    github.invitations.splice(github.invitations.indexOf(sent), 1);
  });

  it('refuses a forged or missing signature', async () => {
    const forged = await github.deliver(
      'organization',
      { action: 'member_added' },
      { signature: `sha256=${'a'.repeat(64)}` },
    );
    expect(forged.status).toBe(401);
    expect(JSON.parse(forged.body).error.code).toBe('bad_signature');
    const missing = await github.deliver('organization', { action: 'member_added' }, { signature: null });
    expect(missing.status).toBe(401);
    expect(JSON.parse(missing.body).error.code).toBe('missing_signature');
  });

  it('audits and ignores member_added for a login nobody invited', async () => {
    github.addInvitation({ login: 'mallory' });
    const invitation = github.invitations.find((i) => i.login === 'mallory');
    const delivery = await github.accept(Number(invitation?.id));
    expect(delivery?.status).toBe(200);
    const audit = await hub.runtime.stores.audit.list({
      workspaceId,
      reason: 'account_event_ignored',
      limit: 10,
    });
    expect(audit.entries).toEqual([
      expect.objectContaining({
        installationId,
        channelUserId: '666',
        detail: expect.objectContaining({ login: 'mallory' }),
      }),
    ]);
    await expect(hub.runtime.stores.identities.find('github_login', 'mallory')).rejects.toThrow();
  });

  it('an email invitation accepted by a login is matched through GitHub, and member_removed revokes', async () => {
    const userId = await member();
    const asked = await grant(userId, { email: 'carol@example.com', teams: ['backend'] });
    expect(asked.body.state).toBe('invited');
    await github.accept(Number(asked.body.externalId), 'carol');
    // The correlation asks GitHub, so it finishes after the webhook's answer.
    await eventually(async () => ((await accountsOf(userId))[0]?.state === 'active' ? true : undefined));
    expect((await accountsOf(userId))[0]).toMatchObject({ state: 'active', externalId: '103' });
    await eventually(() => (github.teamMembers.get('backend')?.has('carol') ? true : undefined));
    const removed = await github.removeMember('carol');
    expect(removed?.status).toBe(200);
    const [row] = await accountsOf(userId);
    expect(row).toMatchObject({ state: 'canceled', lastError: 'revoked: removed from acme' });
    expect(row.nextStep).toBe('carol was removed on the platform; grant access again to invite them again');
  });

  it('the webhook is answered before a slow GitHub answers the correlation, and the member still ends up active', async () => {
    const userId = await member();
    const asked = await grant(userId, { email: 'quinn@example.com', teams: ['infra'] });
    expect(asked.body.state).toBe('invited');
    const order: string[] = [];
    let openGithub!: () => void;
    const githubHeld = new Promise<void>((resolve) => {
      openGithub = resolve;
    });
    // GitHub answers the invitation lists only when the test says so (or after a long while, so
    // that a webhook waiting on them shows up as the wrong order rather than a hang).
    const fallback = setTimeout(() => {
      order.push('github answered');
      openGithub();
    }, 20_000);
    github.failNext(
      { method: 'GET', path: /^\/orgs\/acme\/(failed_)?invitations$/ },
      { until: githubHeld },
      2,
    );
    const delivery = await github.accept(Number(asked.body.externalId), 'quinn');
    order.push('webhook answered');
    expect(delivery?.status, delivery?.body).toBe(200);
    expect((await accountsOf(userId))[0]).toMatchObject({ state: 'invited' });
    clearTimeout(fallback);
    order.push('github answered');
    openGithub();
    await eventually(async () => ((await accountsOf(userId))[0]?.state === 'active' ? true : undefined));
    expect(order).toEqual(['webhook answered', 'github answered']);
    expect((await accountsOf(userId))[0]).toMatchObject({ state: 'active', externalId: '120' });
    await eventually(() => (github.teamMembers.get('infra')?.has('quinn') ? true : undefined));
    await expect(hub.runtime.stores.identities.find('github_login', 'quinn')).resolves.toMatchObject({
      userId,
    });
    // The delivery is finished: a replay of it changes nothing and is answered as one.
    if (!delivery) throw new Error('no delivery');
    const replay = await github.redeliver(delivery);
    expect(JSON.parse(replay.body)).toMatchObject({ ok: true, duplicate: true });
  });

  it('an expired invitation is found by reconcile and sent again', async () => {
    const userId = await member();
    const asked = await grant(userId, { email: 'bob@example.com', teams: ['infra'] });
    expect(asked.body.state).toBe('invited');
    github.expire(Number(asked.body.externalId));
    const pass = await reconciler().runOnce();
    expect(pass.installations).toBe(1);
    const rows = await accountsOf(userId);
    expect(rows).toMatchObject([
      { id: asked.body.id, state: 'expired', lastError: expect.stringMatching(/^Invitation expired at /) },
      { state: 'invited', grants: [{ kind: 'team', target: 'infra' }] },
    ]);
    const resent = github.invitations.filter((i) => i.email === 'bob@example.com');
    expect(resent).toHaveLength(1);
    expect(String(resent[0]?.id)).toBe(rows[1].externalId);
    const warnings = await hub.runtime.stores.audit.list({
      workspaceId,
      reason: 'account_warning',
      limit: 10,
    });
    expect(
      warnings.entries.some((e) => String(e.detail?.warning).includes('Invitation expired; inviting again')),
    ).toBe(true);
  });

  it('with reinvite_expired off, reconcile surfaces an expired invitation instead of sending it again', async () => {
    // The installation PATCH route serves channel installations only: the store sets the policy.
    const setPolicy = async (reinvite: boolean) => {
      const { secrets, ...record } = await hub.runtime.stores.installations.getWithSecrets(installationId);
      await hub.runtime.stores.installations.replaceConfig(workspaceId, installationId, {
        config: { ...record.config, reinvite_expired: reinvite },
        secrets,
      });
    };
    await setPolicy(false);
    try {
      const userId = await member();
      github.addUser({ login: 'judy', id: 110 });
      const asked = await grant(userId, { login: 'judy' });
      github.expire(Number(asked.body.externalId));
      await reconciler().runOnce();
      const rows = await accountsOf(userId);
      expect(rows).toMatchObject([{ state: 'expired' }]);
      expect(rows[0].nextStep).toMatch(
        /^the invitation to judy expired \(Invitation expired at .*\); retry to send a new one$/,
      );
      expect(github.invitations.some((i) => i.login === 'judy')).toBe(false);
      const listed = await hub.request('GET', '/api/v1/workspaces/gh-ws/accounts', { token });
      expect(listed.body.accounts.map((a: { id: string }) => a.id)).toContain(asked.body.id);
    } finally {
      await setPolicy(true);
    }
  });

  it('a pass whose lease another replica holds does nothing', async () => {
    const userId = await member();
    await grant(userId, { login: 'bob' });
    const first = reconciler();
    const { claimLease } = await import('../../src/supervisor/lease.js');
    expect(
      await claimLease(hub.runtime.database.prisma, installationId, 'someone-else', 60_000),
    ).not.toBeNull();
    expect(await first.runOnce()).toMatchObject({ installations: 0, skipped: 1 });
    await hub.runtime.database.prisma
      .$executeRaw`UPDATE channel_installation SET lease_owner = NULL, lease_expires_at = NULL WHERE id = ${installationId}::uuid`;
  });

  it('cancel answers 204, again 204, and withdraws the invitation; retry sends a new one', async () => {
    const userId = await member();
    const asked = await grant(userId, { email: 'dana@example.com' });
    const path = `/api/v1/workspaces/gh-ws/accounts/${asked.body.id}`;
    expect((await hub.request('DELETE', path, { token })).status).toBe(204);
    expect((await hub.request('DELETE', path, { token })).status).toBe(204);
    expect(github.invitations.some((i) => i.email === 'dana@example.com')).toBe(false);
    expect(
      (
        await hub.request(
          'DELETE',
          '/api/v1/workspaces/gh-ws/accounts/00000000-0000-4000-8000-000000000000',
          { token },
        )
      ).status,
    ).toBe(404);
    const retried = await hub.request('POST', `${path}/retry`, { token });
    expect(retried.status, retried.text).toBe(201);
    expect(retried.body).toMatchObject({ state: 'invited' });
    expect(github.invitations.filter((i) => i.email === 'dana@example.com')).toHaveLength(1);
    const again = await hub.request('POST', `/api/v1/workspaces/gh-ws/accounts/${retried.body.id}/retry`, {
      token,
    });
    expect(again.status).toBe(409);
  });

  it('a team the org lacks fails with a next step; the org turning EMU is terminal', async () => {
    const userId = await member();
    const asked = await grant(userId, { login: 'bob', teams: ['ghosts'] });
    expect(asked.body).toMatchObject({
      state: 'failed',
      detail: { errorCode: 'invalid' },
      lastError: 'the org acme has no team "ghosts"',
    });
    expect(asked.body.nextStep).toBe(
      'the request was refused: the org acme has no team "ghosts"; correct it and grant access again',
    );
    github.org = { ...github.org, emu: 'cannot_be_invited' };
    const emuMessage =
      'invitations unavailable: EMU or missing permission: Validation Failed; Enterprise Managed Users cannot be invited to this organization; add them through your identity provider';
    try {
      const emu = await grant(await member(), { email: 'erin@example.com' });
      expect(emu.body).toMatchObject({ state: 'failed', detail: { errorCode: 'terminal' } });
      expect(emu.body.lastError).toBe(emuMessage);
      expect(emu.body.nextStep).toMatch(/no retry will help$/);
      // The installation status says so too, with GitHub's words.
      expect((await installationStatus()).body).toEqual({
        installationId,
        channelType: 'github-invite',
        ok: false,
        detail: expect.objectContaining({ org: 'acme', plan: 'team', invitationsAvailable: false }),
        message: emuMessage,
      });
    } finally {
      github.org = { ...github.org, emu: undefined };
    }
    // The next invitation that goes through clears it.
    expect((await grant(await member(), { email: 'erin@example.com' })).body.state).toBe('invited');
    expect((await installationStatus()).body).toMatchObject({ ok: true, message: null });
  });

  it('the status of an org whose invitation endpoints answer 404 (EMU, or a token without the permission)', async () => {
    github.org = { ...github.org, emu: 'not_found' };
    try {
      const res = await installationStatus();
      expect(res.status, res.text).toBe(200);
      expect(res.body).toEqual({
        installationId,
        channelType: 'github-invite',
        ok: false,
        detail: expect.objectContaining({ org: 'acme', plan: 'team', invitationsAvailable: false }),
        message: 'invitations unavailable: EMU or missing permission: Not Found',
      });
    } finally {
      github.org = { ...github.org, emu: undefined };
    }
    expect((await installationStatus()).body).toMatchObject({ ok: true });
  });

  it('concurrent grants for one member make one row and one invitation', async () => {
    const userId = await member();
    const answers = await Promise.all(
      Array.from({ length: 4 }, () => grant(userId, { email: 'frank@example.com' })),
    );
    expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 201]);
    expect(github.invitations.filter((i) => i.email === 'frank@example.com')).toHaveLength(1);
  });

  // Fifty members and a hundred GitHub calls: slow on a loaded machine, so a longer timeout.
  it('a rate limit in the middle of 50 invitations: nothing lost, all finish on a later pass', {
    timeout: 180_000,
  }, async () => {
    const userIds: string[] = [];
    for (let i = 0; i < 50; i++) userIds.push(await member());
    const first = [];
    for (const [i, userId] of userIds.entries()) {
      if (i === 20) github.exhaustRateLimit(3600);
      first.push(await grant(userId, { login: `batch-${i}` }));
    }
    expect(first.map((a) => a.status)).toEqual(Array(50).fill(201));
    expect(first.slice(0, 20).every((a) => a.body.state === 'invited')).toBe(true);
    const limited = first.slice(20);
    expect(
      limited.every((a) => a.body.state === 'pending' && a.body.detail.errorCode === 'rate_limited'),
    ).toBe(true);
    expect(limited[0]?.body.nextStep).toMatch(
      /^rate limited by the platform; tried again automatically after /,
    );
    github.restoreRateLimit();
    // Too early: nothing is retried before the reset GitHub named.
    await reconciler().runOnce();
    expect((await accountsOf(userIds[30] as string))[0].state).toBe('pending');
    const later = new Date(Date.now() + 3700 * 1000);
    await reconciler(() => later).runOnce();
    for (const userId of userIds) expect((await accountsOf(userId))[0].state).toBe('invited');
    const batch = github.invitations.filter((i) => i.login?.startsWith('batch-'));
    expect(new Set(batch.map((i) => i.login)).size).toBe(50);
    expect(batch).toHaveLength(50);
  });

  it('PATCH of the installation rotates the token and changes teams, with the secrets rule of channels', async () => {
    const path = `/api/v1/workspaces/gh-ws/installations/${installationId}`;
    const status = () =>
      hub.request('GET', `/api/v1/workspaces/gh-ws/account-installations/${installationId}/status`, {
        token,
      });
    const revoked = 'github_pat_revoked_token_1';
    const rotated = await hub.request('PATCH', path, { token, body: { config: { token: revoked } } });
    expect(rotated.status, rotated.text).toBe(200);
    expect(rotated.body.secretsSet).toEqual(['token', 'webhook_secret']);
    expect(rotated.text).not.toContain(revoked);
    // The running provisioner now uses the new token, which GitHub refuses.
    expect((await status()).body).toMatchObject({ ok: false });

    const back = await hub.request('PATCH', path, {
      token,
      body: { config: { token: TOKEN, allowed_teams: ['backend'] } },
    });
    expect(back.status, back.text).toBe(200);
    expect(back.body.config).toMatchObject({ org: 'acme', allowed_teams: ['backend'] });
    expect((await status()).body).toMatchObject({ ok: true });

    // Moving to another host needs every secret in the same request, as for channels.
    const moved = await hub.request('PATCH', path, {
      token,
      body: { config: { api_base_url: 'http://127.0.0.1:1/api/v3' } },
    });
    expect(moved.status, moved.text).toBe(400);
    expect(moved.body.error).toMatchObject({
      code: 'secrets_required',
      details: { changed: ['api_base_url'], missing: ['token', 'webhook_secret'] },
    });
    const unknown = await hub.request('PATCH', path, { token, body: { config: { nonsense: 1 } } });
    expect(unknown.status, unknown.text).toBe(400);
    const after = await hub.request('GET', path, { token });
    expect(after.body.config).toMatchObject({ api_base_url: github.url, allowed_teams: ['backend'] });
  });
});
