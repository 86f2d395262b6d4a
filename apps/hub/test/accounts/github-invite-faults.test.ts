import { noopLogger } from '@switchboard/core';
import { testDatabaseKinds } from '@switchboard/db/testing';
import { type FakeGithub, githubErrors, startFakeGithub } from '@switchboard/testkit/fakes/github';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccountProvisioningService } from '../../src/provisioning/account-service.js';
import { ProvisionerHost } from '../../src/provisioning/provisioner-host.js';
import { AccountReconciler } from '../../src/provisioning/reconcile-job.js';
import { type HubFixture, startHubFixture } from '../support/hub-fixture.js';
import { eventually } from '../support/slack-scenario.js';
import { githubTestRegistry } from './github-plugin.js';

const TOKEN = 'github_pat_faults_admin_1';
const READ_TOKEN = 'github_pat_faults_read_1';
const WEBHOOK_SECRET = 'faults-webhook-secret';
// The batch of 50 runs on PostgreSQL; PGlite (one connection, the same code paths) runs it at
// less than half the size, so the suite's two runs do not spend a minute repeating each other.
const BATCHES = { postgres: { size: 50, first: 20 }, pglite: { size: 20, first: 8 } } as const;
const LARGEST = BATCHES.postgres.size;
const DAY_MS = 24 * 60 * 60 * 1000;

const batchUsers = (prefix: string, firstId: number) =>
  Array.from({ length: LARGEST }, (_, i) => ({ login: `${prefix}-${i}`, id: firstId + i }));

/**
 * GitHub faults through the hub's admin API against the fake GitHub: a batch of 50 grants that
 * runs into a rate limit part way (the primary limit with a reset seconds away, and the daily
 * invitation quota), a webhook that never arrives, and a token without the members permission.
 */
