import type { Octokit } from '@octokit/rest';
import {
  type AccountEvent,
  type AccountGrant,
  type AccountProvisioner,
  type AccountProvisionerStatus,
  type AccountWebhookHandler,
  type ApplyGrantsResult,
  type CreateAccountRequest,
  type CreateAccountResult,
  type Logger,
  type PendingAccountRequest,
  PlatformError,
  type ProvisionedAccount,
  type ReconcileOptions,
} from '@switchboard/core';
import type { GithubInviteConfig } from './config.js';
import { classify, type GithubFailure, isAlreadyMember, status } from './errors.js';
import { githubIdentities } from './identity.js';
import {
  expiresAt,
  findFailedInvitation,
  findPendingInvitation,
  type GithubInvitation,
  listFailedInvitations,
  listPendingInvitations,
  type PersonKey,
} from './invitations.js';
import { KeyedMutex } from './mutex.js';

interface GithubUser {
  login: string;
  id: number;
  /** The public profile email, when the user shows one. */
  email?: string | null;
}

const TEAM_KIND = 'team';

export function toAccount(user: GithubUser): ProvisionedAccount {
  return { id: String(user.id), login: user.login, identities: githubIdentities(user) };
}

const fail = (failure: ReturnType<typeof classify>): CreateAccountResult => ({
  status: 'error',
  code: failure.code,
  message: failure.message,
  ...(failure.retryAfterMs !== undefined ? { retryAfterMs: failure.retryAfterMs } : {}),
  ...(failure.credentialsRefused ? { credentialsRefused: true } : {}),
});

/** The team grants of a request: `teams` and grants of kind `team`, each slug once. */
function teamGrants(req: Pick<CreateAccountRequest, 'teams' | 'grants'>): AccountGrant[] {
  const bySlug = new Map<string, AccountGrant>();
  for (const slug of req.teams ?? []) bySlug.set(slug.toLowerCase(), { kind: TEAM_KIND, target: slug });
  for (const grant of req.grants ?? []) {
    if (grant.kind === TEAM_KIND) bySlug.set(grant.target.toLowerCase(), grant);
  }
  return [...bySlug.values()];
}

/**
 * One GitHub organization's invitations. The hub persists every request; this class only asks
 * GitHub, in the order that never sends a second invitation to one person: membership, then the
 * pending invitations (by login or email), then the failed ones, then a new invitation.
 */
export class GithubInviteProvisioner implements AccountProvisioner {
  readonly #people = new KeyedMutex();
  readonly reinviteExpired: boolean;
  /**
   * GitHub's last refusal to invite anyone to this org (EMU: 422 "cannot be invited"). No read
   * endpoint reveals it (the invitation lists still answer), so the status reports what the last
   * invitation learned, until an invitation goes through again.
   */
  #refusal: GithubFailure | undefined;

  constructor(
    private readonly config: GithubInviteConfig,
    private readonly octokit: Octokit,
    private readonly logger: Logger,
    readonly webhook: AccountWebhookHandler,
    private readonly maxPages?: number,
  ) {
    this.reinviteExpired = config.reinvite_expired;
  }

