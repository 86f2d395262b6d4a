import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sign } from '@octokit/webhooks-methods';
import { type FakeGithubAnswer, type FakeGithubDelay, type FakeGithubHold, githubErrors } from './errors.js';
import { examplePayload, userObject } from './payloads.js';

export interface FakeGithubUser {
  login: string;
  id: number;
  /** The public profile email (what `search/users ... in:email` finds). */
  email?: string;
}

export interface FakeGithubInvitation {
  id: number;
  node_id: string;
  login: string | null;
  email: string | null;
  role: string;
  created_at: string;
  failed_at: string | null;
  failed_reason: string | null;
  inviter: Record<string, unknown>;
  team_count: number;
  invitation_teams_url: string;
  invitation_source: string;
}

/** Which kind of org: the plan GitHub reports, and how an EMU org refuses invitations. */
export interface FakeGithubOrg {
  login: string;
  plan: 'free' | 'team' | 'enterprise';
  /** Enterprise Managed Users: the invitation endpoints answer 404, or invitations 422. */
  emu?: 'not_found' | 'cannot_be_invited';
}

export interface FakeGithubHook {
  url: string;
  secret: string;
  /** `X-GitHub-Hook-ID`. */
  id: number;
}

export interface FakeGithubOptions {
  org: FakeGithubOrg;
  /** Tokens the fake accepts: `admin` may invite, `read` lacks the members permission. */
  tokens: Record<string, 'admin' | 'read'>;
  users?: FakeGithubUser[];
  /** Logins already in the org. */
  members?: string[];
  teams?: string[];
  hook?: FakeGithubHook;
  /** Invitations an org may send a day before 422 "Over invitation rate limit". */
  invitationQuota?: number;
}

export interface FakeGithubCall {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
}

export interface FakeGithubDelivery {
  status: number;
  body: string;
  /** What was sent, for replays. */
  request: { event: string; deliveryId: string; hookId: string; body: string; signature: string };
}

export interface FakeGithub {
  readonly url: string;
  readonly calls: FakeGithubCall[];
  readonly invitations: FakeGithubInvitation[];
  readonly failedInvitations: FakeGithubInvitation[];
  /** `slug -> logins` of the team memberships made through the API. */
  readonly teamMembers: Map<string, Set<string>>;
  readonly members: Set<string>;
  org: FakeGithubOrg;
  hook: FakeGithubHook | undefined;
  addUser(user: FakeGithubUser): void;
  /** An invitation someone sent earlier (e.g. from the GitHub UI). */
  addInvitation(invitee: { login?: string; email?: string }): FakeGithubInvitation;
  /** The next `times` requests matching `method` and `path` answer this instead. */
  failNext(
    match: { method?: string; path: RegExp },
    answer: FakeGithubAnswer | FakeGithubDelay | FakeGithubHold,
    times?: number,
  ): void;
  /**
   * Every API call answers the primary rate limit (403, or 429 with `status`) until the reset
   * epoch it returns has passed, as GitHub does, or until `restoreRateLimit()`.
   */
  exhaustRateLimit(resetInSeconds: number, status?: 403 | 429): number;
  restoreRateLimit(): void;
  /** The invitations the org may send before 422 "Over invitation rate limit"; the count starts over. */
  setInvitationQuota(quota: number | undefined): void;
  /** The person accepts: the invitation goes, they become a member, member_added is sent. */
  accept(invitationId: number, asLogin?: string): Promise<FakeGithubDelivery | undefined>;
  /**
   * Seven days pass (or the invitation fails for `reason`): it moves to the failed list with its
   * `failed_reason`. GitHub sends no webhook.
   */
  expire(invitationId: number, reason?: string): void;
  /** An owner takes a member off a team on GitHub: membership.removed (scope team) is sent. */
  removeFromTeam(slug: string, login: string): Promise<FakeGithubDelivery | undefined>;
  /** An owner removes a member: member_removed is sent. */
  removeMember(login: string): Promise<FakeGithubDelivery | undefined>;
  /** Sends a webhook as GitHub would (signed with the hook's secret unless `signature` is given). */
  deliver(
    event: string,
    payload: unknown,
    options?: { deliveryId?: string; hookId?: string; signature?: string | null },
  ): Promise<FakeGithubDelivery>;
  /** Sends a delivery again, byte for byte (a redelivery from the GitHub UI), optionally under another hook id. */
  redeliver(delivery: FakeGithubDelivery, options?: { hookId?: string }): Promise<FakeGithubDelivery>;
  close(): Promise<void>;
}

