// Two hub replicas on one PostgreSQL database, both receiving the same GitHub traffic at the same
// instant (as behind a load balancer that retries on the other replica). PGlite is one process's
// database, so this suite needs PostgreSQL.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { postgresTestUrl } from '@switchboard/db/testing';
import { type FakeGithub, startFakeGithub } from '@switchboard/testkit/fakes/github';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ReplicaHub, startReplicaHubs } from './replica-hubs.js';

const TOKEN = 'github_pat_org_admin_1';
const WEBHOOK_SECRET = 'org-webhook-secret';
const PEOPLE = Array.from({ length: 12 }, (_, i) => ({ login: `person-${i}`, id: 500 + i }));

/** Stands in for the hook's URL: keeps what GitHub sent, so the test can send it to both replicas. */
async function startCapture() {
  const captured: Array<{ headers: IncomingHttpHeaders; body: string }> = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
    });
    req.on('end', () => {
      captured.push({ headers: req.headers, body });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    captured,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe.runIf(postgresTestUrl())('GitHub invitations on two hub replicas [postgres]', () => {
  let hubs: Awaited<ReturnType<typeof startReplicaHubs>>;
  let a: ReplicaHub;
  let b: ReplicaHub;
  let github: FakeGithub;
  let capture: Awaited<ReturnType<typeof startCapture>>;
  let token: string;
  let workspaceId: string;
  let installationId: string;
  let users = 0;

  beforeAll(async () => {
    github = await startFakeGithub({
      org: { login: 'acme', plan: 'team' },
      tokens: { [TOKEN]: 'admin' },
      users: PEOPLE,
      teams: ['backend', 'infra'],
    });
    capture = await startCapture();
    hubs = await startReplicaHubs();
    [a, b] = hubs.replicas;
    const { stores } = a.runtime;
    const ws = await stores.workspaces.create({ slug: 'gh-replicas' });
    const admin = await stores.users.create({ username: 'gh-replicas-owner' });
    await stores.members.upsert(ws.id, admin.id, 'owner');
    token = (await stores.apiTokens.issue({ userId: admin.id, workspaceId: ws.id })).token;
    workspaceId = ws.id;
    const created = await call(a, 'POST', '/api/v1/workspaces/gh-replicas/installations', {
      channelType: 'github-invite',
      config: { org: 'acme', token: TOKEN, webhook_secret: WEBHOOK_SECRET, api_base_url: github.url },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    installationId = (created.body as { id: string }).id;
    github.hook = { url: capture.url, secret: WEBHOOK_SECRET, id: 4242 };
  });
  afterAll(async () => {
    await hubs?.close();
    await github?.close();
    await capture?.close();
  });

  async function call(hub: ReplicaHub, method: string, path: string, body?: unknown) {
    const response = await fetch(`${hub.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined };
  }
  async function member(): Promise<string> {
    const user = await a.runtime.stores.users.create({ username: `gh-replica-person-${++users}` });
    await a.runtime.stores.members.upsert(workspaceId, user.id, 'member');
    return user.id;
  }
  const grant = (hub: ReplicaHub, userId: string, login: string) =>
    call(hub, 'POST', `/api/v1/workspaces/gh-replicas/members/${userId}/accounts`, {
      installationId,
      login,
      teams: ['backend'],
    });
  /** Sends one captured delivery, byte for byte, under the given delivery id. */
  const post = (hub: ReplicaHub, sent: { headers: IncomingHttpHeaders; body: string }, deliveryId: string) =>
    fetch(`${hub.url}/hooks/accounts/${installationId}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-github-event': String(sent.headers['x-github-event']),
        'x-github-delivery': deliveryId,
        'x-github-hook-id': String(sent.headers['x-github-hook-id']),
        'x-hub-signature-256': String(sent.headers['x-hub-signature-256']),
      },
      body: sent.body,
    }).then(async (response) => ({ status: response.status, body: (await response.json()) as unknown }));

  it('a delivery both replicas receive at the same instant is handled by exactly one of them', async () => {
    const userId = await member();
    const asked = await grant(a, userId, 'person-0');
    expect(asked.status, JSON.stringify(asked.body)).toBe(201);
    const invitation = github.invitations.find((i) => i.login === 'person-0');
    await github.accept(Number(invitation?.id));
    const sent = capture.captured.at(-1);
    if (!sent) throw new Error('GitHub sent no webhook');
    // Many deliveries (the signature covers the body only), each raced on both replicas.
    const deliveryIds = Array.from(
      { length: 10 },
      (_, i) => `5a0c9a3e-cc78-11e3-81ab-${String(i).padStart(12, '0')}`,
    );
    const answers = await Promise.all(
      deliveryIds.map((id) => Promise.all([post(a, sent, id), post(b, sent, id)])),
    );
    for (const pair of answers) {
      for (const answer of pair) expect(answer.status).toBe(200);
      const handled = pair.filter((answer) => !(answer.body as { duplicate?: boolean }).duplicate);
      expect(handled).toHaveLength(1);
    }
    const { entries } = await a.runtime.stores.audit.list({
      workspaceId,
      installationId,
      reason: 'account_delivery',
      limit: 100,
    });
    expect(entries).toHaveLength(deliveryIds.length);
    expect(new Set(entries.map((e) => e.platformEventId)).size).toBe(deliveryIds.length);
    const [row] = await a.runtime.stores.accounts.list(workspaceId, userId);
    expect(row).toMatchObject({ state: 'active' });
  });

  it('concurrent grants for one person on both replicas make one row and one invitation', async () => {
    const people = PEOPLE.slice(1, 9);
    const userIds = await Promise.all(people.map(() => member()));
    const invitesBefore = github.calls.filter(
      (c) => c.method === 'POST' && c.path === '/orgs/acme/invitations',
    ).length;
    const answers = await Promise.all(
      people.map((person, i) => {
        const userId = userIds[i] ?? '';
        return Promise.all([grant(a, userId, person.login), grant(b, userId, person.login)]);
      }),
    );
    for (const [i, pair] of answers.entries()) {
      for (const answer of pair) expect(answer.status, JSON.stringify(answer.body)).toBeLessThan(300);
      const [first, second] = pair.map((answer) => answer.body as { id: string; state: string });
      expect(first?.id).toBe(second?.id);
      const rows = await a.runtime.stores.accounts.list(workspaceId, userIds[i] ?? '');
      expect(rows).toHaveLength(1);
      expect(rows[0]?.state).toBe('invited');
      expect(github.invitations.filter((inv) => inv.login === people[i]?.login)).toHaveLength(1);
    }
    const invites = github.calls.filter((c) => c.method === 'POST' && c.path === '/orgs/acme/invitations');
    expect(invites.length - invitesBefore).toBe(people.length);
  });

  /**
   * Runs `calls` at once while GitHub holds its invitation list: the answers come back in order,
   * and the hold lifts once the first one is answered (one caller asks GitHub, the others must not
   * wait on it), or after a long while so that a wrong order fails instead of hanging.
   */
  async function whileGithubHeld<T>(calls: Array<() => Promise<T>>): Promise<T[]> {
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const fallback = setTimeout(() => release(), 20_000);
    github.failNext({ method: 'GET', path: /^\/orgs\/acme\/invitations$/ }, { until: held }, calls.length);
    const order: T[] = [];
    const running = calls.map((call) =>
      call().then((answer) => {
        order.push(answer);
        release();
        return answer;
      }),
    );
    await Promise.all(running);
    clearTimeout(fallback);
    return order;
  }
  const invitationsSent = () =>
    github.calls.filter((c) => c.method === 'POST' && c.path === '/orgs/acme/invitations').length;
  type Answer = { status: number; body: { id: string; state: string } };

  it('two retries of one pending request on both replicas at once send one invitation', async () => {
    const userId = await member();
    github.exhaustRateLimit(3600);
    const asked = await grant(a, userId, 'person-9');
    github.restoreRateLimit();
    const row = asked.body as { id: string; state: string };
    expect(row.state).toBe('pending');
    const before = invitationsSent();
    const retry = (hub: ReplicaHub) => () =>
      call(hub, 'POST', `/api/v1/workspaces/gh-replicas/accounts/${row.id}/retry`) as Promise<Answer>;
    const [first, second] = await whileGithubHeld([retry(a), retry(b)]);
    // The replica that lost the claim answers at once with the row as it is; the other invites.
    expect(first).toMatchObject({ status: 200, body: { id: row.id, state: 'pending' } });
    expect(second).toMatchObject({ status: 200, body: { id: row.id, state: 'invited' } });
    expect(invitationsSent() - before).toBe(1);
    expect(github.invitations.filter((i) => i.login === 'person-9')).toHaveLength(1);
  });

  it('two retries of one failed request on both replicas at once make one request and one invitation', async () => {
    const userId = await member();
    github.org = { ...github.org, emu: 'cannot_be_invited' };
    const asked = await grant(a, userId, 'person-10');
    github.org = { ...github.org, emu: undefined };
    const row = asked.body as { id: string; state: string };
    expect(row.state).toBe('failed');
    const before = invitationsSent();
    const retry = (hub: ReplicaHub) => () =>
      call(hub, 'POST', `/api/v1/workspaces/gh-replicas/accounts/${row.id}/retry`) as Promise<Answer>;
    const [first, second] = await whileGithubHeld([retry(a), retry(b)]);
    expect(first).toMatchObject({ status: 200, body: { state: 'pending' } });
    expect(second).toMatchObject({ status: 201, body: { id: first?.body.id, state: 'invited' } });
    expect(invitationsSent() - before).toBe(1);
    const rows = await a.runtime.stores.accounts.list(workspaceId, userId);
    expect(rows.map((r) => r.state)).toEqual(['failed', 'invited']);
  });
});
