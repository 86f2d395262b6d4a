// Error bodies as GitHub's REST API sends them (message, errors[], documentation_url, status).

const DOCS = 'https://docs.github.com/rest';

export interface FakeGithubAnswer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** A failNext answer that only delays the normal one (a slow GitHub). */
export interface FakeGithubDelay {
  delayMs: number;
}

/** A failNext answer held until `until` settles, then the normal one (a GitHub slow for as long as a test wants). */
export interface FakeGithubHold {
  until: Promise<unknown>;
}

const validationFailed = (
  message: string,
  docs = `${DOCS}/orgs/members#create-an-organization-invitation`,
) => ({
  message: 'Validation Failed',
  errors: [{ resource: 'OrganizationInvitation', code: 'unprocessable', field: 'data', message }],
  documentation_url: docs,
  status: '422',
});

/** The spellings GitHub has shipped for "this person is in the org already". */
export type AlreadyMemberSpelling = 'part_of' | 'member_address' | 'member_addresss';

export const githubErrors = {
  badCredentials: (): FakeGithubAnswer => ({
    status: 401,
    body: { message: 'Bad credentials', documentation_url: DOCS, status: '401' },
  }),
  notAccessible: (): FakeGithubAnswer => ({
    status: 403,
    body: {
      message: 'Resource not accessible by personal access token',
      documentation_url: `${DOCS}/orgs/members#create-an-organization-invitation`,
      status: '403',
    },
  }),
  notFound: (docs = DOCS): FakeGithubAnswer => ({
    status: 404,
    body: { message: 'Not Found', documentation_url: docs, status: '404' },
  }),
  /** 422 for an invitee in the org already; `errors[].message` or the top-level `message`. */
  alreadyMember: (spelling: AlreadyMemberSpelling = 'part_of'): FakeGithubAnswer => {
    if (spelling === 'part_of')
      return { status: 422, body: validationFailed('Invitee is already a part of this organization') };
    const text =
      spelling === 'member_addresss'
        ? 'A user with this email addresss is already a member of this organization'
        : 'A user with this email address is already a member of this organization';
    return { status: 422, body: { message: text, documentation_url: DOCS, status: '422' } };
  },
  /** 422 of an Enterprise Managed Users org, which cannot invite personal accounts. */
  cannotBeInvited: (): FakeGithubAnswer => ({
    status: 422,
    body: validationFailed(
      'Enterprise Managed Users cannot be invited to this organization; add them through your identity provider',
    ),
  }),
  overInvitationRateLimit: (): FakeGithubAnswer => ({
    status: 422,
    body: validationFailed('Over invitation rate limit'),
  }),
  secondaryRateLimit: (retryAfterSeconds: number): FakeGithubAnswer => ({
    status: 403,
    headers: { 'retry-after': String(retryAfterSeconds) },
    body: {
      message:
        'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID 0000:1111:2222:3333:44444444.',
      documentation_url:
        'https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits',
      status: '403',
    },
  }),
  /** The primary limit: 403 (or 429) with `x-ratelimit-remaining: 0` and the reset epoch. */
  rateLimitExceeded: (resetEpochSeconds: number, status: 403 | 429 = 403): FakeGithubAnswer => ({
    status,
    headers: {
      'x-ratelimit-limit': '5000',
      'x-ratelimit-remaining': '0',
      'x-ratelimit-used': '5000',
      'x-ratelimit-reset': String(resetEpochSeconds),
      'x-ratelimit-resource': 'core',
    },
    body: {
      message: 'API rate limit exceeded for user ID 1.',
      documentation_url:
        'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-the-primary-rate-limit',
      status: String(status),
    },
  }),
  serverError: (status: 500 | 502 | 503 = 502): FakeGithubAnswer => ({
    status,
    body: { message: 'Server Error', status: String(status) },
  }),
};