  get #org() {
    return this.config.org;
  }

  async createAccount(req: CreateAccountRequest): Promise<CreateAccountResult> {
    const login = req.login?.trim() || undefined;
    const email = req.email?.trim().toLowerCase() || undefined;
    if (!login && !email) {
      return { status: 'error', code: 'invalid', message: 'an email or a GitHub username is required' };
    }
    if (req.role !== undefined && req.role !== 'admin' && req.role !== 'direct_member') {
      return {
        status: 'error',
        code: 'invalid',
        message: `role must be direct_member or admin, not "${req.role}"`,
      };
    }
    // The user behind a username, read before the lock: their public email names the same
    // person as an email invitation, so a request by username finds it (and waits for a request
    // by that email) instead of sending a second invitation by id.
    let user: GithubUser | undefined;
    if (login) {
      const found = await this.#user(login);
      if ('status' in found) return found;
      user = found;
    }
    const emails = [...new Set([email, user?.email?.toLowerCase()].filter((e): e is string => !!e))];
    const person: PersonKey = { ...(login ? { login } : {}), emails };
    // One person at a time per key: two concurrent requests for one person send one invitation
    // (the second finds the first's pending invitation).
    const keys = [...(login ? [`login:${login.toLowerCase()}`] : []), ...emails.map((e) => `email:${e}`)];
    return this.#people.run(keys, () => this.#createAccount(req, person, user));
  }

  /** The GitHub user a username names; `invalid` when there is none. */
  async #user(login: string): Promise<GithubUser | CreateAccountResult> {
    try {
      return (await this.octokit.rest.users.getByUsername({ username: login })).data;
    } catch (error) {
      if (status(error) === 404) {
        return { status: 'error', code: 'invalid', message: `GitHub has no user "${login}"` };
      }
      return fail(classify(error, `reading the user ${login}`));
    }
  }

  async #createAccount(
    req: CreateAccountRequest,
    person: PersonKey,
    user: GithubUser | undefined,
  ): Promise<CreateAccountResult> {
    const role = req.role === 'admin' || req.role === 'direct_member' ? req.role : this.config.default_role;
    const teams = teamGrants(req);
    const teamProblem = await this.#checkTeams(teams);
    if (teamProblem) return teamProblem;
    try {
      if (person.login) {
        const membership = await this.#membership(person.login);
        if (membership?.state === 'active')
          return { status: 'already_exists', account: toAccount(membership.user) };
      }
      const pending = await findPendingInvitation(this.octokit, this.#org, person, this.maxPages);
      if (pending) return this.#invited(pending, teams, 'an invitation was already pending');
      const warnings: string[] = [];
      const failed = await findFailedInvitation(this.octokit, this.#org, person, this.maxPages);
      if (failed) {
        const warning = `an earlier invitation ${failed.id} failed at ${failed.failed_at ?? 'an unknown time'}: ${failed.failed_reason ?? 'no reason given'}; inviting again`;
        this.logger.warn(
          { invitationId: failed.id, failedAt: failed.failed_at, reason: failed.failed_reason },
          'earlier GitHub invitation failed; inviting again',
        );
        warnings.push(warning);
      }
      const invitation = await this.#invite(user, req.email?.trim().toLowerCase(), role);
      this.#refusal = undefined;
      return this.#invited(invitation, teams, undefined, warnings);
    } catch (error) {
      if (isAlreadyMember(error)) {
        // The member is the user the username named, else the one the email finds publicly.
        if (user) return { status: 'already_exists', account: toAccount(user) };
        return { status: 'already_exists', ...(await this.#userByEmail(person)) };
      }
      const failure = classify(error, 'inviting to the org', { invitationEndpoint: true });
      if (failure.code === 'terminal') this.#refusal = failure;
      return fail(failure);
    }
  }

  /** By username (invitee_id) when one is given, else by email: never both forms for one person. */
  async #invite(
    user: GithubUser | undefined,
    email: string | undefined,
    role: 'admin' | 'direct_member',
  ): Promise<GithubInvitation> {
    const { data } = await this.octokit.rest.orgs.createInvitation({
      org: this.#org,
      ...(user ? { invitee_id: user.id } : { email: email as string }),
      role,
    });
    return data as GithubInvitation;
  }

  #invited(
    invitation: GithubInvitation,
    teams: AccountGrant[],
    note?: string,
    warnings: string[] = [],
  ): CreateAccountResult {
    const who = invitation.login ?? invitation.email ?? 'the person';
    const teamText =
      teams.length > 0 ? `; teams ${teams.map((t) => t.target).join(', ')} will be granted then` : '';
    const expires = expiresAt(invitation);
    return {
      status: 'action_required',
      pending: {
        id: String(invitation.id),
        ...(expires ? { expiresAt: expires } : {}),
        detail: `${note ? `${note}: ` : ''}${who} must accept the invitation to ${this.#org} sent ${invitation.created_at} before team membership can be granted${teamText}`,
      },
      ...(warnings.length > 0 ? { warnings } : {}),
    };
  }

  async #membership(login: string): Promise<{ state: string; user: GithubUser } | undefined> {
    try {
      const { data } = await this.octokit.rest.orgs.getMembershipForUser({ org: this.#org, username: login });
      return { state: data.state, user: data.user as GithubUser };
    } catch (error) {
      if (status(error) === 404) return undefined;
      throw error;
    }
  }

  /** The one user whose public email is the person's, if GitHub's search finds exactly one. */
  async #userByEmail(person: PersonKey): Promise<{ account?: ProvisionedAccount }> {
    const [email] = person.emails ?? [];
    if (!email) return {};
    try {
      const { data } = await this.octokit.rest.search.users({ q: `${email} in:email` });
      const [user] = data.items;
      if (data.items.length === 1 && user) return { account: { ...toAccount(user), email } };
    } catch (error) {
      this.logger.warn(
        { err: classify(error, 'resolving the member').message },
        'could not resolve the GitHub user',
      );
    }
    return {};
  }

  async #checkTeams(teams: AccountGrant[]): Promise<CreateAccountResult | undefined> {
    const allowed = this.config.allowed_teams.map((t) => t.toLowerCase());
    const refused = teams.filter((t) => allowed.length > 0 && !allowed.includes(t.target.toLowerCase()));
    if (refused.length > 0) {
      return {
        status: 'error',
        code: 'invalid',
        message: `team ${refused.map((t) => t.target).join(', ')} is not among the installation's allowed teams (${this.config.allowed_teams.join(', ')})`,
      };
    }
    for (const team of teams) {
      try {
        await this.octokit.rest.teams.getByName({ org: this.#org, team_slug: team.target });
      } catch (error) {
        if (status(error) === 404) {
          return {
            status: 'error',
            code: 'invalid',
            message: `the org ${this.#org} has no team "${team.target}"`,
          };
        }
        return fail(classify(error, `reading team ${team.target}`));
      }
    }
    return undefined;
  }

  /** Team memberships, only for an active member: for an invitee GitHub would send another invitation. */
  async applyGrants(account: ProvisionedAccount, grants: AccountGrant[]): Promise<ApplyGrantsResult> {
    const login = account.login;
    if (!login) return { status: 'error', message: 'the account has no GitHub login to grant teams to' };
    try {
      const membership = await this.#membership(login);
      if (membership?.state !== 'active') {
        return {
          status: 'error',
          message: `${login} is not an active member of ${this.#org} yet; team grants wait until the invitation is accepted`,
        };
      }
    } catch (error) {
      return { status: 'error', message: classify(error, 'reading the membership').message };
    }
    const problems: string[] = [];
    for (const grant of grants) {
      if (grant.kind !== TEAM_KIND) {
        problems.push(`grant kind "${grant.kind}" is not supported (only team)`);
        continue;
      }
      try {
        await this.octokit.rest.teams.addOrUpdateMembershipForUserInOrg({
          org: this.#org,
          team_slug: grant.target,
          username: login,
          role: grant.role === 'maintainer' ? 'maintainer' : 'member',
        });
      } catch (error) {
        problems.push(
          status(error) === 404
            ? `the org ${this.#org} has no team "${grant.target}"`
            : classify(error, `granting team ${grant.target}`).message,
        );
      }
    }
    return problems.length === 0 ? { status: 'applied' } : { status: 'error', message: problems.join('; ') };
  }

  async cancel(pendingId: string): Promise<void> {
    const invitationId = Number(pendingId);
    if (!Number.isSafeInteger(invitationId)) return;
    try {
      await this.octokit.rest.orgs.cancelInvitation({ org: this.#org, invitation_id: invitationId });
    } catch (error) {
      // Already gone (accepted, expired or withdrawn): the cancel has nothing left to do.
      if (status(error) !== 404) throw error;
    }
  }

  /**
   * The same transitions the webhooks make, found by asking: a member now active (by login), an
   * invitation in the failed list (expired or failed), or, for an email invitation that is gone
   * from both lists, the member who just joined when exactly one such invitation is left.
   */
  async reconcile(pending: PendingAccountRequest[], options: ReconcileOptions = {}): Promise<AccountEvent[]> {
    if (pending.length === 0) return [];
    try {
      return await this.#reconcile(pending, options);
    } catch (error) {
      // A revoked token fails every pass the same way: said as the hub's typed refusal, so the
      // installation's status shows it instead of a warning in the logs only.
      const failure = classify(error, 'checking invitations');
      if (failure.credentialsRefused) {
        throw new PlatformError('unauthorized', failure.message, { status: failure.status, cause: error });
      }
      throw error;
    }
  }

  async #reconcile(pending: PendingAccountRequest[], options: ReconcileOptions): Promise<AccountEvent[]> {
    const open = new Set(
      (await listPendingInvitations(this.octokit, this.#org, this.maxPages)).map((i) => String(i.id)),
    );
    const failed = new Map(
      (await listFailedInvitations(this.octokit, this.#org, this.maxPages)).map(
        (i) => [String(i.id), i] as const,
      ),
    );
    const events: AccountEvent[] = [];
    const vanished: PendingAccountRequest[] = [];
    for (const row of pending) {
      if (row.login) {
        const membership = await this.#membership(row.login);
        if (membership?.state === 'active') {
          events.push({ kind: 'accepted', pendingId: row.pendingId, account: toAccount(membership.user) });
          continue;
        }
      }
      const failure = failed.get(row.pendingId);
      if (failure) {
        const reason = failure.failed_reason ?? 'failed';
        events.push({
          kind: /expired/i.test(reason) ? 'expired' : 'failed',
          pendingId: row.pendingId,
          detail: `${reason} at ${failure.failed_at ?? 'an unknown time'}`,
        });
        continue;
      }
      if (!open.has(row.pendingId) && !row.login) vanished.push(row);
    }
    const [only] = vanished;
    if (options.joined && vanished.length === 1 && only) {
      events.push({ kind: 'accepted', pendingId: only.pendingId, account: options.joined });
    }
    return events;
  }

  async status(): Promise<AccountProvisionerStatus> {
    try {
      const { data: org } = await this.octokit.rest.orgs.get({ org: this.#org });
      const detail: Record<string, unknown> = {
        org: org.login,
        plan: org.plan?.name ?? null,
        seats: org.plan?.seats ?? null,
        filledSeats: org.plan?.filled_seats ?? null,
      };
      try {
        await this.octokit.rest.orgs.listPendingInvitations({ org: this.#org, per_page: 1 });
        const refusal = this.#refusal;
        if (refusal) {
          return { ok: false, detail: { ...detail, invitationsAvailable: false }, message: refusal.message };
        }
        return { ok: true, detail: { ...detail, invitationsAvailable: true } };
      } catch (error) {
        const failure = classify(error, 'listing invitations', { invitationEndpoint: true });
        return { ok: false, detail: { ...detail, invitationsAvailable: false }, message: failure.message };
      }
    } catch (error) {
      return {
        ok: false,
        detail: { org: this.#org },
        message: classify(error, `reading the org ${this.#org}`).message,
      };
    }
  }
}
