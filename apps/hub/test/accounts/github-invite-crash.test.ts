// A `switchboard start` process answers GitHub's member_added and is killed (SIGKILL) while the
// work behind that answer still waits on GitHub; a second process finishes it. Killing a process
// that holds the database needs a server that outlives it: PostgreSQL only.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyMigrations, createStores, generateSecretKey, openDatabase, SecretBox } from '@switchboard/db';
import { createPostgresDatabase, postgresTestUrl } from '@switchboard/db/testing';
import { type FakeGithub, startFakeGithub } from '@switchboard/testkit/fakes/github';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type HubProcess, killHard, startHubProcess } from '../support/hub-process.js';

const TOKEN = 'github_pat_crash_admin_1';
const WEBHOOK_SECRET = 'crash-webhook-secret';

describe.runIf(postgresTestUrl())('GitHub webhook work left by a killed hub process [postgres]', () => {
  let database: Awaited<ReturnType<typeof createPostgresDatabase>>;
  let db: Awaited<ReturnType<typeof openDatabase>>;
  let stores: ReturnType<typeof createStores>;
  let github: FakeGithub;
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  let token: string;
  let workspaceId: string;
  let userId: string;
  let installationId: string;
  const hubs: HubProcess[] = [];

  beforeAll(async () => {
    database = await createPostgresDatabase('sb_gh_crash');
    db = await openDatabase({ url: database.url, poolSize: 2 });
    await applyMigrations({ adapterFactory: db.adapterFactory });
    const secretKey = generateSecretKey();
    stores = createStores(db.prisma, SecretBox.fromSpec(secretKey));
    github = await startFakeGithub({
      org: { login: 'acme', plan: 'team' },
      tokens: { [TOKEN]: 'admin' },
      users: [{ login: 'carol', id: 103, email: 'carol@example.com' }],
      teams: ['backend', 'infra'],
    });
    const workspace = await stores.workspaces.create({ slug: 'gh-crash' });
    workspaceId = workspace.id;
    const admin = await stores.users.create({ username: 'gh-crash-owner' });
    await stores.members.upsert(workspaceId, admin.id, 'owner');
    token = (await stores.apiTokens.issue({ userId: admin.id, workspaceId })).token;
    const person = await stores.users.create({ username: 'gh-crash-carol' });
    await stores.members.upsert(workspaceId, person.id, 'member');
    userId = person.id;
    dataDir = await mkdtemp(join(tmpdir(), 'sb-gh-crash-'));
    env = {
      ...process.env,
      DATABASE_URL: database.url,
      SWITCHBOARD_SECRET_KEY: secretKey,
      SWITCHBOARD_DATA_DIR: dataDir,
      SWITCHBOARD_PLUGINS: '@switchboard/github-invite',
      SWITCHBOARD_CONNECTIONS_DISABLED: 'true',
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'json',
    };
  });
  afterAll(async () => {
    for (const hub of hubs) await killHard(hub);
    await github?.close();
    await db?.close();
    await database?.drop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  async function call(hub: HubProcess, method: string, path: string, body?: unknown) {
    const response = await fetch(`${hub.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  }
  const claims = () =>
    db.prisma.$queryRaw<Array<{ pending_events: unknown; finished_at: Date | null }>>`
      SELECT pending_events, finished_at FROM webhook_delivery_claim
      WHERE installation_id = ${installationId}::uuid`;

  it('a second process finishes the acceptance: the member active, both teams granted, GitHub identities linked', {
    timeout: 240_000,
  }, async () => {
    // The first process runs no reconcile pass in this test (the default interval is minutes).
    const first = await startHubProcess([], env);
    hubs.push(first);
    const created = await call(first, 'POST', '/api/v1/workspaces/gh-crash/installations', {
      channelType: 'github-invite',
      config: { org: 'acme', token: TOKEN, webhook_secret: WEBHOOK_SECRET, api_base_url: github.url },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    installationId = created.body.id;
    github.hook = { url: `${first.url}/hooks/accounts/${installationId}`, secret: WEBHOOK_SECRET, id: 77 };

    // An email invitation: member_added names only the login, so matching it asks GitHub.
    const asked = await call(first, 'POST', `/api/v1/workspaces/gh-crash/members/${userId}/accounts`, {
      installationId,
      email: 'carol@example.com',
      teams: ['backend', 'infra'],
    });
    expect(asked.status, JSON.stringify(asked.body)).toBe(201);
    expect(asked.body).toMatchObject({ state: 'invited' });

    // GitHub holds the answer the correlation needs until the process is dead.
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    github.failNext({ method: 'GET', path: /^\/orgs\/acme\/invitations$/ }, { until: held });
    const callsBefore = github.calls.length;
    try {
      const delivery = await github.accept(Number(asked.body.externalId), 'carol');
      expect(delivery?.status, delivery?.body).toBe(200);
      // The hub asked GitHub and is waiting for the answer: the answered work is on the claim.
      await vi.waitFor(
        () => {
          const asking = github.calls
            .slice(callsBefore)
            .some((c) => c.method === 'GET' && c.path === '/orgs/acme/invitations');
          if (!asking) throw new Error('the hub has not asked GitHub yet');
        },
        { timeout: 30_000, interval: 20 },
      );
      const [claim] = await claims();
      expect(claim).toMatchObject({ finished_at: null });
      expect(claim?.pending_events).toEqual([
        expect.objectContaining({ kind: 'joined', account: expect.objectContaining({ login: 'carol' }) }),
      ]);
      await killHard(first);
    } finally {
      release();
    }
    expect((await stores.accounts.list(workspaceId, userId))[0]).toMatchObject({ state: 'invited' });
    expect(github.teamMembers.size).toBe(0);

    // The second process takes over what the dead one left, on its first passes.
    const second = await startHubProcess([], {
      ...env,
      SWITCHBOARD_ACCOUNT_RECONCILE_INTERVAL_MS: '200',
      SWITCHBOARD_ACCOUNT_DELIVERY_STALE_MS: '1000',
    });
    hubs.push(second);
    const row = await vi.waitFor(
      async () => {
        const [current] = await stores.accounts.list(workspaceId, userId);
        if (current?.state !== 'active' || !current.grantsAppliedAt) throw new Error('not active yet');
        return current;
      },
      { timeout: 60_000, interval: 100 },
    );
    expect(row).toMatchObject({ externalId: '103', lastError: null, detail: { login: 'carol' } });
    expect(github.members.has('carol')).toBe(true);
    expect(github.teamMembers.get('backend')).toEqual(new Set(['carol']));
    expect(github.teamMembers.get('infra')).toEqual(new Set(['carol']));
    for (const [namespace, identifier] of [
      ['github_login', 'carol'],
      ['github_id', '103'],
    ] as const) {
      await expect(stores.identities.find(namespace, identifier)).resolves.toMatchObject({
        userId,
        source: 'provisioned',
      });
    }
    // The delivery is finished once its outcome is recorded, a moment after the work it applied:
    // then its work is off the claim and recorded once.
    const claim = await vi.waitFor(
      async () => {
        const [current] = await claims();
        if (!current?.finished_at) throw new Error('delivery not finished yet');
        return current;
      },
      { timeout: 20_000, interval: 50 },
    );
    expect(claim).toMatchObject({ pending_events: null, finished_at: expect.any(Date) });
    const { entries } = await stores.audit.list({ workspaceId, reason: 'account_delivery', limit: 10 });
    expect(entries).toHaveLength(1);
    expect(entries[0]?.detail).toMatchObject({ events: [{ kind: 'joined', outcome: 'applied' }] });
    const listed = await call(second, 'GET', `/api/v1/workspaces/gh-crash/members/${userId}/accounts`);
    expect(listed.body.accounts[0].nextStep).toBe(
      'carol is active with teams backend, infra granted; nothing to do',
    );
  });
});