const json = (res: ServerResponse, answer: FakeGithubAnswer, extra: Record<string, string> = {}) => {
  res.writeHead(answer.status, {
    'content-type': 'application/json; charset=utf-8',
    ...extra,
    ...answer.headers,
  });
  res.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
};

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

const PER_PAGE_DEFAULT = 30;
let nextDelivery = 1;

/**
 * A GitHub REST server for one organization: memberships, invitations (pending and failed, paginated
 * with `Link` headers), teams, users and search, with GitHub's error bodies and rate-limit
 * headers. It sends org webhooks signed with `X-Hub-Signature-256`, built from published payloads.
 */
export async function startFakeGithub(options: FakeGithubOptions): Promise<FakeGithub> {
  const users = new Map<string, FakeGithubUser>();
  for (const user of options.users ?? []) users.set(user.login.toLowerCase(), user);
  const members = new Set((options.members ?? []).map((l) => l.toLowerCase()));
  const teams = new Map<string, number>((options.teams ?? []).map((slug, i) => [slug, 1000 + i]));
  const teamMembers = new Map<string, Set<string>>();
  const invitations: FakeGithubInvitation[] = [];
  const failedInvitations: FakeGithubInvitation[] = [];
  const calls: FakeGithubCall[] = [];
  const failures: Array<{
    method?: string;
    path: RegExp;
    answer: FakeGithubAnswer | FakeGithubDelay | FakeGithubHold;
    times: number;
  }> = [];
  let rateLimitReset: number | undefined;
  let rateLimitStatus: 403 | 429 = 403;
  let invitationQuota = options.invitationQuota;
  let nextInvitationId = 26243094;
  let invitationsSent = 0;
  let remaining = 5000;

  let baseUrl = '';
  const fake: FakeGithub = {
    get url() {
      return baseUrl;
    },
    calls,
    invitations,
    failedInvitations,
    teamMembers,
    members,
    org: options.org,
    hook: options.hook,
    addUser: (user) => users.set(user.login.toLowerCase(), user),
    addInvitation: (invitee) =>
      createInvitation(
        invitee.login ? users.get(invitee.login.toLowerCase()) : undefined,
        invitee.email,
        'direct_member',
      ),
    failNext: (match, answer, times = 1) => failures.push({ ...match, answer, times }),
    exhaustRateLimit(resetInSeconds, status = 403) {
      rateLimitReset = Math.ceil(Date.now() / 1000) + resetInSeconds;
      rateLimitStatus = status;
      return rateLimitReset;
    },
    restoreRateLimit() {
      rateLimitReset = undefined;
    },
    setInvitationQuota(quota) {
      invitationQuota = quota;
      invitationsSent = 0;
    },
    async accept(invitationId, asLogin) {
      const index = invitations.findIndex((i) => i.id === invitationId);
      const invitation = invitations[index];
      if (!invitation) throw new Error(`no pending invitation ${invitationId}`);
      const login = invitation.login ?? asLogin;
      const user = login ? users.get(login.toLowerCase()) : undefined;
      if (!user) throw new Error(`invitation ${invitationId} is by email: say which user accepts it`);
      invitations.splice(index, 1);
      members.add(user.login.toLowerCase());
      return fake.hook ? fake.deliver('organization', memberEvent('member_added', user), {}) : undefined;
    },
    expire(invitationId, reason = 'Invitation expired') {
      const index = invitations.findIndex((i) => i.id === invitationId);
      const invitation = invitations[index];
      if (!invitation) throw new Error(`no pending invitation ${invitationId}`);
      invitations.splice(index, 1);
      failedInvitations.push({
        ...invitation,
        failed_at: new Date().toISOString(),
        failed_reason: reason,
      });
    },
    async removeFromTeam(slug, login) {
      const user = users.get(login.toLowerCase());
      if (!user || !teamMembers.get(slug)?.delete(login.toLowerCase()))
        throw new Error(`${login} is not on ${slug}`);
      if (!fake.hook) return undefined;
      const payload = examplePayload('membership', 'removed');
      payload.member = userObject(payload.member, user);
      payload.team = { ...(payload.team as Record<string, unknown>), slug, name: slug, id: teams.get(slug) };
      payload.organization = { ...(payload.organization as Record<string, unknown>), login: fake.org.login };
      return fake.deliver('membership', payload, {});
    },
    async removeMember(login) {
      const user = users.get(login.toLowerCase());
      if (!user || !members.delete(login.toLowerCase())) throw new Error(`${login} is not a member`);
      for (const set of teamMembers.values()) set.delete(login.toLowerCase());
      return fake.hook ? fake.deliver('organization', memberEvent('member_removed', user), {}) : undefined;
    },
    async deliver(event, payload, deliverOptions = {}) {
      const hook = fake.hook;
      if (!hook) throw new Error('the fake has no hook configured');
      const body = JSON.stringify(payload);
      const signature =
        deliverOptions.signature === undefined ? await sign(hook.secret, body) : deliverOptions.signature;
      const request = {
        event,
        deliveryId:
          deliverOptions.deliveryId ?? `72d3162e-cc78-11e3-81ab-${String(nextDelivery++).padStart(12, '0')}`,
        hookId: deliverOptions.hookId ?? String(hook.id),
        body,
        signature: signature ?? '',
      };
      return send(hook.url, request, signature !== null);
    },
    redeliver: (delivery, redeliverOptions = {}) => {
      const hook = fake.hook;
      if (!hook) throw new Error('the fake has no hook configured');
      return send(
        hook.url,
        { ...delivery.request, hookId: redeliverOptions.hookId ?? delivery.request.hookId },
        true,
      );
    },
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };

  async function send(
    url: string,
    request: FakeGithubDelivery['request'],
    signed: boolean,
  ): Promise<FakeGithubDelivery> {
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'GitHub-Hookshot/044aadd',
        'x-github-event': request.event,
        'x-github-delivery': request.deliveryId,
        'x-github-hook-id': request.hookId,
        'x-github-hook-installation-target-type': 'organization',
        ...(signed ? { 'x-hub-signature-256': request.signature } : {}),
      },
      body: request.body,
    });
    return { status: response.status, body: await response.text(), request };
  }

  function memberEvent(action: 'member_added' | 'member_removed', user: FakeGithubUser) {
    const payload = examplePayload('organization', 'member_added');
    payload.action = action;
    const membership = payload.membership as Record<string, unknown>;
    payload.membership = {
      ...membership,
      url: `https://api.github.com/orgs/${fake.org.login}/memberships/${user.login}`,
      state: 'active',
      role: 'member',
      organization_url: `https://api.github.com/orgs/${fake.org.login}`,
      user: userObject(membership.user, user),
    };
    payload.organization = { ...(payload.organization as Record<string, unknown>), login: fake.org.login };
    return payload;
  }

  // GitHub keeps an email invitation and an invitee_id invitation for one person as two.
  function createInvitation(user: FakeGithubUser | undefined, email: string | undefined, role: string) {
    const id = nextInvitationId++;
    const invitation: FakeGithubInvitation = {
      id,
      node_id: Buffer.from(`014:OrganizationInvitation${id}`).toString('base64'),
      login: user?.login ?? null,
      email: user ? null : (email ?? null),
      role,
      created_at: new Date().toISOString(),
      failed_at: null,
      failed_reason: null,
      inviter: { login: 'octo-admin', id: 1 },
      team_count: 0,
      invitation_teams_url: `https://api.github.com/organizations/38302899/invitations/${id}/teams`,
      invitation_source: 'member',
    };
    invitations.push(invitation);
    return invitation;
  }

  const userJson = (user: FakeGithubUser) => ({
    login: user.login,
    id: user.id,
    node_id: Buffer.from(`04:User${user.id}`).toString('base64'),
    type: 'User',
    site_admin: false,
    html_url: `https://github.com/${user.login}`,
    email: user.email ?? null,
  });

  function page<T>(res: ServerResponse, path: string, query: Record<string, string>, items: T[]) {
    const perPage = Math.min(Math.max(Number(query.per_page) || PER_PAGE_DEFAULT, 1), 100);
    const pageNo = Math.max(Number(query.page) || 1, 1);
    const last = Math.max(Math.ceil(items.length / perPage), 1);
    const link = (p: number, rel: string) =>
      `<${baseUrl}${path}?per_page=${perPage}&page=${p}>; rel="${rel}"`;
    const links = [
      ...(pageNo < last ? [link(pageNo + 1, 'next'), link(last, 'last')] : []),
      ...(pageNo > 1 ? [link(1, 'first'), link(pageNo - 1, 'prev')] : []),
    ];
    json(
      res,
      { status: 200, body: items.slice((pageNo - 1) * perPage, pageNo * perPage) },
      links.length ? { link: links.join(', ') } : {},
    );
  }

  async function route(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://fake.github');
    const method = req.method ?? 'GET';
    const path = url.pathname;
    const query = Object.fromEntries(url.searchParams);
    const body = await readBody(req);
    calls.push({ method, path, query, body });

    const auth = req.headers.authorization?.replace(/^(token|bearer)\s+/i, '');
    const grant = auth ? options.tokens[auth] : undefined;
    if (!grant) return json(res, githubErrors.badCredentials());
    // The window ends at its reset epoch, as GitHub's does: no call is needed to lift it.
    if (rateLimitReset !== undefined && Date.now() >= rateLimitReset * 1000) rateLimitReset = undefined;
    if (rateLimitReset !== undefined)
      return json(res, githubErrors.rateLimitExceeded(rateLimitReset, rateLimitStatus));
    const failure = failures.find((f) => (!f.method || f.method === method) && f.path.test(path));
    if (failure) {
      if (--failure.times <= 0) failures.splice(failures.indexOf(failure), 1);
      const answer = failure.answer;
      if ('until' in answer) await answer.until.catch(() => {});
      else if ('delayMs' in answer) await new Promise((resolve) => setTimeout(resolve, answer.delayMs));
      else return json(res, answer);
    }
    remaining = Math.max(remaining - 1, 1);
    res.setHeader('x-ratelimit-limit', '5000');
    res.setHeader('x-ratelimit-remaining', String(remaining));
    res.setHeader('x-ratelimit-used', String(5000 - remaining));
    res.setHeader('x-ratelimit-reset', String(Math.ceil(Date.now() / 1000) + 3600));
    res.setHeader('x-ratelimit-resource', 'core');

    const org = fake.org;
    const orgPath = `/orgs/${org.login}`;
    const segments = path.split('/').filter(Boolean).map(decodeURIComponent);

    if (method === 'GET' && segments[0] === 'users' && segments.length === 2) {
      const user = users.get((segments[1] ?? '').toLowerCase());
      return user ? json(res, { status: 200, body: userJson(user) }) : json(res, githubErrors.notFound());
    }
    if (method === 'GET' && path === '/search/users') {
      const email = (query.q ?? '')
        .replace(/\s+in:email\s*$/i, '')
        .trim()
        .toLowerCase();
      const items = [...users.values()].filter((u) => u.email?.toLowerCase() === email).map(userJson);
      return json(res, {
        status: 200,
        body: { total_count: items.length, incomplete_results: false, items },
      });
    }
    if (!path.toLowerCase().startsWith(orgPath.toLowerCase())) return json(res, githubErrors.notFound());
    const rest = segments.slice(2);

    if (method === 'GET' && rest.length === 0) {
      return json(res, {
        status: 200,
        body: {
          login: org.login,
          id: 38302899,
          plan: {
            name: org.plan,
            space: 976562499,
            private_repos: 9999,
            filled_seats: members.size,
            seats: org.plan === 'free' ? 0 : 50,
          },
        },
      });
    }
    const invitationPaths = rest[0] === 'invitations' || rest[0] === 'failed_invitations';
    if (invitationPaths && org.emu === 'not_found') return json(res, githubErrors.notFound());
    if (invitationPaths && grant !== 'admin') return json(res, githubErrors.notAccessible());

    if (rest[0] === 'memberships' && rest[1] && method === 'GET') {
      const login = rest[1].toLowerCase();
      const user = users.get(login);
      if (!user) return json(res, githubErrors.notFound());
      const state = members.has(login)
        ? 'active'
        : invitations.some((i) => i.login?.toLowerCase() === login)
          ? 'pending'
          : undefined;
      if (!state) return json(res, githubErrors.notFound());
      return json(res, {
        status: 200,
        body: {
          url: `${baseUrl}${orgPath}/memberships/${user.login}`,
          state,
          role: 'member',
          user: userJson(user),
          organization: { login: org.login },
        },
      });
    }
    if (rest[0] === 'invitations' && rest.length === 1 && method === 'GET')
      return page(res, `${orgPath}/invitations`, query, invitations);
    if (rest[0] === 'failed_invitations' && method === 'GET')
      return page(res, `${orgPath}/failed_invitations`, query, failedInvitations);
    if (rest[0] === 'invitations' && rest.length === 1 && method === 'POST') {
      const input = (body ?? {}) as { invitee_id?: number; email?: string; role?: string };
      if (org.emu === 'cannot_be_invited') return json(res, githubErrors.cannotBeInvited());
      if (invitationQuota !== undefined && invitationsSent >= invitationQuota) {
        return json(res, githubErrors.overInvitationRateLimit());
      }
      const user =
        input.invitee_id !== undefined
          ? [...users.values()].find((u) => u.id === input.invitee_id)
          : undefined;
      if (input.invitee_id !== undefined && !user) return json(res, githubErrors.notFound());
      if (user && members.has(user.login.toLowerCase()))
        return json(res, githubErrors.alreadyMember('part_of'));
      const byEmail = input.email
        ? [...users.values()].find((u) => u.email?.toLowerCase() === input.email?.toLowerCase())
        : undefined;
      if (byEmail && members.has(byEmail.login.toLowerCase()))
        return json(res, githubErrors.alreadyMember('member_addresss'));
      if (!user && !input.email)
        return json(res, {
          status: 422,
          body: { message: 'Validation Failed', errors: ['invitee_id or email is required'], status: '422' },
        });
      invitationsSent += 1;
      return json(res, {
        status: 201,
        body: createInvitation(user, input.email, input.role ?? 'direct_member'),
      });
    }
    if (rest[0] === 'invitations' && rest.length === 2 && method === 'DELETE') {
      const index = invitations.findIndex((i) => String(i.id) === rest[1]);
      if (index === -1) return json(res, githubErrors.notFound());
      invitations.splice(index, 1);
      return json(res, { status: 204 });
    }
    if (rest[0] === 'teams' && rest[1]) {
      const slug = rest[1];
      if (!teams.has(slug)) return json(res, githubErrors.notFound());
      if (rest.length === 2 && method === 'GET') {
        return json(res, { status: 200, body: { id: teams.get(slug), slug, name: slug, privacy: 'closed' } });
      }
      if (rest[2] === 'memberships' && rest[3] && method === 'PUT') {
        const login = rest[3].toLowerCase();
        if (grant !== 'admin') return json(res, githubErrors.notAccessible());
        if (!users.has(login)) return json(res, githubErrors.notFound());
        const role = (body as { role?: string } | undefined)?.role ?? 'member';
        if (!members.has(login)) {
          // What GitHub does for a non-member: it invites them to the org (a second invitation).
          return json(res, { status: 200, body: { url: `${baseUrl}${path}`, role, state: 'pending' } });
        }
        const set = teamMembers.get(slug) ?? new Set<string>();
        set.add(login);
        teamMembers.set(slug, set);
        return json(res, { status: 200, body: { url: `${baseUrl}${path}`, role, state: 'active' } });
      }
    }
    return json(res, githubErrors.notFound());
  }

  const server = createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      if (!res.headersSent) json(res, { status: 500, body: { message: String(error) } });
      else res.end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}
