import { githubErrors } from '@switchboard/testkit/fakes/github';
import { afterEach, describe, expect, it } from 'vitest';
import { GITHUB_ID_NAMESPACE, GITHUB_LOGIN_NAMESPACE } from '../src/index.js';
import { githubOrg, READ_TOKEN, request } from './helpers.js';

const INVITATIONS = /^\/orgs\/acme\/invitations$/;
let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});
async function org(...args: Parameters<typeof githubOrg>) {
  const made = await githubOrg(...args);
  close = () => made.github.close();
  return made;
}

/** Seed 002's outcome table: one org kind or person state per row. */
describe('createAccount outcomes (seed 002)', () => {
  it.each(['free', 'team', 'enterprise'] as const)(
    'a %s org invites by email, as action_required',
    async (plan) => {
      const { github, provisioner } = await org({ org: { login: 'acme', plan } });
      const result = await provisioner.createAccount(
        request({ email: 'Bob@Example.com', teams: ['backend', 'infra'] }),
      );
      expect(result).toMatchObject({
        status: 'action_required',
        pending: { id: String(github.invitations[0]?.id) },
      });
      if (result.status !== 'action_required') throw new Error('unreachable');
      expect(result.pending.detail).toContain(
        'must accept before team membership can be granted'.split(' before')[0] ?? '',
      );
      expect(result.pending.detail).toContain(
        'before team membership can be granted; teams backend, infra will be granted then',
      );
      expect(result.pending.expiresAt).toEqual(expect.any(String));
      expect(github.invitations).toMatchObject([
        { email: 'bob@example.com', login: null, role: 'direct_member' },
      ]);
      // Teams are deferred: no team call while the person is only invited.
      expect(github.calls.filter((c) => c.method === 'PUT')).toEqual([]);
    },
  );

  it('invites by username (invitee_id) when one is given, never by email too', async () => {
    const { github, provisioner } = await org();
    const result = await provisioner.createAccount(
      request({ login: 'alice', email: 'alice@example.com', role: 'admin' }),
    );
    expect(result.status).toBe('action_required');
    const posts = github.calls.filter((c) => c.method === 'POST');
    expect(posts).toEqual([expect.objectContaining({ body: { invitee_id: 101, role: 'admin' } })]);
  });

  it('invites with the installation default_role when the request names none', async () => {
    const { github, provisioner } = await org({}, { default_role: 'admin' });
    expect((await provisioner.createAccount(request({ email: 'bob@example.com' }))).status).toBe(
      'action_required',
    );
    expect(github.invitations).toMatchObject([{ email: 'bob@example.com', role: 'admin' }]);
  });

  it('already a member (membership state active): already_exists with the user and their identities', async () => {
    const { github, provisioner } = await org({ members: ['carol'] });
    const result = await provisioner.createAccount(request({ login: 'Carol' }));
    expect(result).toEqual({
      status: 'already_exists',
      account: {
        id: '103',
        login: 'carol',
        identities: [
          { namespace: GITHUB_LOGIN_NAMESPACE, identifier: 'carol' },
          { namespace: GITHUB_ID_NAMESPACE, identifier: '103' },
        ],
      },
    });
    expect(github.invitations).toEqual([]);
  });

  it.each(['part_of', 'member_address', 'member_addresss'] as const)(
    'already a member by a 422 "%s": already_exists, the user found by public email',
    async (spelling) => {
      const { github, provisioner } = await org();
      github.failNext({ method: 'POST', path: INVITATIONS }, githubErrors.alreadyMember(spelling));
      const result = await provisioner.createAccount(request({ email: 'carol@example.com' }));
      expect(result).toMatchObject({ status: 'already_exists', account: { id: '103', login: 'carol' } });
    },
  );

  it('already a member by a 422 while inviting a username: already_exists with that user', async () => {
    const { github, provisioner } = await org();
    // The membership read said "not a member" a moment before the person joined.
    github.failNext({ method: 'POST', path: INVITATIONS }, githubErrors.alreadyMember('part_of'));
    expect(await provisioner.createAccount(request({ login: 'bob' }))).toMatchObject({
      status: 'already_exists',
      account: { id: '102', login: 'bob' },
    });
    expect(github.calls.some((c) => c.path === '/search/users')).toBe(false);
  });

  it('already a member in any letter case, in errors[].message', async () => {
    const { github, provisioner } = await org();
    github.failNext(
      { method: 'POST', path: INVITATIONS },
      {
        status: 422,
        body: {
          message: 'Validation Failed',
          errors: [
            {
              resource: 'OrganizationInvitation',
              code: 'unprocessable',
              message: 'Invitee is ALREADY A MEMBER of this organization',
            },
          ],
          status: '422',
        },
      },
    );
    expect(await provisioner.createAccount(request({ email: 'carol@example.com' }))).toMatchObject({
      status: 'already_exists',
      account: { id: '103' },
    });
  });

  it('already a member by a 422 for an email nobody shows publicly: already_exists with no user', async () => {
    const { github, provisioner } = await org();
    github.failNext({ method: 'POST', path: INVITATIONS }, githubErrors.alreadyMember('part_of'));
    expect(await provisioner.createAccount(request({ email: 'hidden@example.com' }))).toEqual({
      status: 'already_exists',
    });
  });

  it('already invited (matched by email, past the first page): that invitation, no second one', async () => {
    const { github, provisioner } = await org();
    for (let i = 0; i < 120; i++) github.addInvitation({ email: `filler-${i}@example.com` });
    const first = await provisioner.createAccount(request({ email: 'alice@example.com' }));
    // The person is named by username this time: the email invitation still matches.
    const again = await provisioner.createAccount(request({ email: 'ALICE@example.com', login: 'alice' }));
    expect(again).toMatchObject({
      status: 'action_required',
      pending: { id: first.status === 'action_required' ? first.pending.id : 'x' },
    });
    expect(
      github.invitations.filter((i) => i.email === 'alice@example.com' || i.login === 'alice'),
    ).toHaveLength(1);
    expect(github.calls.some((c) => c.path === '/orgs/acme/invitations' && c.query.page === '2')).toBe(true);
  });

  it('stops searching after the page bound and says nothing it cannot know', async () => {
    const { github, provisioner } = await org({}, {}, 1);
    for (let i = 0; i < 101; i++) github.addInvitation({ email: `filler-${i}@example.com` });
    github.calls.length = 0;
    await provisioner.createAccount(request({ email: 'late@example.com' }));
    expect(
      github.calls.filter((c) => c.path === '/orgs/acme/invitations' && c.method === 'GET'),
    ).toHaveLength(1);
  });

  it('already invited by username: the pending invitation', async () => {
    const { github, provisioner } = await org();
    const first = await provisioner.createAccount(request({ login: 'dave' }));
    const again = await provisioner.createAccount(request({ login: 'dave' }));
    if (first.status !== 'action_required') throw new Error(first.status);
    expect(again).toMatchObject({ status: 'action_required', pending: { id: first.pending.id } });
    expect(github.invitations).toHaveLength(1);
  });

  it('expired then re-invited: warns with the failed_reason and failed_at, then invites again', async () => {
    const { github, provisioner } = await org();
    const first = await provisioner.createAccount(request({ login: 'alice' }));
    if (first.status !== 'action_required') throw new Error(first.status);
    github.expire(Number(first.pending.id));
    const again = await provisioner.createAccount(request({ login: 'alice' }));
    expect(again.status).toBe('action_required');
    if (again.status !== 'action_required') throw new Error('unreachable');
    expect(again.pending.id).not.toBe(first.pending.id);
    expect(again.warnings?.[0]).toMatch(
      new RegExp(`invitation ${first.pending.id} failed at .*: Invitation expired; inviting again`),
    );
    expect(github.invitations).toHaveLength(1);
  });

  it('EMU org answering 404: terminal, "invitations unavailable", GitHub message verbatim', async () => {
    const { provisioner } = await org({ org: { login: 'acme', plan: 'enterprise', emu: 'not_found' } });
    expect(await provisioner.createAccount(request({ email: 'bob@example.com' }))).toEqual({
      status: 'error',
      code: 'terminal',
      message: 'invitations unavailable: EMU or missing permission: Not Found',
    });
  });

  it('EMU org answering 422 "cannot be invited": terminal with the message verbatim', async () => {
    const { provisioner } = await org({
      org: { login: 'acme', plan: 'enterprise', emu: 'cannot_be_invited' },
    });
    const result = await provisioner.createAccount(request({ login: 'bob' }));
    expect(result).toMatchObject({ status: 'error', code: 'terminal' });
    if (result.status !== 'error') throw new Error('unreachable');
    expect(result.message).toBe(
      'invitations unavailable: EMU or missing permission: Validation Failed; Enterprise Managed Users cannot be invited to this organization; add them through your identity provider',
    );
  });

  it('a team slug the org does not have: invalid, nothing sent', async () => {
    const { github, provisioner } = await org();
    const result = await provisioner.createAccount(request({ login: 'bob', teams: ['backend', 'ghosts'] }));
    expect(result).toEqual({
      status: 'error',
      code: 'invalid',
      message: 'the org acme has no team "ghosts"',
    });
    expect(github.invitations).toEqual([]);
  });

  it('a team outside the allowed list: invalid', async () => {
    const { github, provisioner } = await org({}, { allowed_teams: ['backend'] });
    const result = await provisioner.createAccount(request({ login: 'bob', teams: ['infra'] }));
    expect(result).toMatchObject({ status: 'error', code: 'invalid' });
    expect(github.invitations).toEqual([]);
  });

  it('a username GitHub does not know: invalid', async () => {
    const { provisioner } = await org();
    expect(await provisioner.createAccount(request({ login: 'nobody-here' }))).toMatchObject({
      status: 'error',
      code: 'invalid',
    });
  });
});

