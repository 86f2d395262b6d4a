import { githubErrors } from '@switchboard/testkit/fakes/github';
import { afterEach, describe, expect, it } from 'vitest';
import { githubOrg, READ_TOKEN, request } from './helpers.js';

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

describe('grants, cancel, reconcile and status', () => {
  it('refuses a team grant while the person is only invited (GitHub would invite them again)', async () => {
    const { github, provisioner } = await org();
    await provisioner.createAccount(request({ login: 'bob' }));
    const result = await provisioner.applyGrants({ id: '102', login: 'bob' }, [
      { kind: 'team', target: 'backend' },
    ]);
    expect(result).toEqual({
      status: 'error',
      message: 'bob is not an active member of acme yet; team grants wait until the invitation is accepted',
    });
    expect(github.calls.filter((c) => c.method === 'PUT')).toEqual([]);
  });

  it('grants both teams to an active member, and names a team that vanished', async () => {
    const { github, provisioner } = await org({ members: ['bob'] });
    const grants = [
      { kind: 'team', target: 'backend' },
      { kind: 'team', target: 'infra', role: 'maintainer' },
    ];
    expect(await provisioner.applyGrants({ id: '102', login: 'bob' }, grants)).toEqual({ status: 'applied' });
    expect(github.teamMembers).toEqual(
      new Map([
        ['backend', new Set(['bob'])],
        ['infra', new Set(['bob'])],
      ]),
    );
    expect(github.calls.find((c) => c.path.endsWith('/infra/memberships/bob'))?.body).toEqual({
      role: 'maintainer',
    });
    expect(
      await provisioner.applyGrants({ id: '102', login: 'bob' }, [{ kind: 'team', target: 'gone' }]),
    ).toEqual({
      status: 'error',
      message: 'the org acme has no team "gone"',
    });
  });

  it('cancels a pending invitation, and a second cancel is not an error', async () => {
    const { github, provisioner } = await org();
    const invited = await provisioner.createAccount(request({ email: 'bob@example.com' }));
    if (invited.status !== 'action_required') throw new Error(invited.status);
    await provisioner.cancel(invited.pending.id);
    expect(github.invitations).toEqual([]);
    await expect(provisioner.cancel(invited.pending.id)).resolves.toBeUndefined();
  });

  it('reconcile finds an acceptance by login, an expiry in the failed list, and leaves the rest', async () => {
    const { github, provisioner } = await org();
    const ids: string[] = [];
    for (const login of ['alice', 'bob', 'dave']) {
      const invited = await provisioner.createAccount(request({ login }));
      if (invited.status !== 'action_required') throw new Error(invited.status);
      ids.push(invited.pending.id);
    }
    const [alice, bob, dave] = ids as [string, string, string];
    await github.accept(Number(alice));
    github.expire(Number(bob));
    const events = await provisioner.reconcile([
      { pendingId: alice, login: 'alice' },
      { pendingId: bob, login: 'bob' },
      { pendingId: dave, login: 'dave' },
    ]);
    expect(events).toEqual([
      { kind: 'accepted', pendingId: alice, account: expect.objectContaining({ id: '101', login: 'alice' }) },
      { kind: 'expired', pendingId: bob, detail: expect.stringMatching(/^Invitation expired at \d{4}-/) },
    ]);
  });

  it('reconcile reports an invitation that failed for another reason as failed, with its reason and time', async () => {
    const { github, provisioner } = await org();
    const invited = await provisioner.createAccount(request({ email: 'bob@example.com' }));
    if (invited.status !== 'action_required') throw new Error(invited.status);
    github.expire(Number(invited.pending.id), 'The invitee email address bounced');
    expect(
      await provisioner.reconcile([{ pendingId: invited.pending.id, email: 'bob@example.com' }]),
    ).toEqual([
      {
        kind: 'failed',
        pendingId: invited.pending.id,
        detail: expect.stringMatching(/^The invitee email address bounced at \d{4}-/),
      },
    ]);
    // Asked again, the failure is a warning and a new invitation follows: never a dead end.
    const again = await provisioner.createAccount(request({ email: 'bob@example.com' }));
    expect(again).toMatchObject({
      status: 'action_required',
      warnings: [expect.stringContaining('The invitee email address bounced; inviting again')],
    });
  });

  it('reconcile attributes a joined member to the one email invitation that is gone', async () => {
    const { github, provisioner } = await org();
    const invited = await provisioner.createAccount(request({ email: 'carol@example.com' }));
    const other = await provisioner.createAccount(request({ email: 'erin@example.com' }));
    if (invited.status !== 'action_required' || other.status !== 'action_required')
      throw new Error('not invited');
    await github.accept(Number(invited.pending.id), 'carol');
    const pending = [
      { pendingId: invited.pending.id, email: 'carol@example.com' },
      { pendingId: other.pending.id, email: 'erin@example.com' },
    ];
    expect(await provisioner.reconcile(pending)).toEqual([]);
    const joined = { id: '103', login: 'carol' };
    expect(await provisioner.reconcile(pending, { joined })).toEqual([
      { kind: 'accepted', pendingId: invited.pending.id, account: joined },
    ]);
  });

  it('status reads the plan and whether invitations are available', async () => {
    const team = await org();
    expect(await team.provisioner.status()).toEqual({
      ok: true,
      detail: { org: 'acme', plan: 'team', seats: 50, filledSeats: 0, invitationsAvailable: true },
    });
    await team.github.close();
    const emu = await org({ org: { login: 'acme', plan: 'enterprise', emu: 'not_found' } });
    expect(await emu.provisioner.status()).toMatchObject({
      ok: false,
      detail: { plan: 'enterprise', invitationsAvailable: false },
      message: 'invitations unavailable: EMU or missing permission: Not Found',
    });
    await emu.github.close();
    const readOnly = await org({}, { token: READ_TOKEN });
    expect(await readOnly.provisioner.status()).toMatchObject({
      ok: false,
      detail: { invitationsAvailable: false },
    });
  });

  it('status reports an org that answers invitations 422 "cannot be invited", until one goes through', async () => {
    const { github, provisioner } = await org({ org: { login: 'acme', plan: 'enterprise' } });
    expect(await provisioner.status()).toMatchObject({ ok: true });
    // Only an invitation finds out: the lists answer as for any org.
    github.org = { ...github.org, emu: 'cannot_be_invited' };
    const refused = await provisioner.createAccount(request({ email: 'erin@example.com' }));
    expect(refused).toMatchObject({ status: 'error', code: 'terminal' });
    const expected =
      'invitations unavailable: EMU or missing permission: Validation Failed; Enterprise Managed Users cannot be invited to this organization; add them through your identity provider';
    expect(await provisioner.status()).toEqual({
      ok: false,
      detail: { org: 'acme', plan: 'enterprise', seats: 50, filledSeats: 0, invitationsAvailable: false },
      message: expected,
    });
    github.org = { ...github.org, emu: undefined };
    expect(await provisioner.createAccount(request({ email: 'erin@example.com' }))).toMatchObject({
      status: 'action_required',
    });
    expect(await provisioner.status()).toMatchObject({ ok: true, detail: { invitationsAvailable: true } });
  });

  it('a rate limit in the middle of 50 invitations: the failed ones say when, and all finish later', async () => {
    const { github, provisioner } = await org();
    const emails = Array.from({ length: 50 }, (_, i) => `person-${i}@example.com`);
    const first = [];
    for (const [i, email] of emails.entries()) {
      if (i === 20) github.exhaustRateLimit(3600);
      first.push(await provisioner.createAccount(request({ email })));
    }
    expect(first.slice(0, 20).every((r) => r.status === 'action_required')).toBe(true);
    expect(
      first
        .slice(20)
        .every((r) => r.status === 'error' && r.code === 'rate_limited' && (r.retryAfterMs ?? 0) > 3_500_000),
    ).toBe(true);
    github.restoreRateLimit();
    for (const [i, email] of emails.entries()) {
      if (first[i]?.status === 'error')
        expect((await provisioner.createAccount(request({ email }))).status).toBe('action_required');
    }
    expect(new Set(github.invitations.map((i) => i.email))).toEqual(new Set(emails));
    expect(github.invitations).toHaveLength(50);
  });

  it('a 502 while listing invitations is retried, never read as "no invitation"', async () => {
    const { github, provisioner } = await org();
    await provisioner.createAccount(request({ email: 'bob@example.com' }));
    github.failNext({ method: 'GET', path: /^\/orgs\/acme\/invitations$/ }, githubErrors.serverError(502), 5);
    expect(await provisioner.createAccount(request({ email: 'bob@example.com' }))).toMatchObject({
      status: 'error',
      code: 'transient',
    });
    expect(github.invitations).toHaveLength(1);
  });
});
