import type { Octokit } from '@octokit/rest';

/** An org invitation as the REST API lists it (pending or failed). */
export interface GithubInvitation {
  id: number;
  login: string | null;
  email: string | null;
  role: string;
  created_at: string;
  failed_at?: string | null;
  failed_reason?: string | null;
}

/** Org invitations expire after seven days. */
export const INVITATION_LIFETIME_MS = 7 * 24 * 60 * 60 * 1000;

/** Pages read at most per list; an org with more open invitations than this is not searched whole. */
export const DEFAULT_MAX_PAGES = 10;
const PER_PAGE = 100;

/** One person: their login, and the emails known to be theirs (asked for, or public on GitHub). */
export interface PersonKey {
  login?: string;
  emails?: string[];
}

/** True when the invitation names the person, by login or by one of their emails (case-insensitive). */
export function invitationMatches(invitation: GithubInvitation, person: PersonKey): boolean {
  const login = person.login?.toLowerCase();
  const invited = invitation.email?.toLowerCase();
  return (
    (login !== undefined && invitation.login?.toLowerCase() === login) ||
    (invited !== undefined && (person.emails ?? []).some((email) => email.toLowerCase() === invited))
  );
}

async function collect(
  octokit: Octokit,
  list: 'listPendingInvitations' | 'listFailedInvitations',
  org: string,
  maxPages: number,
  stopAt?: (invitation: GithubInvitation) => boolean,
): Promise<GithubInvitation[]> {
  const found: GithubInvitation[] = [];
  let pages = 0;
  for await (const page of octokit.paginate.iterator(octokit.rest.orgs[list], { org, per_page: PER_PAGE })) {
    for (const invitation of page.data as GithubInvitation[]) {
      found.push(invitation);
      if (stopAt?.(invitation)) return found;
    }
    if (++pages >= maxPages) break;
  }
  return found;
}

/** The pending invitation of a person, reading at most `maxPages` pages. */
export async function findPendingInvitation(
  octokit: Octokit,
  org: string,
  person: PersonKey,
  maxPages = DEFAULT_MAX_PAGES,
): Promise<GithubInvitation | undefined> {
  const seen = await collect(octokit, 'listPendingInvitations', org, maxPages, (i) =>
    invitationMatches(i, person),
  );
  return seen.find((i) => invitationMatches(i, person));
}

/** The most recent failed (or expired) invitation of a person, if any. */
export async function findFailedInvitation(
  octokit: Octokit,
  org: string,
  person: PersonKey,
  maxPages = DEFAULT_MAX_PAGES,
): Promise<GithubInvitation | undefined> {
  const all = await collect(octokit, 'listFailedInvitations', org, maxPages);
  return all
    .filter((i) => invitationMatches(i, person))
    .sort((a, b) => (b.failed_at ?? '').localeCompare(a.failed_at ?? ''))[0];
}

export const listPendingInvitations = (octokit: Octokit, org: string, maxPages = DEFAULT_MAX_PAGES) =>
  collect(octokit, 'listPendingInvitations', org, maxPages);
export const listFailedInvitations = (octokit: Octokit, org: string, maxPages = DEFAULT_MAX_PAGES) =>
  collect(octokit, 'listFailedInvitations', org, maxPages);

export function expiresAt(invitation: Pick<GithubInvitation, 'created_at'>): string | undefined {
  const created = Date.parse(invitation.created_at);
  return Number.isNaN(created) ? undefined : new Date(created + INVITATION_LIFETIME_MS).toISOString();
}