describe.each(testDatabaseKinds())('GitHub invitations under faults, through the hub [%s]', (kind) => {
  const BATCH = BATCHES[kind].size;
  const FIRST = BATCHES[kind].first;
  let hub: HubFixture;
  let github: FakeGithub;
  let token: string;
  let workspaceId: string;
  let installationId: string;
  let users = 0;

  beforeAll(async () => {
    github = await startFakeGithub({
      org: { login: 'acme', plan: 'team' },
      tokens: { [TOKEN]: 'admin', [READ_TOKEN]: 'read' },
      users: [
        { login: 'alice', id: 101 },
        { login: 'bob', id: 102 },
        { login: 'carol', id: 103 },
        { login: 'dave', id: 104 },
        ...batchUsers('limit', 2000),
        ...batchUsers('quota', 3000),
      ],
      teams: ['backend', 'infra'],
    });
    hub = await startHubFixture(kind, { registry: githubTestRegistry() });
    ({ token, workspaceId } = await hub.seedWorkspace('gh-faults'));
    installationId = await connect(TOKEN);
    github.hook = { url: `${hub.url}/hooks/accounts/${installationId}`, secret: WEBHOOK_SECRET, id: 4343 };
  });
  afterAll(async () => {
    await hub?.close();
    await github?.close();
  });

  async function connect(orgToken: string): Promise<string> {
    const created = await hub.request('POST', '/api/v1/workspaces/gh-faults/installations', {
      token,
      body: {
        channelType: 'github-invite',
        config: { org: 'acme', token: orgToken, webhook_secret: WEBHOOK_SECRET, api_base_url: github.url },
      },
    });
    expect(created.status, created.text).toBe(201);
    return created.body.id;
  }
  async function member(): Promise<string> {
    const user = await hub.runtime.stores.users.create({ username: `gh-faults-${++users}` });
    await hub.runtime.stores.members.upsert(workspaceId, user.id, 'member');
    return user.id;
  }
  const grant = (userId: string, body: Record<string, unknown>, installation = installationId) =>
    hub.request('POST', `/api/v1/workspaces/gh-faults/members/${userId}/accounts`, {
      token,
      body: { installationId: installation, ...body },
    });
  const accountsOf = async (userId: string) =>
    (await hub.request('GET', `/api/v1/workspaces/gh-faults/members/${userId}/accounts`, { token })).body
      .accounts;
  const invitationsTo = (prefix: string) => github.invitations.filter((i) => i.login?.startsWith(prefix));
  /** The scheduled reconcile job as a replica runs it: its own host and service, same database. */
  function reconciler(options: { now?: () => Date; intervalMs?: number } = {}) {
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
      ...(options.now ? { now: options.now } : {}),
    });
    return new AccountReconciler({
      db: hub.runtime.database.prisma,
      stores: hub.runtime.stores,
      accounts,
      ownerId: `faults-replica-${Math.random()}`,
      logger: noopLogger,
      ...(options.intervalMs ? { intervalMs: options.intervalMs } : {}),
    });
  }
  /** Every member of the batch has exactly one row, invited, and GitHub one invitation each. */
  async function expectEachInvitedOnce(userIds: string[], prefix: string) {
    for (const userId of userIds) {
      const rows = await accountsOf(userId);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ state: 'invited', lastError: null });
    }
    const sent = invitationsTo(prefix);
    expect(sent).toHaveLength(BATCH);
    expect(new Set(sent.map((i) => i.login)).size).toBe(BATCH);
  }

  it('a primary rate limit in the middle of a batch of grants (50 on PostgreSQL): the rest wait for its reset, and the reconcile job sends each once', {
    timeout: 180_000,
  }, async () => {
    const userIds: string[] = [];
    for (let i = 0; i < BATCH; i++) userIds.push(await member());
    const first = [];
    for (let i = 0; i < FIRST; i++) first.push(await grant(userIds[i] as string, { login: `limit-${i}` }));
    expect(first.map((a) => a.body.state)).toEqual(Array(FIRST).fill('invited'));

    // GitHub answers 403 with x-ratelimit-remaining: 0 and a reset a few seconds away; the rest
    // of the batch arrives at once.
    github.exhaustRateLimit(3);
    const rest = await Promise.all(
      userIds.slice(FIRST).map((userId, i) => grant(userId, { login: `limit-${FIRST + i}` })),
    );
    expect(rest.map((a) => a.status)).toEqual(Array(BATCH - FIRST).fill(201));
    const limited = rest.filter((a) => a.body.state === 'pending');
    expect(limited.length).toBeGreaterThan(0);
    for (const answer of limited) {
      expect(answer.body).toMatchObject({
        detail: { errorCode: 'rate_limited', retryAt: expect.any(String) },
        lastError: expect.stringContaining('API rate limit exceeded'),
      });
      expect(answer.body.nextStep).toMatch(/^rate limited by the platform; tried again automatically after /);
    }
    // Every other one went through (its call came after the reset).
    expect(rest.every((a) => a.body.state === 'pending' || a.body.state === 'invited')).toBe(true);
    // Nothing is lost meanwhile: the waiting rows are listed for a person to see.
    const pending = await hub.request('GET', '/api/v1/workspaces/gh-faults/accounts?state=pending', {
      token,
    });
    expect(new Set(pending.body.accounts.map((a: { id: string }) => a.id))).toEqual(
      new Set(limited.map((a) => a.body.id)),
    );

    // The scheduled job, on a short interval, tries each limited row once its reset has passed.
    const job = reconciler({ intervalMs: 250 });
    job.start();
    try {
      await eventually(async () => {
        const rows = await hub.request('GET', '/api/v1/workspaces/gh-faults/accounts?state=pending', {
          token,
        });
        return rows.body.accounts.length === 0 ? true : undefined;
      }, 60_000);
    } finally {
      await job.stop();
    }
    await expectEachInvitedOnce(userIds, 'limit-');
  });

  it('422 "over invitation rate limit" part way through a batch of grants (50 on PostgreSQL): the rest wait a day, and a later pass sends each once', {
    timeout: 180_000,
  }, async () => {
    const userIds: string[] = [];
    for (let i = 0; i < BATCH; i++) userIds.push(await member());
    github.setInvitationQuota(FIRST);
    const answers = [];
    for (const [i, userId] of userIds.entries()) answers.push(await grant(userId, { login: `quota-${i}` }));
    expect(answers.slice(0, FIRST).map((a) => a.body.state)).toEqual(Array(FIRST).fill('invited'));
    for (const answer of answers.slice(FIRST)) {
      expect(answer.body).toMatchObject({
        state: 'pending',
        detail: { errorCode: 'rate_limited' },
        lastError: expect.stringContaining('Over invitation rate limit'),
      });
      // GitHub names no reset for the daily quota: the row waits a day.
      const wait = Date.parse(answer.body.detail.retryAt) - Date.parse(answer.body.updatedAt);
      expect(wait).toBeGreaterThanOrEqual(DAY_MS - 60_000);
    }
    expect(invitationsTo('quota-')).toHaveLength(FIRST);

    // A pass before the day is over asks GitHub for none of them.
    const posts = () =>
      github.calls.filter((c) => c.method === 'POST' && c.path === '/orgs/acme/invitations');
    const before = posts().length;
    await reconciler().runOnce();
    expect(posts().length).toBe(before);
    expect((await accountsOf(userIds[BATCH - 1] as string))[0].state).toBe('pending');

    // A day later the quota is back, and the pass then sends the rest.
    github.setInvitationQuota(undefined);
    const tomorrow = new Date(Date.now() + DAY_MS + 60 * 60 * 1000);
    await reconciler({ now: () => tomorrow }).runOnce();
    expect(posts().length - before).toBe(BATCH - FIRST);
    await expectEachInvitedOnce(userIds, 'quota-');
  });

  it('a member_added webhook that never arrives: reconcile finds the member, grants both teams and links the identities', async () => {
    const userId = await member();
    const asked = await grant(userId, { login: 'alice', teams: ['backend', 'infra'] });
    expect(asked.body.state).toBe('invited');
    const hook = github.hook;
    github.hook = undefined;
    try {
      expect(await github.accept(Number(asked.body.externalId))).toBeUndefined();
    } finally {
      github.hook = hook;
    }
    expect((await accountsOf(userId))[0]).toMatchObject({ state: 'invited' });

    await reconciler().runOnce();
    const [row] = await accountsOf(userId);
    expect(row).toMatchObject({ state: 'active', externalId: '101', lastError: null });
    expect(row.grantsAppliedAt).toEqual(expect.any(String));
    expect(row.nextStep).toBe('alice is active with teams backend, infra granted; nothing to do');
    expect(github.teamMembers.get('backend')?.has('alice')).toBe(true);
    expect(github.teamMembers.get('infra')?.has('alice')).toBe(true);
    for (const [namespace, identifier] of [
      ['github_login', 'alice'],
      ['github_id', '101'],
    ] as const) {
      await expect(hub.runtime.stores.identities.find(namespace, identifier)).resolves.toMatchObject({
        userId,
        source: 'provisioned',
      });
    }
  });

  it('a failed read of the invitation lists does not hold back a pending row whose retry time has come', async () => {
    const invitedId = await member();
    expect((await grant(invitedId, { login: 'dave' })).body.state).toBe('invited');
    const userId = await member();
    github.failNext(
      { method: 'POST', path: /^\/orgs\/acme\/invitations$/ },
      githubErrors.secondaryRateLimit(60),
    );
    const asked = await grant(userId, { login: 'carol' });
    expect(asked.body).toMatchObject({ state: 'pending', detail: { errorCode: 'rate_limited' } });

    // The pass's read of the invited rows fails (502, and 502 again on the client's retry); the
    // pending row is due and is sent all the same.
    github.failNext({ method: 'GET', path: /^\/orgs\/acme\/invitations$/ }, githubErrors.serverError(502), 2);
    const later = new Date(Date.now() + 60 * 60 * 1000);
    await reconciler({ now: () => later }).runOnce();
    expect((await accountsOf(userId))[0]).toMatchObject({
      id: asked.body.id,
      state: 'invited',
      lastError: null,
    });
    expect(github.invitations.filter((i) => i.login === 'carol')).toHaveLength(1);
  });

  it('a token without the members permission: the grant fails with GitHub words and a next step, and the status says so', async () => {
    const readOnly = await connect(READ_TOKEN);
    const userId = await member();
    const asked = await grant(userId, { login: 'bob', teams: ['backend'] }, readOnly);
    expect(asked.status, asked.text).toBe(201);
    expect(asked.body).toMatchObject({ state: 'failed', detail: { errorCode: 'forbidden' } });
    expect(asked.body.lastError).toContain('Resource not accessible by personal access token');
    expect(asked.body.nextStep).toMatch(
      /^the installation's credentials were refused \(.*\); fix the token and retry$/,
    );
    expect(github.invitations.some((i) => i.login === 'bob')).toBe(false);
    const status = await hub.request(
      'GET',
      `/api/v1/workspaces/gh-faults/account-installations/${readOnly}/status`,
      { token },
    );
    expect(status.body).toMatchObject({
      ok: false,
      detail: { org: 'acme', plan: 'team', invitationsAvailable: false },
      message: expect.stringContaining('Resource not accessible by personal access token'),
    });
  });
});
