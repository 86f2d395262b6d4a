import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verify } from '@octokit/webhooks-methods';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeGithub, githubErrors, startFakeGithub } from '../src/fakes/github/index.js';

const TOKEN = 'github_pat_fake_test';

describe('fake GitHub', () => {
  let github: FakeGithub;
  let received: Array<{ headers: Record<string, unknown>; body: string }>;
  let hook: ReturnType<typeof createServer>;
  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${github.url}${path}`, { ...init, headers: { authorization: `token ${TOKEN}`, ...init.headers } });

  beforeAll(async () => {
    received = [];
    hook = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.end();
    });
    hook.listen(0, '127.0.0.1');
    await once(hook, 'listening');
    github = await startFakeGithub({
      org: { login: 'acme', plan: 'team' },
      tokens: { [TOKEN]: 'admin' },
      users: [{ login: 'alice', id: 101 }],
      hook: {
        url: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/`,
        secret: 'hook-secret',
        id: 9,
      },
    });
  });
  afterAll(async () => {
    hook.close();
    await github.close();
  });

  it('paginates with a Link header as GitHub does', async () => {
    for (let i = 0; i < 5; i++) github.addInvitation({ email: `p${i}@example.com` });
    const first = await api('/orgs/acme/invitations?per_page=2');
    expect(await first.json()).toHaveLength(2);
    expect(first.headers.get('link')).toBe(
      `<${github.url}/orgs/acme/invitations?per_page=2&page=2>; rel="next", <${github.url}/orgs/acme/invitations?per_page=2&page=3>; rel="last"`,
    );
    const last = await api('/orgs/acme/invitations?per_page=2&page=3');
    expect(await last.json()).toHaveLength(1);
    expect(last.headers.get('link')).not.toContain('rel="next"');
    expect(first.headers.get('x-ratelimit-remaining')).toMatch(/^\d+$/);
  });

  it('answers a bad token 401 and the primary rate limit 403 with remaining 0', async () => {
    const bad = await fetch(`${github.url}/orgs/acme`, { headers: { authorization: 'token nope' } });
    expect(bad.status).toBe(401);
    expect(await bad.json()).toMatchObject({ message: 'Bad credentials' });
    const reset = github.exhaustRateLimit(60);
    const limited = await api('/orgs/acme');
    github.restoreRateLimit();
    expect(limited.status).toBe(403);
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(limited.headers.get('x-ratelimit-reset')).toBe(String(reset));
  });

  it('answers a queued failure once, then normally', async () => {
    github.failNext({ method: 'GET', path: /^\/orgs\/acme$/ }, githubErrors.secondaryRateLimit(30));
    const first = await api('/orgs/acme');
    expect(first.status).toBe(403);
    expect(first.headers.get('retry-after')).toBe('30');
    expect((await api('/orgs/acme')).status).toBe(200);
  });

  it('signs webhooks so the official verifier accepts them, with the GitHub delivery headers', async () => {
    const invitation = github.addInvitation({ login: 'alice' });
    await github.accept(invitation.id);
    const delivery = received.at(-1);
    if (!delivery) throw new Error('no webhook');
    expect(delivery.headers).toMatchObject({ 'x-github-event': 'organization', 'x-github-hook-id': '9' });
    expect(delivery.headers['x-github-delivery']).toEqual(expect.any(String));
    expect(await verify('hook-secret', delivery.body, String(delivery.headers['x-hub-signature-256']))).toBe(
      true,
    );
    const payload = JSON.parse(delivery.body);
    expect(payload).toMatchObject({
      action: 'member_added',
      organization: { login: 'acme' },
      membership: { state: 'active', user: { login: 'alice', id: 101 } },
    });
    expect(github.members.has('alice')).toBe(true);
  });
});