describe('createAccount failures: typed, with a retry policy', () => {
  it('a token GitHub rejects (401): forbidden', async () => {
    const { provisioner } = await org({}, { token: 'github_pat_unknown_token' });
    expect(await provisioner.createAccount(request({ email: 'bob@example.com' }))).toMatchObject({
      status: 'error',
      code: 'forbidden',
      message: expect.stringContaining('Bad credentials'),
    });
  });

  it('a token without the members permission (403): forbidden, GitHub message kept', async () => {
    const { provisioner } = await org({}, { token: READ_TOKEN });
    const result = await provisioner.createAccount(request({ email: 'bob@example.com' }));
    expect(result).toMatchObject({ status: 'error', code: 'forbidden' });
    if (result.status !== 'error') throw new Error('unreachable');
    expect(result.message).toContain('Resource not accessible by personal access token');
  });

  it('a secondary rate limit: rate_limited with retryAfterMs from Retry-After', async () => {
    const { provisioner, github } = await org();
    github.failNext({ method: 'POST', path: INVITATIONS }, githubErrors.secondaryRateLimit(90));
    expect(await provisioner.createAccount(request({ email: 'bob@example.com' }))).toMatchObject({
      status: 'error',
      code: 'rate_limited',
      retryAfterMs: 90_000,
    });
    expect(github.invitations).toEqual([]);
  });

  it.each([403, 429] as const)(
    'the primary rate limit (%s, remaining 0): rate_limited until the reset',
    async (code) => {
      const { provisioner, github } = await org();
      const reset = Math.ceil(Date.now() / 1000) + 600;
      github.failNext({ method: 'POST', path: INVITATIONS }, githubErrors.rateLimitExceeded(reset, code));
      const result = await provisioner.createAccount(request({ email: 'bob@example.com' }));
      expect(result).toMatchObject({ status: 'error', code: 'rate_limited' });
      if (result.status !== 'error') throw new Error('unreachable');
      expect(result.retryAfterMs).toBeGreaterThan(590_000);
      expect(result.retryAfterMs).toBeLessThanOrEqual(602_000);
    },
  );

  it('a short rate limit is waited out once by the throttling plugin, then succeeds', async () => {
    const { provisioner, github } = await githubOrg({}, {}, undefined, { maxInlineWaitSeconds: 5 });
    close = () => github.close();
    // Retry-After 2 "seconds" of 1 ms each: within the inline wait, so the plugin retries once.
    github.failNext({ method: 'POST', path: INVITATIONS }, githubErrors.secondaryRateLimit(2));
    expect((await provisioner.createAccount(request({ email: 'bob@example.com' }))).status).toBe(
      'action_required',
    );
    expect(github.calls.filter((c) => c.method === 'POST')).toHaveLength(2);
  });

  it('over the daily invitation quota (422): rate_limited for a day', async () => {
    const { provisioner } = await org({ invitationQuota: 0 });
    expect(await provisioner.createAccount(request({ email: 'bob@example.com' }))).toMatchObject({
      status: 'error',
      code: 'rate_limited',
      retryAfterMs: 86_400_000,
      message: expect.stringContaining('Over invitation rate limit'),
    });
  });

  it('5xx is retried by the retry plugin, then transient when it persists', async () => {
    const { provisioner, github } = await org();
    github.failNext({ method: 'POST', path: INVITATIONS }, githubErrors.serverError(502), 1);
    expect((await provisioner.createAccount(request({ email: 'bob@example.com' }))).status).toBe(
      'action_required',
    );
    github.failNext({ method: 'POST', path: INVITATIONS }, githubErrors.serverError(503), 10);
    expect(await provisioner.createAccount(request({ email: 'carol@example.com' }))).toMatchObject({
      status: 'error',
      code: 'transient',
    });
    // The first try and two retries.
    expect(
      github.calls.filter(
        (c) => c.method === 'POST' && c.body && (c.body as { email?: string }).email === 'carol@example.com',
      ),
    ).toHaveLength(3);
  });

  it('concurrent calls for one person send one invitation', async () => {
    const { provisioner, github } = await org();
    const results = await Promise.all(
      Array.from({ length: 5 }, () => provisioner.createAccount(request({ email: 'bob@example.com' }))),
    );
    expect(github.invitations).toHaveLength(1);
    const ids = new Set(results.map((r) => (r.status === 'action_required' ? r.pending.id : r.status)));
    expect(ids).toEqual(new Set([String(github.invitations[0]?.id)]));
  });

  it('concurrent calls for one person, one by email and one by username: one invitation, by email', async () => {
    const { provisioner, github } = await org();
    // alice shows alice@example.com publicly: the username and the email name one person.
    const [byEmail, byLogin] = await Promise.all([
      provisioner.createAccount(request({ email: 'alice@example.com' })),
      provisioner.createAccount(request({ login: 'alice' })),
    ]);
    expect(github.invitations).toMatchObject([{ email: 'alice@example.com', login: null }]);
    const id = String(github.invitations[0]?.id);
    expect(byEmail).toMatchObject({ status: 'action_required', pending: { id } });
    expect(byLogin).toMatchObject({ status: 'action_required', pending: { id } });
    expect(github.calls.filter((c) => c.method === 'POST')).toHaveLength(1);
    // Later, by username alone: still that invitation, never a second one by invitee_id.
    expect(await provisioner.createAccount(request({ login: 'ALICE' }))).toMatchObject({
      status: 'action_required',
      pending: { id },
    });
    expect(github.invitations).toHaveLength(1);
  });

  it('a primary rate limit (429) that resets in seconds is waited out by the throttling plugin', async () => {
    // Real seconds here: the plugin waits until just after the reset GitHub names.
    const { provisioner, github } = await githubOrg({}, {}, undefined, {
      retryBaseMs: 1000,
      maxInlineWaitSeconds: 10,
    });
    close = () => github.close();
    github.exhaustRateLimit(1, 429);
    expect(await provisioner.createAccount(request({ email: 'bob@example.com' }))).toMatchObject({
      status: 'action_required',
    });
    expect(github.invitations).toMatchObject([{ email: 'bob@example.com' }]);
    // The first read was refused and asked again after the reset.
    const lists = github.calls.filter((c) => c.method === 'GET' && c.path === '/orgs/acme/invitations');
    expect(lists).toHaveLength(2);
  });

  it('neither email nor username: invalid, nothing asked', async () => {
    const { provisioner, github } = await org();
    expect(await provisioner.createAccount(request({}))).toMatchObject({ status: 'error', code: 'invalid' });
    expect(github.calls).toEqual([]);
  });
});
